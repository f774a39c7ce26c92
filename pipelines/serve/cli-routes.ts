/**
 * What the CLI asks of the `jobsignal up` that owns the warehouse (it finds it through <db>.up.json): runs, backfills
 * and per-job layers run here as tasks, so the CLI follows them on /api/tasks/:id/events and cancels them on Ctrl-C;
 * the report's data and a quarantine replay are one request each. Each names the DAG file the CLI was given, read
 * again here as a local run reads it.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Schema } from "effect"
import { Fatal } from "../../core/errors.ts"
import { backfillDryRunReport, runDryRunReport } from "../../app/dry-run-report.ts"
import { checkAndRecord, progressLine } from "../../app/board-check.ts"
import { runEval } from "../../app/eval-run.ts"
import { Target } from "../../targets/universe.ts"
import { replayQuarantine } from "../../sinks/mongo/replay.ts"
import { allSkippedReason, JOB_OPS, runJobOps } from "../../transforms/intel/ops.ts"
import { TierChoice } from "../../transforms/llm/index.ts"
import { DagInvalid, loadDag, type LoadedDag } from "../load.ts"
import { readReport } from "../report/data.ts"
import { Warehouse } from "../../sinks/warehouse.ts"
import type { RunEvent } from "../events.ts"
import { runDag, selectNodes } from "../runner.ts"
import { acquireNodeLocks, describeHolder } from "../schedule/lock.ts"
import type { Emit, Tasks } from "./tasks.ts"

const Day = Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/))

const RunBody = Schema.Struct({
  dag: Schema.String,
  only: Schema.optional(Schema.Array(Schema.String)),
  resume: Schema.optional(Schema.String),
  backfill: Schema.optional(Schema.Struct({ node: Schema.String, since: Day, until: Schema.optional(Day) })),
  asOf: Schema.optional(Day)
})

/** The same, for a dry run: without `dag`, this server's own (what the Runs page would start). */
const DryRunBody = Schema.Struct({ ...RunBody.fields, dag: Schema.optional(Schema.String) })

const JobBody = Schema.Struct({
  dag: Schema.String,
  jobId: Schema.String,
  ops: Schema.Array(Schema.Literal(...JOB_OPS)).pipe(Schema.minItems(1)),
  tier: TierChoice,
  runId: Schema.optional(Schema.String)
})

const ReportBody = Schema.Struct({
  since: Day,
  budget: Schema.Struct({ perRunUsd: Schema.optional(Schema.Number), perWeekUsd: Schema.optional(Schema.Number) })
})

const ReplayBody = Schema.Struct({
  dag: Schema.String,
  rule: Schema.optional(Schema.String),
  node: Schema.optional(Schema.String)
})

/** `jobsignal targets check`'s boards, already read and filtered by the CLI from the file it was given. */
const TargetsCheckBody = Schema.Struct({
  targets: Schema.Array(Target),
  baseUrls: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  concurrency: Schema.optional(Schema.Int.pipe(Schema.positive())),
  perHost: Schema.optional(Schema.Int.pipe(Schema.positive())),
  freshHours: Schema.Int.pipe(Schema.nonNegative())
})

const EvalBody = Schema.Struct({
  dag: Schema.String,
  what: Schema.Literal("relevance", "fit"),
  tier: Schema.optional(TierChoice)
})

/** A refusal the CLI prints as it is (a bad body, a run already going). */
const refused = (status: number, error: string) => HttpServerResponse.json({ error }, { status }).pipe(Effect.orDie)

const decode = <A, I>(schema: Schema.Schema<A, I>) =>
  HttpServerRequest.schemaBodyJson(schema).pipe(Effect.mapError((e) => ({ refusal: `bad request body: ${e.message}` })))

const dagAt = (path: string, kinds: LoadedDag["kinds"]) =>
  Effect.try({
    try: () => loadDag(path, kinds),
    catch: (e) =>
      e instanceof Fatal ? e : new Fatal({ reason: "Config", message: e instanceof DagInvalid ? e.message : String(e) })
  })

/** The error's own message as an event, so the CLI prints what a local run prints ("error: …"), not a tagged copy. */
const reportingErrors = <A, E, R>(emit: Emit, body: Effect.Effect<A, E, R>) =>
  body.pipe(
    Effect.tapError((e) =>
      Effect.sync(() => emit({ type: "error", message: (e as { message?: string }).message ?? String(e) }))
    )
  )

const answer = <E, R>(handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  handler.pipe(
    Effect.catchAll((e) => {
      const r = e as { refusal?: string; message?: string }
      return r.refusal !== undefined ? refused(400, r.refusal) : refused(400, r.message ?? String(e))
    })
  )

export const cliRoutes = (o: { readonly dag: LoadedDag; readonly tasks: Tasks }) =>
  HttpRouter.empty.pipe(
    HttpRouter.post(
      "/api/cli/run",
      answer(
        Effect.gen(function* () {
          const b = yield* decode(RunBody)
          // One run at a time, the dashboard's included: the CLI's waits rather than interleaving.
          const active = o.tasks.running("run")
          if (active)
            return yield* refused(409, `${active.title} (task ${active.id}) is still going; wait for it or cancel it`)
          const title = b.backfill
            ? `jobsignal backfill ${b.backfill.node} --since ${b.backfill.since}`
            : `jobsignal run${b.resume ? ` --resume ${b.resume}` : b.only ? ` --only ${b.only.join(",")}` : ""}`
          const info = yield* o.tasks.start("run", title, (emit) =>
            reportingErrors(
              emit,
              Effect.gen(function* () {
                const dag = yield* dagAt(b.dag, o.dag.kinds)
                const req = {
                  dag,
                  only: b.only,
                  resume: b.resume,
                  backfill: b.backfill,
                  ...(b.asOf ? { asOf: b.asOf } : {}),
                  events: { emit: (e: RunEvent) => emit(e) }
                }
                // The scheduler's node locks: a scheduled run of the same nodes in this process waits its turn.
                const { selected } = yield* selectNodes(req)
                const lock = acquireNodeLocks((yield* Warehouse).path, [...selected], title)
                if (!lock.ok)
                  return yield* new Fatal({
                    reason: "Config",
                    message: `${describeHolder(lock.heldBy)}; try again after it`
                  })
                const s = yield* runDag(req).pipe(Effect.ensuring(Effect.sync(lock.release)))
                return { ...s, ...(s.reason ? { skipped: s.reason } : {}) }
              })
            )
          )
          return yield* HttpServerResponse.json(info, { status: 202 })
        })
      )
    ),
    // The dry run's report as text, from this warehouse and this process's keys (those the run would have). The
    // command's own failure (no such node) answers 200 with `error`, so the CLI prints it as it does without up.
    HttpRouter.post(
      "/api/cli/dry-run",
      answer(
        Effect.gen(function* () {
          const b = yield* decode(DryRunBody)
          const report = Effect.gen(function* () {
            // The Runs page asks about this server's own DAG; the CLI names its file.
            const dag = b.dag === undefined ? o.dag : yield* dagAt(b.dag, o.dag.kinds)
            const req = {
              dag,
              only: b.only,
              resume: b.resume,
              backfill: b.backfill,
              ...(b.asOf ? { asOf: b.asOf } : {})
            }
            return yield* b.backfill ? backfillDryRunReport(req) : runDryRunReport(req)
          })
          return yield* HttpServerResponse.json(
            yield* report.pipe(
              Effect.map((text) => ({ text })),
              Effect.catchAll((e) => Effect.succeed({ error: (e as { message?: string }).message ?? String(e) }))
            )
          )
        })
      )
    ),
    HttpRouter.post(
      "/api/cli/job",
      answer(
        Effect.gen(function* () {
          const b = yield* decode(JobBody)
          const info = yield* o.tasks.start("ops", `jobsignal job ${b.jobId} --ops ${b.ops.join(",")}`, (emit) =>
            reportingErrors(
              emit,
              Effect.gen(function* () {
                const dag = yield* dagAt(b.dag, o.dag.kinds)
                const skips: string[] = []
                const out = yield* Effect.scoped(
                  runJobOps(b.jobId, b.ops, {
                    tier: b.tier,
                    dag,
                    runId: b.runId,
                    onProgress: (p) => {
                      if (p.status === "skipped" && p.message) skips.push(p.message)
                      emit({ type: "progress", ...p })
                    }
                  })
                )
                // The dashboard's task list shows it `skipped` with the reason; the CLI prints `out` as it is.
                const skipped = allSkippedReason([out.results], skips)
                return skipped ? { ...out, skipped } : out
              })
            )
          )
          return yield* HttpServerResponse.json(info, { status: 202 })
        })
      )
    ),
    HttpRouter.post(
      "/api/cli/targets-check",
      answer(
        Effect.gen(function* () {
          const b = yield* decode(TargetsCheckBody)
          const info = yield* o.tasks.start("check", `jobsignal targets check (${b.targets.length} boards)`, (emit) =>
            checkAndRecord(
              {
                targets: b.targets,
                baseUrls: b.baseUrls,
                concurrency: b.concurrency,
                perHost: b.perHost,
                onResult: (r, done, total) => emit({ type: "board", line: progressLine(r, done, total) })
              },
              b.freshHours
            )
          )
          return yield* HttpServerResponse.json(info, { status: 202 })
        })
      )
    ),
    HttpRouter.post(
      "/api/cli/eval",
      answer(
        Effect.gen(function* () {
          const b = yield* decode(EvalBody)
          const info = yield* o.tasks.start("eval", `jobsignal eval ${b.what}`, (emit) =>
            reportingErrors(
              emit,
              Effect.flatMap(dagAt(b.dag, o.dag.kinds), (dag) =>
                runEval(dag, { what: b.what, tier: b.tier }, (line) => emit({ type: "say", line }))
              )
            )
          )
          return yield* HttpServerResponse.json(info, { status: 202 })
        })
      )
    ),
    HttpRouter.post(
      "/api/cli/report",
      answer(
        Effect.gen(function* () {
          const b = yield* decode(ReportBody)
          return yield* HttpServerResponse.json(yield* readReport(b.since, b.budget))
        })
      )
    ),
    HttpRouter.post(
      "/api/cli/quarantine/replay",
      answer(
        Effect.gen(function* () {
          const b = yield* decode(ReplayBody)
          const dag = yield* dagAt(b.dag, o.dag.kinds)
          return yield* HttpServerResponse.json(
            yield* Effect.scoped(replayQuarantine({ dag, rule: b.rule, node: b.node }))
          )
        })
      )
    )
  )
