import type { NodeKind } from "../pipelines/node.ts"
import { mongoSink } from "./mongo/node.ts"

export const sinks: ReadonlyArray<NodeKind> = [mongoSink]
