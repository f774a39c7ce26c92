import type { NodeKind } from "../pipelines/node.ts"
import { sourceNode } from "../pipelines/source-node.ts"
import type { Source } from "../sources/source.ts"
import { dedupe } from "../transforms/dedupe/node.ts"
import { signals } from "../transforms/signals/index.ts"
import { relevance } from "../transforms/relevance.ts"
import { fitScore } from "../transforms/fit-score.ts"
import { intel } from "../transforms/intel/node.ts"
import { mongoSink } from "../sinks/mongo/node.ts"
import { candidateFiles, profileFile, targetsFile, universeFile } from "./files.ts"
import { sourceTargets } from "./targets.ts"

const transformsReading = (targets: NodeKind["files"]): ReadonlyArray<NodeKind> => [
  dedupe,
  { ...signals, files: targets },
  { ...relevance, files: profileFile },
  { ...fitScore, files: profileFile },
  { ...intel, files: candidateFiles }
]
export const sinks: ReadonlyArray<NodeKind> = [mongoSink]

/** A source's node kind, carrying what other nodes read off it: its staging table and its ATS job-URL pattern. */
const sourceKind = (s: Source, targets: NodeKind["files"], universe: NodeKind["files"]): NodeKind => ({
  ...sourceNode(s, sourceTargets),
  stages: s.output.table.name,
  files: s.ats && targets && universe ? (dag, node) => [...targets(dag, node), ...universe(dag, node)] : targets,
  ...(s.ats ? { jobUrl: s.ats.jobUrl } : {})
})

/** Every node kind dag.yaml can name, for a list of sources (tests add a fixture connector to it). */
export const kindsWith = (registered: ReadonlyArray<Source>): ReadonlyArray<NodeKind> => {
  const providers = registered.filter((s) => s.ats !== undefined).map((s) => s.kind)
  const targets = targetsFile(providers)
  const universe = universeFile(providers)
  return [...registered.map((s) => sourceKind(s, targets, universe)), ...transformsReading(targets), ...sinks]
}
