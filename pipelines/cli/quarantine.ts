import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import { replayQuarantine, type ReplayReport } from "../../sinks/mongo/replay.ts"
import { liveUp } from "../../sinks/up-file.ts"
import { postToUp } from "./up-client.ts"
import { upQuery, WarehouseFileError, type Query } from "./sql.ts"
import { formatTable, toCsv } from "../console.ts"
import { dagOption, dbOption, fail, print, printErr } from "./shared.ts"
import { loadDagEffect } from "./load-dag.ts"
import { migrations } from "../../app/migrations.ts"

const format = Options.choice("format", ["table", "csv", "json"]).pipe(Options.withDefault("table" as const))
const ruleOption = Options.text("rule").pipe(
  Options.optional,
  Options.withDescription("Only rows parked by this rule (its name in dq_results)")
)
const nodeOption = Options.text("node").pipe(Options.optional, Options.withDescription("Only rows of this sink node"))

const render = (rows: ReadonlyArray<Record<string, unknown>>, f: "table" | "csv" | "json") =>
  f === "json"
    ? JSON.stringify(rows, null, 2)
    : f === "csv"
      ? toCsv(rows)
      : rows.length === 0
        ? "(none)"
        : formatTable(rows)

const onError = (e: { message: string }) => printErr(`error: ${e.message}`).pipe(Effect.zipRight(fail(1)))

/**
 * The quarantine's queries: through the `jobsignal up` that owns the warehouse while it runs, else on the file,
 * opened (and migrated) as every quarantine command opens it.
 */
const withQueries = <A>(db: string, use: (q: Query) => Effect.Effect<A, WarehouseFileError>) => {
  const up = liveUp(db)
  if (up) return use(upQuery(up, false))
  return Effect.flatMap(Warehouse, (w) =>
    use((sql, params) =>
      w.query(sql, params).pipe(Effect.mapError((e) => new WarehouseFileError({ message: e.message, sql })))
    )
  ).pipe(Effect.provide(Warehouse.layer({ path: db, migrations })))
}

const listCommand = Command.make(
  "list",
  {
    status: Options.choice("status", ["parked", "replayed", "superseded", "all"]).pipe(
      Options.withDefault("parked" as const)
    ),
    rule: ruleOption,
    node: nodeOption,
    limit: Options.integer("limit").pipe(Options.withDefault(50)),
    format,
    db: dbOption
  },
  ({ status, rule, node, limit, format, db }) =>
    withQueries(db, (query) =>
      Effect.gen(function* () {
        const params: unknown[] = []
        const where: string[] = []
        if (status !== "all") {
          params.push(status)
          where.push(`status = $${params.length}`)
        }
        if (Option.isSome(rule)) {
          params.push(rule.value)
          where.push(`rule = $${params.length}`)
        }
        if (Option.isSome(node)) {
          params.push(node.value)
          where.push(`node = $${params.length}`)
        }
        const rows = yield* query(
          `select quarantine_id as id, node, coalesce(collection, 'level-2') as collection, rule, record_key,
                coalesce(record->>'title', record->>'name', '') as title, left(reason, 80) as reason,
                strftime(parked_at, '%Y-%m-%d %H:%M') as parked, status, run_id
         from quarantine ${where.length ? `where ${where.join(" and ")}` : ""} order by parked_at desc limit ${Math.max(1, limit)}`,
          params
        )
        yield* print(render(rows, format))
      })
    ).pipe(Effect.catchAll(onError))
).pipe(Command.withDescription("List quarantined rows (parked by default): rule, reason, record, run."))

const showCommand = Command.make("show", { id: Args.text({ name: "ID" }), db: dbOption }, ({ id, db }) =>
  withQueries(db, (query) =>
    Effect.gen(function* () {
      const [row] = yield* query("select * from quarantine where quarantine_id = $1", [id])
      if (!row)
        return yield* printErr(`no quarantined row ${id} (see: jobsignal quarantine list --status all)`).pipe(
          Effect.zipRight(fail(1))
        )
      const { record, reason, ...meta } = row
      yield* print(formatTable(Object.entries(meta).map(([field, value]) => ({ field, value: value ?? "" }))))
      yield* print(`\nreason: ${String(reason)}`)
      yield* print(`\nrecord:\n${JSON.stringify(JSON.parse(String(record)), null, 2)}`)
    })
  ).pipe(Effect.catchAll(onError))
).pipe(Command.withDescription("Show one quarantined row with its full record."))

const replayCommand = Command.make(
  "replay",
  { rule: ruleOption, node: nodeOption, dag: dagOption, db: dbOption },
  ({ rule, node, dag, db }) =>
    Effect.gen(function* () {
      const d = yield* loadDagEffect(dag)
      const args = { rule: Option.getOrUndefined(rule), node: Option.getOrUndefined(node) }
      // While `jobsignal up` owns the warehouse the replay writes in that process.
      const up = liveUp(db)
      const r = up
        ? yield* Effect.tryPromise({
            try: () => postToUp<ReplayReport>(up, "/api/cli/quarantine/replay", { dag: d.path, ...args }),
            catch: (e) => e as Error
          })
        : yield* Effect.scoped(replayQuarantine({ dag: d, ...args })).pipe(
            Effect.provide(Warehouse.layer({ path: db, migrations }))
          )
      for (const p of r.problems) yield* printErr(p)
      yield* print(
        `replay ${r.runId}: ${r.checked} parked rows checked against the current rules; ${r.released} passed and were queued` +
          (r.destination ? `, ${r.delivered} delivered to ${r.destination}` : "") +
          `; ${r.stillParked} still parked (jobsignal quarantine list)`
      )
    }).pipe(Effect.catchAll(onError))
).pipe(Command.withDescription("Check parked rows again against the rules in dag.yaml now; write those that pass."))

export const quarantineCommand = Command.make("quarantine").pipe(
  Command.withDescription("Rows the data-quality gates parked: list, show, replay after a rule or data fix."),
  Command.withSubcommands([listCommand, showCommand, replayCommand])
)
