import type { NodeKind } from "../pipelines/node.ts"

export const sinks: ReadonlyArray<NodeKind> = []
