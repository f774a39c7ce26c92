/** A schema change, as sinks/migrations.ts defines it (not imported: migrations.ts embeds tables declared with this). */
type Migration = { readonly id: string; readonly sql: string }

/**
 * A column: its DuckDB type (`"VARCHAR"`, `"TIMESTAMPTZ NOT NULL"`, `"VARCHAR[]"`), or that and the id of the
 * migration that added it to a table that already existed. Columns without `since` came with the table.
 */
export type ColumnDecl = string | { readonly type: string; readonly since: string }

/**
 * One warehouse table, declared once: its creation DDL, the migrations that add its later columns, the column
 * list a writer inserts and the check that a warehouse's table holds them are all derived from this.
 */
export interface Table<C extends Readonly<Record<string, ColumnDecl>> = Readonly<Record<string, ColumnDecl>>> {
  readonly name: string
  /** Id of the migration that creates the table (its own, or a shared one such as 0001_core that embeds `createTableSql`). */
  readonly createdBy: string
  readonly columns: C
  readonly primaryKey?: ReadonlyArray<string>
  /** Index name → columns. Created with the table. */
  readonly indexes?: Readonly<Record<string, ReadonlyArray<string>>>
}

/** Keeps the column names' literal types, so a `toRow` can be checked against them. */
export const table = <const C extends Readonly<Record<string, ColumnDecl>>>(t: Table<C>): Table<C> => t

const typeOf = (c: ColumnDecl) => (typeof c === "string" ? c : c.type)
const sinceOf = (c: ColumnDecl) => (typeof c === "string" ? undefined : c.since)
const q = (name: string) => `"${name}"`

export const columnNames = (t: Table): string[] => Object.keys(t.columns)

/**
 * The table as its creating migration makes it: the columns without `since`, its primary key and indexes.
 * `if not exists` because some tables were made by source nodes at start before a migration created them.
 */
export const createTableSql = (t: Table): string => {
  for (const c of [...(t.primaryKey ?? []), ...Object.values(t.indexes ?? {}).flat()])
    if (!(c in t.columns))
      throw new Error(`table ${t.name}: its key or an index names column ${c}, which it does not declare`)
  const cols = Object.entries(t.columns)
    .filter(([, c]) => sinceOf(c) === undefined)
    .map(([n, c]) => `${q(n)} ${typeOf(c)}`)
  if (t.primaryKey?.length) cols.push(`primary key (${t.primaryKey.map(q).join(", ")})`)
  const indexes = Object.entries(t.indexes ?? {}).map(
    ([name, on]) => `create index if not exists ${q(name)} on ${q(t.name)} (${on.map(q).join(", ")})`
  )
  return [`create table if not exists ${q(t.name)} (${cols.join(", ")})`, ...indexes].join(";\n")
}

/** One migration per `since` id, adding that id's columns, in id order. Append-only: a new column is a new id. */
export const addedColumnMigrations = (t: Table): Migration[] => {
  const byId = new Map<string, string[]>()
  for (const [n, c] of Object.entries(t.columns)) {
    const since = sinceOf(c)
    if (since === undefined) continue
    if (since <= t.createdBy)
      throw new Error(
        `table ${t.name}: column ${n} is added by migration ${since}, which does not sort after ${t.createdBy} that creates the table`
      )
    byId.set(since, [
      ...(byId.get(since) ?? []),
      `alter table ${q(t.name)} add column if not exists ${q(n)} ${typeOf(c)}`
    ])
  }
  return [...byId].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, stmts]) => ({ id, sql: stmts.join(";\n") }))
}

/** The columns of `t` a warehouse table with columns `have` lacks. */
export const missingColumns = (t: Table, have: Iterable<string>): string[] => {
  const names = new Set(have)
  return columnNames(t).filter((c) => !names.has(c))
}

/**
 * `list` plus the migrations derived from `tables`: each table's creation (unless `list` holds its `createdBy`
 * migration, which must then embed `createTableSql`) and its added columns. Tables are taken once by name;
 * two different declarations under one name throw, and so does a migration id two tables both claim.
 */
export const withTableMigrations = (list: ReadonlyArray<Migration>, tables: ReadonlyArray<Table>): Migration[] => {
  const byName = new Map<string, Table>()
  for (const t of tables) {
    const seen = byName.get(t.name)
    if (seen !== undefined && seen !== t && JSON.stringify(seen) !== JSON.stringify(t))
      throw new Error(`table ${t.name} is declared twice, differently`)
    byName.set(t.name, t)
  }
  const out = [...list]
  for (const t of byName.values()) {
    const shared = list.find((m) => m.id === t.createdBy)
    if (shared !== undefined && !shared.sql.includes(createTableSql(t)))
      throw new Error(
        `table ${t.name}: migration ${t.createdBy} is named as creating it but does not embed createTableSql(${t.name})`
      )
    if (shared === undefined) out.push({ id: t.createdBy, sql: createTableSql(t) })
    out.push(...addedColumnMigrations(t))
  }
  return out
}

/** What the source node adds to every staged row: the run, node and unit it came from, its key, when. */
export const stagingEngineColumns = {
  run_id: "VARCHAR NOT NULL",
  node: "VARCHAR NOT NULL",
  unit: "VARCHAR",
  record_key: "VARCHAR NOT NULL",
  fetched_at: "TIMESTAMPTZ NOT NULL"
} as const

export type StagingEngineColumn = keyof typeof stagingEngineColumns

/** A staging table: the engine's columns first, then the record's. */
export const stagingTable = <const C extends Readonly<Record<string, ColumnDecl>>>(
  t: Table<C>
): Table<typeof stagingEngineColumns & C> => ({ ...t, columns: { ...stagingEngineColumns, ...t.columns } })

/** A row of `t`: every column, nothing else. */
export type TableRow<T extends Table> = { readonly [K in keyof T["columns"]]: unknown }

/** A staged row as a connector's `toRow` gives it: every record column of the table, nothing else. */
export type RecordRow<T extends Table> = { readonly [K in Exclude<keyof T["columns"], StagingEngineColumn>]: unknown }
