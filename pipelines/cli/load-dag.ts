import { Effect } from "effect"
import { Fatal } from "../../core/errors.ts"
import { DagInvalid, loadDag } from "../load.ts"
import { kinds } from "../../app/composition.ts"

/**
 * Loads and validates the DAG; an invalid file is a config error listing every problem. Apart from
 * shared.ts because the node registry it needs loads every node kind (and DuckDB, MongoDB with them).
 */
export const loadDagEffect = (file: string) =>
  Effect.try({
    try: () => loadDag(file, kinds),
    catch: (e) =>
      e instanceof Fatal ? e : new Fatal({ reason: "Config", message: e instanceof DagInvalid ? e.message : String(e) })
  })
