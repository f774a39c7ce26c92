import { Context, Effect, Layer, Schema } from "effect"
import type { DuckDBConnection } from "@duckdb/node-api"
import { mkdirSync, rmSync } from "node:fs"
import { writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { randomUUID } from "node:crypto"
import type { Migration } from "./migrations.ts"
import { killPoint } from "../core/killpoints.ts"
import { lazyRequire } from "../core/lazy-require.ts"
import { rowsOf } from "./duckdb-rows.ts"
import { claimHolder, explainLock, releaseHolder, thisCommand } from "./holder.ts"
import { toJsonLine } from "./json-line.ts"

export class WarehouseError extends Schema.TaggedError<WarehouseError>()("WarehouseError", {
  message: Schema.String,
  sql: Schema.optional(Schema.String)
}) {}

export type Row = Record<string, unknown>

/** What a query can do, inside or outside a transaction. */
export interface Queries {
  readonly query: <T = Row>(sql: string, params?: ReadonlyArray<unknown>) => Effect.Effect<T[], WarehouseError>
  /** The same, with numbers as numbers as `jobsignal sql` prints them (a BIGINT beyond 2^53 stays a string). */
  readonly queryRows: (sql: string, params?: ReadonlyArray<unknown>) => Effect.Effect<Row[], WarehouseError>
  readonly exec: (sql: string, params?: ReadonlyArray<unknown>) => Effect.Effect<void, WarehouseError>
  /** Bulk insert by column name, through NDJSON and DuckDB's `read_json` (fast, typed by the table). */
  readonly insertRows: (table: string, rows: ReadonlyArray<Row>) => Effect.Effect<number, WarehouseError>
  /**
   * The same for many batches of rows already serialized with `toJsonLine`, all holding `columns`: a caller
   * can spread the serializing, and the table's columns are looked up once.
   */
  readonly lineInserter: (
    table: string,
    columns: ReadonlyArray<string>
  ) => (lines: ReadonlyArray<string>) => Effect.Effect<number, WarehouseError>
}

export interface WarehouseService extends Queries {
  readonly path: string
  /** Runs `f` in one DuckDB transaction: all of it is committed, or none of it. */
  readonly transaction: <A, E, R>(f: (tx: Queries) => Effect.Effect<A, E, R>) => Effect.Effect<A, E | WarehouseError, R>
}

export interface WarehouseConfig {
  readonly path: string
  readonly migrations: ReadonlyArray<Migration>
  /** What this process is, for a refused opener's message (default: its command line). */
  readonly holder?: string
}

/** The embedded DuckDB warehouse: every stage's output, the run ledger, cursors and analytics views. */
export class Warehouse extends Context.Tag("jobsignal/Warehouse")<Warehouse, WarehouseService>() {
  static layer = (config: WarehouseConfig) => Layer.scoped(Warehouse, openWarehouse(config))
}

export { toJsonLine, UnserializableRow, MAX_ROW_DEPTH } from "./json-line.ts"

// Required when a warehouse opens: commands that never open one (validate, plan, --help) skip the native module.
const duckdb = lazyRequire<typeof import("@duckdb/node-api")>(import.meta.url, "@duckdb/node-api")

const shortSql = (sql: string) => sql.replace(/\s+/g, " ").trim().slice(0, 160)

const columnTypes = (conn: DuckDBConnection, table: string) =>
  conn
    .runAndReadAll(
      "select column_name, data_type from information_schema.columns where table_name = $1 order by ordinal_position",
      [table]
    )
    .then((r) => r.getRowObjectsJson() as Array<{ column_name: string; data_type: string }>)

const makeQueries = (
  conn: DuckDBConnection,
  lock: <A, E, R>(e: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
): Queries => {
  const query = <T = Row>(sql: string, params: ReadonlyArray<unknown> = []) =>
    lock(
      Effect.tryPromise({
        try: async () => (await conn.runAndReadAll(sql, params as never)).getRowObjectsJson() as T[],
        catch: (e) => new WarehouseError({ message: (e as Error).message, sql: shortSql(sql) })
      })
    )
  const queryRows = (sql: string, params: ReadonlyArray<unknown> = []) =>
    lock(
      Effect.tryPromise({
        try: async () => rowsOf(await conn.runAndReadAll(sql, params as never)),
        catch: (e) => new WarehouseError({ message: (e as Error).message, sql: shortSql(sql) })
      })
    )
  const exec = (sql: string, params: ReadonlyArray<unknown> = []) =>
    lock(
      Effect.tryPromise({
        try: async () => {
          await conn.run(sql, params as never)
        },
        catch: (e) => new WarehouseError({ message: (e as Error).message, sql: shortSql(sql) })
      })
    )
  const lineInserter = (table: string, columns: ReadonlyArray<string>) => {
    // The column list and types, looked up at the first insert and kept: a source node inserts a batch
    // every hundred rows, and each lookup would hold the lock for a catalog query.
    let columnSpec: { names: string; types: string } | undefined
    return (lines: ReadonlyArray<string>) =>
      lines.length === 0
        ? Effect.succeed(0)
        : Effect.acquireUseRelease(
            // The file is written before taking the lock, and without blocking: other statements go on meanwhile.
            Effect.tryPromise({
              try: async () => {
                const file = join(tmpdir(), `jobsignal-${randomUUID()}.ndjson`)
                await writeFile(file, lines.join("\n"))
                return file
              },
              catch: (e) =>
                new WarehouseError({
                  message: `insert into ${table}: cannot write its NDJSON file: ${(e as Error).message}`
                })
            }),
            (file) =>
              lock(
                Effect.tryPromise({
                  try: async () => {
                    if (!columnSpec) {
                      const types = await columnTypes(conn, table)
                      if (types.length === 0) throw new Error(`table ${table} does not exist`)
                      // A column the caller writes and the table lacks would be dropped by the select below:
                      // that is a missing migration, and its data would be lost without a word.
                      const missing = columns.filter((c) => !types.some((t) => t.column_name === c))
                      if (missing.length > 0)
                        throw new Error(
                          `table ${table} has no column ${missing.map((c) => `"${c}"`).join(", ")} (add a migration)`
                        )
                      const present = types.filter((t) => columns.includes(t.column_name))
                      columnSpec = {
                        names: present.map((t) => `"${t.column_name}"`).join(", "),
                        types: present.map((t) => `'${t.column_name}': '${t.data_type.replace(/'/g, "''")}'`).join(", ")
                      }
                    }
                    const { names, types } = columnSpec
                    await conn.run(
                      `insert into "${table}" (${names}) select ${names} from read_json('${file}', format = 'newline_delimited', columns = {${types}}, maximum_object_size = 67108864)`
                    )
                    killPoint(`insert:${table}`)
                    return lines.length
                  },
                  catch: (e) => new WarehouseError({ message: `insert into ${table}: ${(e as Error).message}` })
                })
              ),
            (file) => Effect.sync(() => rmSync(file, { force: true }))
          )
  }
  const insertRows = (table: string, rows: ReadonlyArray<Row>) =>
    rows.length === 0
      ? Effect.succeed(0)
      : Effect.flatMap(
          Effect.try({
            try: () => rows.map((r) => toJsonLine(r)),
            catch: (e) => new WarehouseError({ message: `insert into ${table}: ${(e as Error).message}` })
          }),
          lineInserter(table, Object.keys(rows[0]))
        )
  return { query, queryRows, exec, insertRows, lineInserter }
}

const openWarehouse = (config: WarehouseConfig) =>
  Effect.gen(function* () {
    if (config.path !== ":memory:") mkdirSync(dirname(config.path), { recursive: true })
    const instance = yield* Effect.tryPromise({
      try: () => duckdb().DuckDBInstance.create(config.path),
      catch: (e) =>
        new WarehouseError({
          message: `cannot open warehouse ${config.path}: ${explainLock(config.path, (e as Error).message)}`
        })
    })
    claimHolder(config.path, config.holder ?? thisCommand())
    const conn = yield* Effect.promise(() => instance.connect())
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        releaseHolder(config.path)
        try {
          conn.closeSync()
        } catch {
          /* already closed */
        }
        try {
          instance.closeSync()
        } catch {
          /* already closed */
        }
      })
    )
    // One connection, one statement at a time: DuckDB transactions are per connection, so a
    // transaction holds the lock for its whole length and other fibers wait for it.
    const sem = yield* Effect.makeSemaphore(1)
    const locked = <A, E, R>(e: Effect.Effect<A, E, R>) => sem.withPermits(1)(e)
    const outer = makeQueries(conn, locked)
    const inner = makeQueries(conn, (e) => e)
    const transaction = <A, E, R>(f: (tx: Queries) => Effect.Effect<A, E, R>) =>
      locked(
        Effect.acquireUseRelease(
          inner.exec("begin transaction"),
          () => f(inner),
          (_, exit) =>
            (exit._tag === "Success"
              ? Effect.sync(() => killPoint("tx_commit")).pipe(Effect.zipRight(inner.exec("commit")))
              : inner.exec("rollback")
            ).pipe(Effect.orDie)
        )
      )
    const service: WarehouseService = { path: config.path, ...outer, transaction }
    yield* migrate(service, config.migrations)
    return service
  })

/** Applies, in order, the migrations this warehouse has not seen; each in its own transaction. */
export const migrate = (w: WarehouseService, list: ReadonlyArray<Migration>) =>
  Effect.gen(function* () {
    yield* w.exec(
      "create table if not exists schema_migrations (id varchar primary key, applied_at timestamptz default now())"
    )
    const done = new Set((yield* w.query<{ id: string }>("select id from schema_migrations")).map((r) => r.id))
    for (const m of list) {
      if (done.has(m.id)) continue
      yield* w.transaction((tx) =>
        Effect.gen(function* () {
          for (const stmt of m.sql
            .split(/;\s*\n/)
            .map((s) => s.trim())
            .filter(Boolean))
            yield* tx.exec(stmt)
          yield* tx.exec("insert into schema_migrations (id) values ($1)", [m.id])
        })
      )
    }
  })
