import type { NodeKind } from "../pipelines/node.ts"
import { dedupe } from "./dedupe.ts"
import { signals } from "./signals/index.ts"
import { relevance } from "./relevance.ts"
import { fitScore } from "./fit-score.ts"
import { intel } from "./layers/node.ts"

export const transforms: ReadonlyArray<NodeKind> = [dedupe, signals, relevance, fitScore, intel]
