import type { NodeKind } from "../pipelines/node.ts"
import { sourceNode } from "../pipelines/source-node.ts"
import type { Source } from "../sources/source.ts"
import { dedupe } from "../transforms/dedupe.ts"
import { signals } from "../transforms/signals/index.ts"
import { relevance } from "../transforms/relevance.ts"
import { fitScore } from "../transforms/fit-score.ts"
import { intel } from "../transforms/layers/node.ts"
import { mongoSink } from "../sinks/mongo/node.ts"
import { sources } from "./sources.ts"

export const transforms: ReadonlyArray<NodeKind> = [dedupe, signals, relevance, fitScore, intel]
export const sinks: ReadonlyArray<NodeKind> = [mongoSink]

/** Every node kind dag.yaml can name, built from a list of sources (tests add a fixture connector to it). */
export const kindsWith = (registered: ReadonlyArray<Source>): ReadonlyArray<NodeKind> => [...registered.map(sourceNode), ...transforms, ...sinks]

/** The node kinds of the production DAG: what `loadDag` checks a dag.yaml against and the runner runs. */
export const kinds: ReadonlyArray<NodeKind> = kindsWith(sources)
