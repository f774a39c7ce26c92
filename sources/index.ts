import type { Source } from "./source.ts"
import { greenhouse } from "./greenhouse/index.ts"

/** Every source connector. Registering one here gives it a node kind, the replay server and the conformance suite. */
export const sources: ReadonlyArray<Source> = [greenhouse]
