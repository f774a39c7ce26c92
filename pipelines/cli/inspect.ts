import { Args, Command, Options } from "@effect/cli"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { Warehouse } from "../../sinks/warehouse.ts"
import { formatTable, toCsv } from "../console.ts"
import { recentRuns } from "../ledger.ts"
import { validateDagText } from "../load.ts"
import { enabledNodes, levels } from "../plan.ts"
import { roleOf } from "../spec.ts"
import { dagOption, dbOption, fail, loadDagEffect, print, printErr } from "./shared.ts"
import { kinds, migrations } from "../../app/index.ts"

export const validateCommand = Command.make("validate", { dag: dagOption }, ({ dag }) =>
  Effect.gen(function* () {
    const text = yield* Effect.try(() => readFileSync(dag, "utf8")).pipe(Effect.orElseSucceed(() => undefined))
    if (text === undefined) return yield* printErr(`${dag}: cannot read the file`).pipe(Effect.zipRight(fail(2)))
    const { problems } = validateDagText(text, dag, kinds)
    if (problems.length === 0) return yield* print(`${dag}: valid`)
    yield* printErr(`${dag}: ${problems.length} problem${problems.length === 1 ? "" : "s"}`)
    for (const p of problems) yield* printErr(`  ${dag}:${p.line ?? "?"}  ${p.path}: ${p.message}`)
    yield* fail(1)
  })
).pipe(Command.withDescription("Check a DAG file; list every problem with its YAML path and line."))

export const planCommand = Command.make("plan", { dag: dagOption }, ({ dag }) =>
  Effect.gen(function* () {
    const d = yield* loadDagEffect(dag)
    const nodes = enabledNodes(d.spec)
    const lv = levels(nodes)
    yield* print(`${d.path} (${Object.keys(nodes).length} nodes, ${lv.length} levels)\n`)
    lv.forEach((level, i) => void process.stdout.write(`level ${i + 1} (parallel): ${level.join(", ")}\n`))
    yield* print("")
    yield* print(formatTable(lv.flat().map((n) => {
      const s = nodes[n]
      const r = roleOf(s)!
      return {
        node: n,
        role: r.role,
        kind: r.kind,
        needs: (s.needs ?? []).join(", "),
        schedule: s.schedule ?? "",
        retry: s.retry ? `${s.retry.times}×` : d.spec.defaults?.retry ? `${d.spec.defaults.retry.times}× (default)` : "",
        timeout: s.timeout ?? d.spec.defaults?.timeout ?? "30m"
      }
    })))
    const b = d.spec.budgets?.llm
    if (b) yield* print(`\nLLM budget: ${b.per_run_usd !== undefined ? `$${b.per_run_usd} per run` : "no per-run cap"}, ${b.per_week_usd !== undefined ? `$${b.per_week_usd} per rolling week` : "no weekly cap"}`)
  }).pipe(Effect.catchAll((e) => printErr(e.message).pipe(Effect.zipRight(fail(2)))))
).pipe(Command.withDescription("Print the run order, the levels that run in parallel, schedules and budgets."))

const render = (rows: ReadonlyArray<Record<string, unknown>>, format: "table" | "csv" | "json") =>
  format === "json" ? JSON.stringify(rows, null, 2) : format === "csv" ? toCsv(rows) : formatTable(rows)

export const sqlCommand = Command.make(
  "sql",
  {
    query: Args.text({ name: "QUERY" }).pipe(Args.withDescription("DuckDB SQL, e.g. \"select company, count(*) from jobs group by 1\"")),
    format: Options.choice("format", ["table", "csv", "json"]).pipe(Options.withDefault("table" as const)),
    db: dbOption,
    dag: dagOption
  },
  ({ query, format, db }) =>
    Effect.gen(function* () {
      const w = yield* Warehouse
      const rows = yield* w.query(query)
      yield* print(render(rows, format))
    }).pipe(
      Effect.provide(Warehouse.layer({ path: db, migrations })),
      Effect.catchAll((e) => printErr(`error: ${e.message}`).pipe(Effect.zipRight(fail(1))))
    )
).pipe(Command.withDescription("Run DuckDB SQL on the warehouse and print the result."))

export const runsCommand = Command.make(
  "runs",
  {
    limit: Options.integer("limit").pipe(Options.withDefault(20)),
    format: Options.choice("format", ["table", "csv", "json"]).pipe(Options.withDefault("table" as const)),
    db: dbOption,
    dag: dagOption
  },
  ({ limit, format, db }) =>
    recentRuns(limit).pipe(
      Effect.flatMap((rows) => print(render(rows, format))),
      Effect.provide(Warehouse.layer({ path: db, migrations })),
      Effect.catchAll((e) => printErr(`error: ${e.message}`).pipe(Effect.zipRight(fail(1))))
    )
).pipe(Command.withDescription("List recent runs with their status and row counts."))
