import type { NodeKind } from "../pipelines/node.ts"
import { dedupe } from "./dedupe.ts"

export const transforms: ReadonlyArray<NodeKind> = [dedupe]
