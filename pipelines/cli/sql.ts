import { DuckDBInstance } from "@duckdb/node-api"
import { Effect, Schema } from "effect"
import { existsSync } from "node:fs"
import { rowsOf } from "../../sinks/duckdb-rows.ts"
import { explainLock } from "../../sinks/holder.ts"
import { liveUp, type UpInfo } from "../../sinks/up-file.ts"
import { postToUp } from "./up-client.ts"

/** The warehouse file could not be opened or the statement failed; not retried (fix the path or the SQL). */
export class WarehouseFileError extends Schema.TaggedError<WarehouseFileError>()("WarehouseFileError", {
  message: Schema.String,
  sql: Schema.optional(Schema.String)
}) {}

export type Query = (
  sql: string,
  params?: ReadonlyArray<unknown>
) => Effect.Effect<Array<Record<string, unknown>>, WarehouseFileError>

/**
 * Opens the warehouse file for `use` and closes it after. Read-only unless `write`: a look at the
 * data never changes it by accident, and a read-only open does not take DuckDB's single-writer lock.
 */
export const withWarehouseFile = <A, E>(path: string, write: boolean, use: (query: Query) => Effect.Effect<A, E>) => {
  // A running `jobsignal up` owns the file: ask it, and print the same rows.
  const up = liveUp(path)
  return up ? use(upQuery(up, write)) : openAndUse(path, write, use)
}

/** The statements of a command sent to the `jobsignal up` that owns the warehouse (POST /api/sql). */
export const upQuery =
  (up: UpInfo, write: boolean): Query =>
  (sql, params = []) =>
    Effect.tryPromise({
      try: async () =>
        (
          await postToUp<{ rows?: Array<Record<string, unknown>> }>(up, "/api/sql", { sql, params, write }, (b) =>
            Array.isArray(b.rows)
          )
        ).rows!,
      catch: (e) =>
        new WarehouseFileError({ message: (e as Error).message, sql: sql.replace(/\s+/g, " ").trim().slice(0, 160) })
    })

const openAndUse = <A, E>(path: string, write: boolean, use: (query: Query) => Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(
    Effect.tryPromise({
      try: async () => {
        if (!write && path !== ":memory:" && !existsSync(path))
          throw new Error("no such file (a run creates it; --write creates an empty one)")
        const db = await DuckDBInstance.create(path, write ? {} : { access_mode: "READ_ONLY" })
        return { db, conn: await db.connect() }
      },
      catch: (e) =>
        new WarehouseFileError({ message: `cannot open warehouse ${path}: ${explainLock(path, (e as Error).message)}` })
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
