import { DuckDBInstance, DuckDBTypeId, type DuckDBResultReader } from "@duckdb/node-api"
import { Effect, Schema } from "effect"
import { existsSync } from "node:fs"

/** The warehouse file could not be opened or the statement failed; not retried (fix the path or the SQL). */
export class WarehouseFileError extends Schema.TaggedError<WarehouseFileError>()("WarehouseFileError", {
  message: Schema.String,
  sql: Schema.optional(Schema.String)
}) {}

/** Integer and decimal columns DuckDB's JSON rows give as strings (they may exceed 2^53). */
const WIDE_NUMBERS = new Set<number>([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.DECIMAL
])

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

export type Query = (
  sql: string,
  params?: ReadonlyArray<unknown>
) => Effect.Effect<Array<Record<string, unknown>>, WarehouseFileError>

/**
 * Opens the warehouse file for `use` and closes it after. Read-only unless `write`: a look at the
 * data never changes it by accident, and a read-only open does not take DuckDB's single-writer lock.
 */
export const withWarehouseFile = <A, E>(path: string, write: boolean, use: (query: Query) => Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(
    Effect.tryPromise({
      try: async () => {
        if (!write && path !== ":memory:" && !existsSync(path))
          throw new Error("no such file (a run creates it; --write creates an empty one)")
        const db = await DuckDBInstance.create(path, write ? {} : { access_mode: "READ_ONLY" })
        return { db, conn: await db.connect() }
      },
      catch: (e) => new WarehouseFileError({ message: `cannot open warehouse ${path}: ${(e as Error).message}` })
    }),
    ({ conn }) =>
      use((sql, params = []) =>
        Effect.tryPromise({
          try: async () => rowsOf(await conn.runAndReadAll(sql, params as never)),
          catch: (e) => {
            const m = (e as Error).message
            return new WarehouseFileError({
              message:
                !write && /read-only|read only/i.test(m)
                  ? `the warehouse is opened read-only; pass --write to change it (${m})`
                  : m,
              sql: sql.replace(/\s+/g, " ").trim().slice(0, 160)
            })
          }
        })
      ),
    ({ conn, db }) =>
      Effect.sync(() => {
        conn.closeSync()
        db.closeSync()
      })
  )

/** Runs one statement on the warehouse file (`jobsignal sql`). */
export const runSql = (path: string, sql: string, write: boolean) => withWarehouseFile(path, write, (q) => q(sql))
