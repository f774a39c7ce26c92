import type { NodeKind } from "../pipelines/node.ts"
import { lazyKind } from "../pipelines/lazy-kind.ts"
import { sourceNodeDeclaration } from "../pipelines/source-kind.ts"
import type { Connector, Source } from "../sources/source.ts"
import { dedupeDeclaration } from "../transforms/dedupe/declaration.ts"
import { signalsDeclaration } from "../transforms/signals/declaration.ts"
import { relevanceDeclaration } from "../transforms/relevance-declaration.ts"
import { fitScoreDeclaration } from "../transforms/fit-score-declaration.ts"
import { intelDeclaration } from "../transforms/intel/declaration.ts"
import { mongoSinkDeclaration } from "../sinks/mongo/declaration.ts"
import { candidateFiles, profileFile, targetsFile, universeFile } from "./files.ts"

// Every kind is its declaration plus an implementation imported on the node's first run (pipelines/lazy-kind.ts).
const transformsReading = (targets: NodeKind["files"]): ReadonlyArray<NodeKind> => [
  lazyKind(dedupeDeclaration, () => import("../transforms/dedupe/node.ts").then((m) => m.dedupe)),
  lazyKind({ ...signalsDeclaration, files: targets }, () =>
    import("../transforms/signals/index.ts").then((m) => m.signals)
  ),
  lazyKind({ ...relevanceDeclaration, files: profileFile }, () =>
    import("../transforms/relevance.ts").then((m) => m.relevance)
  ),
  lazyKind({ ...fitScoreDeclaration, files: profileFile }, () =>
    import("../transforms/fit-score.ts").then((m) => m.fitScore)
  ),
  lazyKind({ ...intelDeclaration, files: candidateFiles }, () =>
    import("../transforms/intel/node.ts").then((m) => m.intel)
  )
]
export const sinks: ReadonlyArray<NodeKind> = [
  lazyKind(mongoSinkDeclaration, () => import("../sinks/mongo/node.ts").then((m) => m.mongoSink))
]

/** A connector as registered: app/connectors.ts gives one; a test may hand over a Source itself. */
export const asConnector = (s: Source | Connector): Connector =>
  "load" in s ? s : { ...s, table: s.output.table, load: () => Promise.resolve(s) }

/** A source's node kind, carrying what other nodes read off it: its staging table and its ATS job-URL pattern. */
const sourceKind = (c: Connector, targets: NodeKind["files"], universe: NodeKind["files"]): NodeKind =>
  lazyKind(
    {
      ...sourceNodeDeclaration(c),
      stages: c.table.name,
      files: c.ats && targets && universe ? (dag, node) => [...targets(dag, node), ...universe(dag, node)] : targets,
      ...(c.ats ? { jobUrl: c.ats.jobUrl } : {})
    },
    async () => {
      const [{ sourceNode }, { sourceTargets }, src] = await Promise.all([
        import("../pipelines/source-node.ts"),
        import("./targets.ts"),
        c.load()
      ])
      return sourceNode(src, sourceTargets)
    }
  )

/** Every node kind dag.yaml can name, for a list of sources (tests add a fixture connector to it). */
export const kindsWith = (registered: ReadonlyArray<Source | Connector>): ReadonlyArray<NodeKind> => {
  const providers = registered.filter((s) => s.ats !== undefined).map((s) => s.kind)
  const targets = targetsFile(providers)
  const universe = universeFile(providers)
  return [
    ...registered.map((s) => sourceKind(asConnector(s), targets, universe)),
    ...transformsReading(targets),
    ...sinks
  ]
}
