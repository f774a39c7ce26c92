import type { Source } from "../source.ts"
import { remotive } from "../remotive/index.ts"
import { remoteok } from "../remoteok/index.ts"
import { arbeitnow } from "../arbeitnow/index.ts"
import { himalayas } from "../himalayas/index.ts"
import { jobicy } from "../jobicy/index.ts"
import { hn } from "../hn/index.ts"
import { builtin } from "../builtin/index.ts"
import { jsonld } from "../jsonld/index.ts"
import { wellfound } from "../wellfound/index.ts"
import { adzuna } from "../adzuna/index.ts"
import { search } from "../search/index.ts"

/** Job boards and free job APIs (issue 7), registered in sources/index.ts as one list. */
export const boardSources: ReadonlyArray<Source> = [remotive, remoteok, arbeitnow, himalayas, jobicy, hn, builtin, jsonld, wellfound, adzuna, search]
