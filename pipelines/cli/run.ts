import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { consoleEvents, formatTable } from "../console.ts"
import type { Events } from "../events.ts"
import { runDag, type RunRequest, type RunSummary } from "../runner.ts"
import { withKillPoints } from "../../core/killpoints.ts"
import { backfillDryRun } from "./backfill-dry-run.ts"
import { runDryRun } from "./run-dry-run.ts"
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
    yield* print(`\nrun ${s.runId}: ${s.status} in ${(s.ms / 1000).toFixed(1)} s — warehouse ${db}`)
  })

/** Runs a request and maps its outcome to the exit code: 0 only when every node succeeded. */
export const execute = (
  db: string,
  logFormat: "text" | "json",
  build: (events: Events) => Effect.Effect<RunRequest, unknown>
) =>
  Effect.gen(function* () {
    const events = withKillPoints(consoleEvents(logFormat))
    const req = yield* build(events)
    const summary = yield* runDag(req)
    yield* printSummary(summary, db)
    if (summary.status !== "success" && summary.status !== "planned") yield* fail(1)
    return summary
  }).pipe(
    Effect.provide(runtimeLayer(db)),
    Effect.catchAll((e) =>
      printErr(`error: ${(e as { message?: string }).message ?? String(e)}`).pipe(Effect.zipRight(fail(2)))
    )
  )

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
    (dryRun ? runDryRun : (db: string, build: Parameters<typeof execute>[2]) => execute(db, logFormat, build))(
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
).pipe(Command.withDescription("Run the DAG once. Exit code 0 only if every node succeeded."))

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
    (dryRun ? backfillDryRun : (db: string, build: Parameters<typeof execute>[2]) => execute(db, logFormat, build))(
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
