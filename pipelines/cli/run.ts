import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { consoleEvents, formatTable } from "../console.ts"
import type { Events, RunEvent } from "../events.ts"
import { liveUp, type UpInfo } from "../../sinks/up-file.ts"
import { taskInUp } from "./up-client.ts"
import { runDag, type RunRequest, type RunSummary } from "../runner.ts"
import { withKillPoints } from "../../core/killpoints.ts"
import { dryRun as dryRunReport } from "./dry-run.ts"
import {
  asOfDay,
  asOfOption,
  dagOption,
  dbOption,
  fail,
  logFormatOption,
  optionalList,
  print,
  printErr
} from "./shared.ts"
import { loadDagEffect } from "./load-dag.ts"
import { runtimeLayer } from "./runtime.ts"

export const printSummary = (s: RunSummary, db: string) =>
  Effect.gen(function* () {
    yield* print(
      formatTable(
        s.nodes.map((n) => ({
          node: n.node,
          kind: n.kind,
          status: n.status,
          rows_in: n.rowsIn,
          rows_out: n.rowsOut,
          seconds: (n.ms / 1000).toFixed(2),
          error: n.error ?? ""
        }))
      )
    )
    yield* print(
      `\nrun ${s.runId}: ${s.status}${s.reason ? ` — ${s.reason};` : ""} in ${(s.ms / 1000).toFixed(1)} s — warehouse ${db}`
    )
  })

/** The exit code of a finished run: 0 when every node succeeded or skipped itself (no provider key), else 1. */
const exitFor = (summary: RunSummary) =>
  summary.status === "success" || summary.status === "planned" || summary.status === "skipped" ? Effect.void : fail(1)

const printError = (e: unknown) =>
  printErr(`error: ${(e as { message?: string }).message ?? String(e)}`).pipe(Effect.zipRight(fail(2)))

/**
 * Runs a request and maps its outcome to the exit code. While `jobsignal up` owns the warehouse the run executes in
 * that process (runInUp); here it opens the file itself.
 */
export const execute = (
  db: string,
  logFormat: "text" | "json",
  build: (events: Events) => Effect.Effect<RunRequest, unknown>
) => {
  const up = liveUp(db)
  if (up) return runInUp(up, db, logFormat, build).pipe(Effect.catchAll(printError))
  return Effect.gen(function* () {
    const events = withKillPoints(consoleEvents(logFormat))
    const req = yield* build(events)
    const summary = yield* runDag(req)
    yield* printSummary(summary, db)
    yield* exitFor(summary)
    return summary
  }).pipe(Effect.provide(runtimeLayer(db)), Effect.catchAll(printError))
}

/**
 * The run as a task of the `jobsignal up` that owns the warehouse: its events are printed here as they come, then
 * the same summary and exit code as a local run. Ctrl-C cancels it in up (the ledger says interrupted).
 */
const runInUp = (
  up: UpInfo,
  db: string,
  logFormat: "text" | "json",
  build: (events: Events) => Effect.Effect<RunRequest, unknown>
) =>
  Effect.gen(function* () {
    const req = yield* build(consoleEvents(logFormat))
    yield* followRunInUp(up, db, logFormat, "/api/cli/run", {
      dag: req.dag.path,
      only: req.only,
      resume: req.resume,
      backfill: req.backfill,
      asOf: req.asOf
    })
  })

/**
 * Starts a run task in up (POST `path`: a run, or a schedule fired by hand) and follows it as `runInUp` does. A task
 * that ended without a run (a schedule whose nodes another run holds) prints why and exits 1.
 */
export const followRunInUp = (up: UpInfo, db: string, logFormat: "text" | "json", path: string, body: unknown) =>
  Effect.gen(function* () {
    const events = consoleEvents(logFormat)
    let runId: string | undefined
    const end = yield* taskInUp(up, path, body, (e) => {
      if (!RUN_EVENTS.has(e.type)) return
      const { seq: _seq, at: _at, ...event } = e
      if (e.type === "run_started") runId = String(e.runId)
      events.emit(event as unknown as RunEvent)
    })
    if (end.status === "failed") return yield* Effect.fail(new Error(end.error ?? "the run failed in jobsignal up"))
    if (end.status === "cancelled") {
      yield* printErr(
        `run ${runId ?? "(not started)"} was interrupted in jobsignal up (pid ${up.pid})${runId ? `; jobsignal run --resume ${runId} continues it` : ""}`
      )
      return yield* fail(1)
    }
    const summary = end.result as RunSummary | undefined
    if (!summary?.runId) {
      yield* printErr(`no run: ${end.reason ?? "jobsignal up started none"}`)
      return yield* fail(1)
    }
    yield* printSummary(summary, db)
    yield* exitFor(summary)
  })

const RUN_EVENTS = new Set<string>([
  "run_started",
  "node_started",
  "node_progress",
  "node_retry",
  "node_finished",
  "warning",
  "info",
  "run_finished"
])

export const runCommand = Command.make(
  "run",
  {
    dag: dagOption,
    db: dbOption,
    logFormat: logFormatOption,
    only: Options.text("only").pipe(
      Options.optional,
      Options.withDescription(
        "Run only these nodes (comma-separated), plus what they need that has no committed output"
      )
    ),
    resume: Options.text("resume").pipe(
      Options.optional,
      Options.withDescription("Re-run only the nodes of RUN_ID that did not succeed")
    ),
    dryRun: Options.boolean("dry-run").pipe(
      Options.withDescription("Print the nodes that would run and what they would fetch and cost; run nothing")
    ),
    asOf: asOfOption
  },
  ({ dag, db, logFormat, only, resume, dryRun, asOf }) =>
    (dryRun ? dryRunReport : (db: string, build: Parameters<typeof execute>[2]) => execute(db, logFormat, build))(
      db,
      (events) =>
        Effect.all([loadDagEffect(dag), asOfDay(asOf)]).pipe(
          Effect.map(([d, day]) => ({
            dag: d,
            only: optionalList(only),
            resume: Option.getOrUndefined(resume),
            dryRun,
            ...(Option.isSome(asOf) ? { asOf: day } : {}),
            events
          }))
        )
    )
).pipe(
  Command.withDescription(
    "Run the DAG once (inside jobsignal up when it owns the warehouse). Exit code 0 only if every node succeeded or skipped itself."
  )
)

const isoDay = /^\d{4}-\d{2}-\d{2}$/

export const backfillCommand = Command.make(
  "backfill",
  {
    node: Args.text({ name: "NODE" }).pipe(Args.withDescription("The source node to backfill")),
    since: Options.text("since").pipe(Options.withDescription("First day of the window, YYYY-MM-DD")),
    until: Options.text("until").pipe(
      Options.optional,
      Options.withDescription("Last day of the window, YYYY-MM-DD (default: today)")
    ),
    dag: dagOption,
    db: dbOption,
    logFormat: logFormatOption,
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Print what would be fetched, fetch nothing"))
  },
  ({ node, since, until, dag, db, logFormat, dryRun }) =>
    (dryRun ? dryRunReport : (db: string, build: Parameters<typeof execute>[2]) => execute(db, logFormat, build))(
      db,
      (events) =>
        Effect.gen(function* () {
          const u = Option.getOrUndefined(until)
          for (const [name, v] of [
            ["--since", since],
            ["--until", u]
          ] as const)
            if (v !== undefined && (!isoDay.test(v) || Number.isNaN(Date.parse(v))))
              return yield* Effect.fail(new Error(`${name} must be a date like 2026-01-31, got ${JSON.stringify(v)}`))
          if (u && u < since) return yield* Effect.fail(new Error(`--until ${u} is before --since ${since}`))
          const d = yield* loadDagEffect(dag)
          return { dag: d, backfill: { node, since, until: u }, dryRun, events } satisfies RunRequest
        })
    )
).pipe(
  Command.withDescription(
    "Run one source over a past window, then its downstream nodes. Its incremental cursor never moves backwards."
  )
)
