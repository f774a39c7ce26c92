import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { formatTable, toCsv } from "../console.ts"
import { dagOption, dbOption, fail, print, printErr } from "./shared.ts"
import { withWarehouseFile, type Query } from "./sql.ts"

type Rows = ReadonlyArray<Record<string, unknown>>
const render = (rows: Rows, format: "table" | "csv" | "json") =>
  format === "json" ? JSON.stringify(rows, null, 2) : format === "csv" ? toCsv(rows) : formatTable(rows)

// No row total per run: a source's rows are fetched postings, dedupe's are jobs, a sink's are
// documents written; their sum counts nothing. `runs RUN_ID` shows each node's own rows.
const listRuns = (q: Query, limit: number) =>
  q(`select r.run_id, r.mode, r.status, strftime(r.started_at, '%Y-%m-%d %H:%M:%S') as started,
            round(epoch(coalesce(r.ended_at, now()) - r.started_at), 1) as seconds,
            count(n.node)::int as nodes,
            count(n.node) filter (where n.status in ('success', 'partial'))::int as ok,
            count(n.node) filter (where n.status = 'failed')::int as failed,
            count(n.node) filter (where n.status = 'skipped')::int as skipped
     from runs r left join node_runs n using (run_id)
     group by r.run_id, r.mode, r.status, r.started_at, r.ended_at order by r.started_at desc limit ${Math.max(1, Math.floor(limit))}`)

/** One run, like dlt's `trace`: the run, each node's status, timing, rows and error, then the source errors. */
const showRun = (q: Query, runId: string, format: "table" | "csv" | "json") =>
  Effect.gen(function* () {
    const run = yield* q(
      `select run_id, mode, status, strftime(started_at, '%Y-%m-%d %H:%M:%S') as started,
              round(epoch(coalesce(ended_at, now()) - started_at), 1) as seconds, dag_path, resumed_from
       from runs where run_id = $1`,
      [runId]
    )
    if (run.length === 0) return false
    const nodes = yield* q(
      `select node, kind, status, attempts, strftime(started_at, '%H:%M:%S') as started,
              round(epoch(ended_at - started_at), 2) as seconds, rows_in, rows_out,
              coalesce(error_tag || ': ', '') || coalesce(error_message, '') as error
       from node_runs where run_id = $1 order by started_at nulls last, node`,
      [runId]
    )
    const errors = yield* q(
      `select node, unit, error_tag as tag, reason, message from source_errors where run_id = $1 order by occurred_at, node`,
      [runId]
    )
    if (format === "json") {
      yield* print(JSON.stringify({ ...run[0], nodes, source_errors: errors }, null, 2))
      return true
    }
    if (format === "csv") {
      yield* print(toCsv(nodes))
      return true
    }
    const r = run[0]
    yield* print(
      `run ${r.run_id}: ${r.status} (${r.mode}) started ${r.started}, ${r.seconds} s — ${r.dag_path ?? "?"}${r.resumed_from ? `, resumes ${r.resumed_from}` : ""}\n`
    )
    yield* print(formatTable(nodes))
    const shown = errors.slice(0, 50)
    yield* print(
      errors.length === 0
        ? "\nno source errors"
        : `\n${errors.length} source error${errors.length === 1 ? "" : "s"}${errors.length > shown.length ? ` (first ${shown.length}; --format json for all)` : ""}:`
    )
    if (shown.length) yield* print(formatTable(shown))
    return true
  })

export const runsCommand = Command.make(
  "runs",
  {
    runId: Args.text({ name: "RUN_ID" }).pipe(Args.withDescription("Show this run node by node"), Args.optional),
    limit: Options.integer("limit").pipe(
      Options.withDefault(20),
      Options.withDescription("How many runs, newest first (default 20)")
    ),
    format: Options.choice("format", ["table", "csv", "json"]).pipe(
      Options.withDefault("table" as const),
      Options.withDescription("How to print the rows (default table)")
    ),
    db: dbOption,
    dag: dagOption
  },
  ({ runId, limit, format, db }) =>
    withWarehouseFile(db, false, (q) =>
      Option.match(runId, {
        onNone: () => listRuns(q, limit).pipe(Effect.flatMap((rows) => print(render(rows, format)))),
        onSome: (id) =>
          showRun(q, id, format).pipe(
            Effect.flatMap((found) =>
              found
                ? Effect.void
                : printErr(`error: no run ${id} in ${db} (jobsignal runs lists them)`).pipe(Effect.zipRight(fail(1)))
            )
          )
      })
    ).pipe(Effect.catchAll((e) => printErr(`error: ${e.message}`).pipe(Effect.zipRight(fail(1)))))
).pipe(Command.withDescription("List recent runs, or show one run node by node with its errors."))
