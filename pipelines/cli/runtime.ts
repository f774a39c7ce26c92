import { Layer } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import { Http } from "../../sources/http.ts"
import { migrations } from "../../app/migrations.ts"

/** The warehouse and HTTP client a run needs; apart from shared.ts so `validate` and help load no DuckDB. */
export const runtimeLayer = (db: string) =>
  Layer.mergeAll(Warehouse.layer({ path: db, migrations }), Http.layer({ timeoutMs: 30_000 }))
