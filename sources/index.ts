import type { Source } from "./source.ts"
import { greenhouse } from "./greenhouse/index.ts"
import { lever } from "./lever/index.ts"
import { ashby } from "./ashby/index.ts"
import { workday } from "./workday/index.ts"
import { smartrecruiters } from "./smartrecruiters/index.ts"
import { workable } from "./workable/index.ts"
import { boardSources } from "./jobboards/index.ts"
import { edgar } from "./edgar/index.ts"
import { rss } from "./rss/index.ts"
import { yc } from "./yc/index.ts"

/** Every source connector. Registering one here gives it a node kind, the replay server and the conformance suite. */
export const sources: ReadonlyArray<Source> = [greenhouse, lever, ashby, workday, smartrecruiters, workable, ...boardSources, edgar, rss, yc]
