/**
 * The production composition from the declarations alone: the node kinds, the universe's providers and dedupe's
 * ATS URL keys, without importing any connector, transform or sink implementation (each loads on its node's first
 * run). What `validate`, `plan` and the loader use; app/index.ts is the same with every connector imported.
 */
import { compose } from "./compose.ts"
import { connectors } from "./connectors.ts"

export const composition = compose(connectors)
export const { kinds, AtsProvider, ats } = composition
