import { DuckDBInstance, DuckDBTypeId, type DuckDBResultReader } from "@duckdb/node-api"
import { Effect } from "effect"
import { existsSync } from "node:fs"
import { WarehouseError } from "../../sinks/warehouse.ts"

/** Integer and decimal columns DuckDB's JSON rows give as strings (they may exceed 2^53). */
const WIDE_NUMBERS = new Set<number>([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT, DuckDBTypeId.DECIMAL])

/** Rows with numbers as numbers: a BIGINT stays a string only when a double cannot hold it exactly. */
export const rowsOf = (result: DuckDBResultReader): Array<Record<string, unknown>> => {
  const rows = result.getRowObjectsJson() as Array<Record<string, unknown>>
  const wide = result.columnNames().filter((_, i) => WIDE_NUMBERS.has(result.columnTypes()[i].typeId))
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

/**
 * Runs one statement on the warehouse file. Read-only unless `write`: a look at the data never
 * changes it by accident, and a read-only open does not take DuckDB's single-writer lock.
 */
export const runSql = (path: string, sql: string, write: boolean) =>
  Effect.acquireUseRelease(
    Effect.tryPromise({
      try: async () => {
        if (!write && path !== ":memory:" && !existsSync(path)) throw new Error("no such file (a run creates it; --write creates an empty one)")
        return DuckDBInstance.create(path, write ? {} : { access_mode: "READ_ONLY" })
      },
      catch: (e) => new WarehouseError({ message: `cannot open warehouse ${path}: ${(e as Error).message}` })
    }),
    (db) =>
      Effect.tryPromise({
        try: async () => rowsOf(await (await db.connect()).runAndReadAll(sql)),
        catch: (e) => {
          const m = (e as Error).message
          return new WarehouseError({
            message: !write && /read-only|read only/i.test(m) ? `the warehouse is opened read-only; pass --write to change it (${m})` : m,
            sql: sql.replace(/\s+/g, " ").trim().slice(0, 160)
          })
        }
      }),
    (db) => Effect.sync(() => db.closeSync())
  )
