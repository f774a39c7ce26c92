import type { Source } from "../sources/source.ts"
import { greenhouse } from "../sources/greenhouse/index.ts"
import { lever } from "../sources/lever/index.ts"
import { ashby } from "../sources/ashby/index.ts"
import { workday } from "../sources/workday/index.ts"
import { smartrecruiters } from "../sources/smartrecruiters/index.ts"
import { workable } from "../sources/workable/index.ts"
import { rippling } from "../sources/rippling/index.ts"
import { gem } from "../sources/gem/index.ts"
import { bamboohr } from "../sources/bamboohr/index.ts"
import { remotive } from "../sources/remotive/index.ts"
import { remoteok } from "../sources/remoteok/index.ts"
import { arbeitnow } from "../sources/arbeitnow/index.ts"
import { himalayas } from "../sources/himalayas/index.ts"
import { jobicy } from "../sources/jobicy/index.ts"
import { hn } from "../sources/hn/index.ts"
import { builtin } from "../sources/builtin/index.ts"
import { jsonld } from "../sources/jsonld/index.ts"
import { wellfound } from "../sources/wellfound/index.ts"
import { adzuna } from "../sources/adzuna/index.ts"
import { search } from "../sources/search/index.ts"
import { edgar } from "../sources/edgar/index.ts"
import { rss } from "../sources/rss/index.ts"
import { yc } from "../sources/yc/index.ts"

/** Job boards and free job APIs: the sources that are not an ATS and not a company signal. */
export const boardSources: ReadonlyArray<Source> = [
  remotive,
  remoteok,
  arbeitnow,
  himalayas,
  jobicy,
  hn,
  builtin,
  jsonld,
  wellfound,
  adzuna,
  search
]

/**
 * Every source connector. Registering one here is all it takes: it becomes a node kind (and its options part of
 * dag.schema.json), the replay server serves its fixtures, the conformance suite runs on it, `transform: dedupe`
 * with `needs: [sources.*]` reads it, and an ATS source (one with `ats`) adds its provider to the target universe
 * and its job-URL pattern to dedupe's URL key.
 */
export const sources: ReadonlyArray<Source> = [
  greenhouse,
  lever,
  ashby,
  workday,
  smartrecruiters,
  workable,
  rippling,
  gem,
  bamboohr,
  ...boardSources,
  edgar,
  rss,
  yc
]
