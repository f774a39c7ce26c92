import { Command, Options } from "@effect/cli"
import { Effect, Layer, Stream } from "effect"
import type { Tasks } from "../serve/tasks.ts"
import { parseDuration } from "../../core/spec.ts"
import { consoleEvents } from "../console.ts"
import { makeScheduler, type Scheduler } from "../schedule/scheduler.ts"
import { nextFires, triggersOf } from "../schedule/triggers.ts"
import { liveUp, publishUp } from "../../sinks/up-file.ts"
import { besideUp } from "./up-client.ts"
import { dashboardOptions, replayOverrides, startDashboard } from "./dashboard.ts"
import { loadDagEffect } from "./load-dag.ts"
import { runtimeLayer } from "./runtime.ts"
import { dagOption, dbOption, fail, logFormatOption, printErr } from "./shared.ts"

const stamp = () => new Date().toISOString().slice(11, 19)

/** The three triggers that fire first, "search 09:00Z, rss 12:00Z, …": the whole list is `schedule --list`. */
const soonest = (triggers: ReturnType<typeof triggersOf>, tz: string | undefined) =>
  triggers
    .map((t) => ({ name: t.name, at: nextFires(t.cron, 1, tz)[0] }))
    .filter((t) => t.at !== undefined)
    .sort((a, b) => a.at!.getTime() - b.at!.getTime())
    .slice(0, 3)
    .map((t) => `${t.name} at ${t.at!.toISOString().slice(0, 16).replace("T", " ")}Z`)
    .join(", ")

/** Waits up to `graceMs` for the running tasks (runs, per-job layers), then cancels those still going. */
const drainTasks = (tasks: Tasks, graceMs: number, log: (line: string) => void) =>
  Effect.gen(function* () {
    const running = () => tasks.list().filter((t) => t.status === "running")
    if (running().length === 0) return
    log(
      `waiting up to ${Math.round(graceMs / 1000)} s for ${running()
        .map((t) => t.title)
        .join(", ")} to finish`
    )
    // Finalizers run uninterruptibly: without `interruptible` the timeout could not cut the wait short.
    yield* Effect.forEach(running(), (t) => Stream.runDrain(tasks.events(t.id) ?? Stream.empty), {
      concurrency: "unbounded",
      discard: true
    }).pipe(Effect.interruptible, Effect.timeout(graceMs), Effect.ignore)
    for (const t of running()) {
      log(`interrupting ${t.title}: the ledger marks it interrupted; --resume picks it up`)
      yield* tasks.cancel(t.id)
    }
  })

export const upCommand = Command.make(
  "up",
  {
    ...dashboardOptions("Scheduled and dashboard runs"),
    grace: Options.text("grace").pipe(
      Options.withDefault("30s"),
      Options.withDescription("On SIGINT/SIGTERM, how long running runs may finish before they are interrupted")
    ),
    dag: dagOption,
    db: dbOption,
    logFormat: logFormatOption
  },
  ({ port, host, replay, grace, dag, db, logFormat }) =>
    Effect.gen(function* () {
      const graceMs = parseDuration(grace)
      if (graceMs === undefined)
        return yield* Effect.fail(new Error(`--grace takes a duration like 30s or 2m, got ${JSON.stringify(grace)}`))
      const other = liveUp(db)
      if (other)
        return yield* Effect.fail(
          besideUp(other, db, "jobsignal up", `is already up: open ${other.url}/, or stop it (pid ${other.pid}) first`)
        )
      const d = yield* loadDagEffect(dag)
      const sourceOverrides = replay ? yield* replayOverrides(d) : undefined
      // One warehouse for the dashboard, the API, the CLI's queries and the scheduled runs: this process is its writer.
      const services = yield* Layer.build(runtimeLayer(db))
      // "Run now" on the Schedules page (and `schedule --fire` through up) fires in the scheduler made below.
      let scheduler: Scheduler | undefined
      const s = yield* startDashboard({
        port,
        host,
        dag: d,
        sourceOverrides,
        scheduling: true,
        fire: (name, fo) =>
          scheduler
            ? scheduler.fire(name, new Date(), "by hand", fo)
            : Promise.resolve({ status: "skipped", reason: "jobsignal up is still starting" })
      }).pipe(Effect.provide(services))
      const log = (line: string) =>
        void process.stderr.write(
          logFormat === "json"
            ? `${JSON.stringify({ at: new Date().toISOString(), type: "up", message: line })}\n`
            : `${stamp()} up: ${line}\n`
        )
      const triggers = triggersOf(d)
      const tz = d.spec.schedule?.timezone
      scheduler = makeScheduler({
        dag: d,
        db,
        layer: Layer.succeedContext(services),
        events: consoleEvents(logFormat),
        log,
        sourceOverrides,
        watch: s.watchRuns
      })
      // Stopping: scheduled runs and the tasks the dashboard or the CLI started share one grace period, then are
      // interrupted (the ledger says interrupted; `jobsignal run --resume RUN_ID` continues them).
      yield* Effect.acquireRelease(
        Effect.promise(() => scheduler.start()),
        () =>
          Effect.all([Effect.promise(() => scheduler.stop(graceMs)), drainTasks(s.tasks, graceMs, log)], {
            concurrency: "unbounded",
            discard: true
          }).pipe(Effect.tap(() => log("stopped; warehouse closed")))
      )
      yield* publishUp(db, { pid: process.pid, url: s.url, requestToken: s.requestToken })
      log(
        `dashboard and API on ${s.url}/ — warehouse ${db}${replay ? ", runs replay fixtures/" : ""}${s.token ? "; API needs the token" : ""}`
      )
      log(
        triggers.length === 0
          ? `${d.path}: no node has a schedule; nothing fires (runs start from the dashboard or \`jobsignal run\`)`
          : `${triggers.length} schedule(s); next: ${soonest(triggers, tz)} (jobsignal schedule --list shows them all)`
      )
      log(
        `jobsignal sql, runs, run and backfill (--dry-run too), schedule --list/--pause/--resume/--fire, targets check, eval, report, job, jobs, leads, quarantine and today on ${db} now ask this process. Ctrl-C stops it.`
      )
      return yield* Effect.never
    }).pipe(
      Effect.scoped,
      Effect.catchAll((e) =>
        printErr(`error: ${(e as { message?: string }).message ?? String(e)}`).pipe(Effect.zipRight(fail(2)))
      )
    )
).pipe(
  Command.withDescription(
    "Run the scheduler, the dashboard and its API in one process that owns the warehouse; the CLI's queries go through it."
  )
)
