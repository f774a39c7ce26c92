import type { DuckDBResultReader } from "@duckdb/node-api"
import { lazyRequire } from "../core/lazy-require.ts"

const duckdb = lazyRequire<typeof import("@duckdb/node-api")>(import.meta.url, "@duckdb/node-api")

/** Integer and decimal columns DuckDB's JSON rows give as strings (they may exceed 2^53). */
let wideNumbers: Set<number> | undefined
const WIDE_NUMBERS = () => {
  const { DuckDBTypeId: T } = duckdb()
  return (wideNumbers ??= new Set<number>([T.BIGINT, T.UBIGINT, T.HUGEINT, T.UHUGEINT, T.DECIMAL]))
}

/** Rows with numbers as numbers: a BIGINT stays a string only when a double cannot hold it exactly. */
export const rowsOf = (result: DuckDBResultReader): Array<Record<string, unknown>> => {
  const rows = result.getRowObjectsJson() as Array<Record<string, unknown>>
  const wide = result.columnNames().filter((_, i) => WIDE_NUMBERS().has(result.columnTypes()[i].typeId))
  if (wide.length === 0) return rows
  for (const row of rows)
    for (const c of wide) {
      const v = row[c]
      if (typeof v !== "string") continue
      const n = Number(v)
      if (Number.isFinite(n) && (Number.isSafeInteger(n) || !/^-?\d+$/.test(v))) row[c] = n
    }
  return rows
}
