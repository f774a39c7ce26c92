import type { Connector, Source, SourceDeclaration } from "../sources/source.ts"
import { greenhouseDeclaration } from "../sources/greenhouse/declaration.ts"
import { leverDeclaration } from "../sources/lever/declaration.ts"
import { ashbyDeclaration } from "../sources/ashby/declaration.ts"
import { workdayDeclaration } from "../sources/workday/declaration.ts"
import { smartrecruitersDeclaration } from "../sources/smartrecruiters/declaration.ts"
import { workableDeclaration } from "../sources/workable/declaration.ts"
import { ripplingDeclaration } from "../sources/rippling/declaration.ts"
import { gemDeclaration } from "../sources/gem/declaration.ts"
import { bamboohrDeclaration } from "../sources/bamboohr/declaration.ts"
import { remotiveDeclaration } from "../sources/remotive/declaration.ts"
import { remoteokDeclaration } from "../sources/remoteok/declaration.ts"
import { arbeitnowDeclaration } from "../sources/arbeitnow/declaration.ts"
import { himalayasDeclaration } from "../sources/himalayas/declaration.ts"
import { jobicyDeclaration } from "../sources/jobicy/declaration.ts"
import { hnDeclaration } from "../sources/hn/declaration.ts"
import { builtinDeclaration } from "../sources/builtin/declaration.ts"
import { jsonldDeclaration } from "../sources/jsonld/declaration.ts"
import { wellfoundDeclaration } from "../sources/wellfound/declaration.ts"
import { adzunaDeclaration } from "../sources/adzuna/declaration.ts"
import { searchDeclaration } from "../sources/search/declaration.ts"
import { edgarDeclaration } from "../sources/edgar/declaration.ts"
import { rssDeclaration } from "../sources/rss/declaration.ts"
import { ycDeclaration } from "../sources/yc/declaration.ts"

const connector = <Opts>(declaration: SourceDeclaration<Opts>, load: () => Promise<Source<Opts>>): Connector<Opts> => ({
  ...declaration,
  load
})

/** Job boards and free job APIs: the sources that are not an ATS and not a company signal. */
export const boardConnectors: ReadonlyArray<Connector> = [
  connector(remotiveDeclaration, () => import("../sources/remotive/index.ts").then((m) => m.remotive)),
  connector(remoteokDeclaration, () => import("../sources/remoteok/index.ts").then((m) => m.remoteok)),
  connector(arbeitnowDeclaration, () => import("../sources/arbeitnow/index.ts").then((m) => m.arbeitnow)),
  connector(himalayasDeclaration, () => import("../sources/himalayas/index.ts").then((m) => m.himalayas)),
  connector(jobicyDeclaration, () => import("../sources/jobicy/index.ts").then((m) => m.jobicy)),
  connector(hnDeclaration, () => import("../sources/hn/index.ts").then((m) => m.hn)),
  connector(builtinDeclaration, () => import("../sources/builtin/index.ts").then((m) => m.builtin)),
  connector(jsonldDeclaration, () => import("../sources/jsonld/index.ts").then((m) => m.jsonld)),
  connector(wellfoundDeclaration, () => import("../sources/wellfound/index.ts").then((m) => m.wellfound)),
  connector(adzunaDeclaration, () => import("../sources/adzuna/index.ts").then((m) => m.adzuna)),
  connector(searchDeclaration, () => import("../sources/search/index.ts").then((m) => m.search))
]

/**
 * Every source connector: its declaration (declaration.ts: what dag.yaml and `validate` see) and its connector
 * (index.ts, imported on a node's first run). Registering one here is all it takes: it becomes a node kind (and its
 * options part of dag.schema.json), its staging table gets its migration, the replay server serves its fixtures, the
 * conformance suite runs on it, `transform: dedupe` with `needs: [sources.*]` reads it, and an ATS source (one with
 * `ats`) adds its provider to the target universe and its job-URL pattern to dedupe's URL key.
 */
export const connectors: ReadonlyArray<Connector> = [
  connector(greenhouseDeclaration, () => import("../sources/greenhouse/index.ts").then((m) => m.greenhouse)),
  connector(leverDeclaration, () => import("../sources/lever/index.ts").then((m) => m.lever)),
  connector(ashbyDeclaration, () => import("../sources/ashby/index.ts").then((m) => m.ashby)),
  connector(workdayDeclaration, () => import("../sources/workday/index.ts").then((m) => m.workday)),
  connector(smartrecruitersDeclaration, () =>
    import("../sources/smartrecruiters/index.ts").then((m) => m.smartrecruiters)
  ),
  connector(workableDeclaration, () => import("../sources/workable/index.ts").then((m) => m.workable)),
  connector(ripplingDeclaration, () => import("../sources/rippling/index.ts").then((m) => m.rippling)),
  connector(gemDeclaration, () => import("../sources/gem/index.ts").then((m) => m.gem)),
  connector(bamboohrDeclaration, () => import("../sources/bamboohr/index.ts").then((m) => m.bamboohr)),
  ...boardConnectors,
  connector(edgarDeclaration, () => import("../sources/edgar/index.ts").then((m) => m.edgar)),
  connector(rssDeclaration, () => import("../sources/rss/index.ts").then((m) => m.rss)),
  connector(ycDeclaration, () => import("../sources/yc/index.ts").then((m) => m.yc))
]
