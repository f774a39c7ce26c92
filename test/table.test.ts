/**
 * One declaration per table (sinks/table.ts): the creation DDL, the migrations adding later columns, the column
 * list a source node inserts and the check against the warehouse all come from it, and warehouses made by the
 * migrations as they were written out by hand still open and run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { kinds, migrations } from "../app/index.ts"
import { orderMigrations, type Migration } from "../sinks/migrations.ts"
import { stgJobs } from "../sinks/stg-jobs.ts"
import { sourceErrors } from "../sinks/source-errors.ts"
import { addedColumnMigrations, createTableSql, stagingTable, withTableMigrations } from "../sinks/table.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { Http } from "../sources/http.ts"
import { greenhouse } from "../sources/greenhouse/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { sourceNode } from "../pipelines/source-node.ts"
import type { StagingOutput } from "../sources/source.ts"
import { dagFrom, run, tempDir } from "./support/harness.ts"

/** The schema as commit 58a2037 made it: its migrations, then what source nodes created at start. */
const before = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/warehouse-58a2037.json"), "utf8")) as {
  migrations: Migration[]
  runtime: string[]
}

const open = <A, E>(path: string, list: ReadonlyArray<Migration>, eff: Effect.Effect<A, E, Warehouse | Http>) =>
  Effect.runPromise(
    Effect.scoped(
      eff.pipe(
        Effect.provide(Layer.mergeAll(Warehouse.layer({ path, migrations: list }), Http.layer({ timeoutMs: 5_000 })))
      )
    ) as Effect.Effect<A, E, never>
  )

const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  Effect.flatMap(Warehouse, (w) => w.query<T>(sql, params))

/** Every column of every table and view, with type and nullability, and every index: what a migration leaves behind. */
const schemaOf = Effect.all({
  columns: q(
    "select table_name, column_name, data_type, is_nullable from information_schema.columns order by table_name, column_name"
  ),
  indexes: q(
    "select table_name, index_name, expressions, is_unique from duckdb_indexes() order by table_name, index_name"
  ),
  keys: q(
    "select table_name, constraint_type, constraint_column_names from duckdb_constraints() where constraint_type in ('PRIMARY KEY', 'UNIQUE') order by table_name, constraint_type, constraint_column_names::varchar"
  )
})

const oldWarehouse = () =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    for (const ddl of before.runtime) yield* w.exec(ddl)
    yield* w.exec(
      "insert into stg_jobs (run_id, node, record_key, fetched_at, source, source_id, title) values ('old', 'gh', 'k1', now(), 'greenhouse', '1', 'Old job')"
    )
    yield* w.exec(
      "insert into stg_news (run_id, node, record_key, fetched_at, feed, guid, title) values ('old', 'news', 'f:1', now(), 'f', '1', 'Old news')"
    )
  })

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer([greenhouse])
})
afterAll(() => replay.close())

const ghDag = (kind = "greenhouse") =>
  dagFrom(
    `version: 1
defaults: { retry: { times: 0 } }
nodes:
  gh: { source: ${kind}, with: { base_url: "${replay.baseUrlFor("greenhouse")}", boards: [gitlab], details: false } }
`,
    tempDir(),
    [...kinds, ...(kind === "greenhouse" ? [] : [sourceNode({ ...greenhouse, kind, output: widened })])]
  )

// stg_jobs as a later version of the code would declare it: one column more, from a migration of its own.
const widenedTable = {
  ...stgJobs,
  columns: { ...stgJobs.columns, seniority: { type: "VARCHAR", since: "0999_test_stg_jobs_seniority" } }
}
const widened = {
  ...greenhouse.output,
  table: widenedTable,
  toRow: (r: Parameters<typeof greenhouse.output.toRow>[0]) => ({ ...greenhouse.output.toRow(r), seniority: "senior" })
}

describe("DDL derived from a table declaration", () => {
  const t = stagingTable({
    name: "stg_things",
    createdBy: "0500_things",
    columns: {
      thing: "VARCHAR NOT NULL",
      size: "INTEGER",
      colour: { type: "VARCHAR", since: "0520_thing_colour" },
      weight: { type: "DOUBLE", since: "0510_thing_weight" }
    },
    indexes: { stg_things_run: ["run_id", "node"] }
  })

  it("creates the table with the columns it was born with, and adds each later one in a migration of that id, in id order", () => {
    expect(createTableSql(t)).toBe(
      `create table if not exists "stg_things" ("run_id" VARCHAR NOT NULL, "node" VARCHAR NOT NULL, "unit" VARCHAR, "record_key" VARCHAR NOT NULL, "fetched_at" TIMESTAMPTZ NOT NULL, "thing" VARCHAR NOT NULL, "size" INTEGER);\n` +
        `create index if not exists "stg_things_run" on "stg_things" ("run_id", "node")`
    )
    expect(addedColumnMigrations(t)).toEqual([
      { id: "0510_thing_weight", sql: `alter table "stg_things" add column if not exists "weight" DOUBLE` },
      { id: "0520_thing_colour", sql: `alter table "stg_things" add column if not exists "colour" VARCHAR` }
    ])
    expect(withTableMigrations([], [t, t]).map((m) => m.id)).toEqual([
      "0500_things",
      "0510_thing_weight",
      "0520_thing_colour"
    ])
  })

  it("refuses a column added before its table exists, a shared migration that does not create the table, two declarations under one name, an index on no column", () => {
    expect(() =>
      addedColumnMigrations({ ...t, columns: { ...t.columns, early: { type: "VARCHAR", since: "0400_early" } } })
    ).toThrow(
      "table stg_things: column early is added by migration 0400_early, which does not sort after 0500_things that creates the table"
    )
    expect(() => withTableMigrations([{ id: "0500_things", sql: "create table stg_things (x int)" }], [t])).toThrow(
      "table stg_things: migration 0500_things is named as creating it but does not embed createTableSql(stg_things)"
    )
    expect(() => withTableMigrations([], [t, { ...t, columns: { ...t.columns, size: "BIGINT" } }])).toThrow(
      "table stg_things is declared twice, differently"
    )
    expect(() => createTableSql({ ...t, indexes: { bad: ["nope"] } })).toThrow(
      "table stg_things: its key or an index names column nope, which it does not declare"
    )
  })

  it("a connector's toRow is typed by the table: one that leaves a column out does not compile (an extra column fails the node: see below)", () => {
    type Thing = { name: string }
    const ok: StagingOutput<Thing, typeof t> = {
      table: t,
      key: (r) => r.name,
      toRow: (r) => ({ thing: r.name, size: 1, colour: null, weight: null })
    }
    const missing: StagingOutput<Thing, typeof t> = {
      table: t,
      key: (r) => r.name,
      // @ts-expect-error: "weight" is left out
      toRow: (r) => ({ thing: r.name, size: 1, colour: null })
    }
    expect(Object.keys(ok.toRow({ name: "a" })).sort()).toEqual(["colour", "size", "thing", "weight"])
    expect(missing.table).toBe(t)
  })

  it("every declared table (the core ones, each registered source's staging table) is created by a migration of the composition root's list", () => {
    const ids = migrations.map((m) => m.id)
    expect(ids).toEqual(
      expect.arrayContaining(["0001_core", "0450_stg_filings", "0451_stg_news", "0452_stg_yc_companies"])
    )
    expect(migrations.find((m) => m.id === "0001_core")!.sql).toContain(createTableSql(stgJobs))
    expect(migrations.find((m) => m.id === "0001_core")!.sql).toContain(createTableSql(sourceErrors))
  })
})

describe("a row the table does not declare", () => {
  it("a toRow giving a column its table lacks fails the node naming source, table and column, instead of the insert dropping it", async () => {
    const sneaky = sourceNode({
      ...greenhouse,
      kind: "test_greenhouse_undeclared",
      output: { ...greenhouse.output, toRow: (r) => ({ ...greenhouse.output.toRow(r), seniority: "senior" }) }
    })
    const dag = dagFrom(
      `version: 1
defaults: { retry: { times: 0 } }
nodes:
  gh: { source: test_greenhouse_undeclared, with: { base_url: "${replay.baseUrlFor("greenhouse")}", boards: [gitlab], details: false } }
`,
      tempDir(),
      [...kinds, sneaky]
    )
    const { summary } = await open(join(tempDir(), "w.duckdb"), migrations, run({ dag }))
    expect(summary.nodes.map((n) => [n.node, n.status])).toEqual([["gh", "failed"]])
    expect(summary.nodes[0].error).toBe(
      `Fatal/Config: gh (source: test_greenhouse_undeclared): toRow gives column "seniority" that staging table stg_jobs does not declare: declare it there (a new column with since: a new migration id)`
    )
  })
})

describe("a warehouse made by the hand-written migrations", () => {
  it("opens with today's migrations and ends with the same tables, columns, types, keys and indexes as a new one, its rows kept", async () => {
    const dir = tempDir()
    const oldDb = join(dir, "old.duckdb")
    await open(oldDb, before.migrations, oldWarehouse())
    const upgraded = await open(
      oldDb,
      migrations,
      Effect.all({
        schema: schemaOf,
        applied: q<{ id: string }>("select id from schema_migrations order by id"),
        jobs: q("select title from stg_jobs"),
        news: q("select title from stg_news")
      })
    )
    const fresh = await open(join(dir, "new.duckdb"), migrations, schemaOf)
    expect(upgraded.schema).toEqual(fresh)
    expect(upgraded.applied.map((r) => r.id)).toEqual([...migrations.map((m) => m.id)].sort())
    expect(upgraded.jobs).toEqual([{ title: "Old job" }])
    expect(upgraded.news).toEqual([{ title: "Old news" }])
    // The new set changed nothing the old one made: the same schema as the old migrations alone.
    const oldOnly = await open(
      join(dir, "old-only.duckdb"),
      before.migrations,
      Effect.zipRight(oldWarehouse(), schemaOf)
    )
    // Tables the snapshot lacks must each be created by a migration written after it; the rest must match it.
    const snapshotIds = new Set(before.migrations.map((m) => m.id))
    const laterSql = migrations
      .filter((m) => !snapshotIds.has(m.id))
      .map((m) => m.sql)
      .join("\n")
    const oldTables = new Set(oldOnly.columns.map((r) => String(r.table_name)))
    const newTables = [...new Set(fresh.columns.map((r) => String(r.table_name)))].filter((t) => !oldTables.has(t))
    for (const t of newTables)
      expect(laterSql, `table ${t} made by no migration after the snapshot`).toMatch(
        new RegExp(`create table (if not exists )?"?${t}\\b`, "i")
      )
    const inSnapshot = (rows: ReadonlyArray<Record<string, unknown>>) =>
      rows.filter((r) => oldTables.has(String(r.table_name)))
    // Columns a snapshot table lacks must each be added by a migration written after it.
    const oldColumns = new Set(oldOnly.columns.map((r) => `${r.table_name}.${r.column_name}`))
    const addedLater = (r: Record<string, unknown>) =>
      !oldColumns.has(`${r.table_name}.${r.column_name}`) &&
      new RegExp(`alter table "?${r.table_name}"? add column (if not exists )?"?${r.column_name}\\b`, "i").test(
        laterSql
      )
    expect({
      columns: inSnapshot(fresh.columns).filter((r) => !addedLater(r)),
      indexes: inSnapshot(fresh.indexes),
      keys: inSnapshot(fresh.keys)
    }).toEqual(oldOnly)
  })

  it("then runs a job source into it", async () => {
    const db = join(tempDir(), "old.duckdb")
    await open(db, before.migrations, oldWarehouse())
    const { summary } = await open(db, migrations, run({ dag: ghDag() }))
    expect(summary.nodes.map((n) => [n.node, n.status])).toEqual([["gh", "success"]])
    const staged = await open(
      db,
      migrations,
      q<{ n: number }>("select count(*)::int as n from stg_jobs where run_id = $1", [summary.runId])
    )
    expect(staged[0].n).toBe(summary.nodes[0].rowsOut)
    expect(summary.nodes[0].rowsOut).toBeGreaterThan(0)
  })

  it("gets a column declared later from its derived migration, and the node stages it", async () => {
    const db = join(tempDir(), "old.duckdb")
    await open(db, before.migrations, oldWarehouse())
    const withColumn = orderMigrations(withTableMigrations(migrations, [widenedTable]))
    expect(withColumn.at(-1)).toEqual({
      id: "0999_test_stg_jobs_seniority",
      sql: `alter table "stg_jobs" add column if not exists "seniority" VARCHAR`
    })
    const { summary } = await open(db, withColumn, run({ dag: ghDag("test_greenhouse_seniority") }))
    expect(summary.nodes.map((n) => [n.node, n.status])).toEqual([["gh", "success"]])
    const rows = await open(
      db,
      withColumn,
      q<{ seniority: string | null; n: number }>(
        "select seniority, count(*)::int as n from stg_jobs group by seniority order by seniority nulls first"
      )
    )
    expect(rows).toEqual([
      { seniority: null, n: 1 },
      { seniority: "senior", n: summary.nodes[0].rowsOut }
    ])
    // A new warehouse gets the same column through the same migration.
    const fresh = await open(
      join(tempDir(), "new.duckdb"),
      withColumn,
      q<{ data_type: string }>(
        "select data_type from information_schema.columns where table_name = 'stg_jobs' and column_name = 'seniority'"
      )
    )
    expect(fresh).toEqual([{ data_type: "VARCHAR" }])
  })
})
