import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import { liveUp, type UpInfo } from "../../sinks/up-file.ts"
import { setPaused } from "../schedule/pauses.ts"
import type { LoadedDag } from "../load.ts"
import { execute, followRunInUp } from "./run.ts"
import { upQuery } from "./sql.ts"
import { besideUp, postToUp } from "./up-client.ts"
import { consoleEvents, formatTable } from "../console.ts"
import { makeScheduler } from "../schedule/scheduler.ts"
import { nextFires, triggersOf } from "../schedule/triggers.ts"
import { parseDuration } from "../../core/spec.ts"
import { dagOption, dbOption, fail, logFormatOption, print, printErr } from "./shared.ts"
import { loadDagEffect } from "./load-dag.ts"
import { runtimeLayer } from "./runtime.ts"
import { migrations } from "../../app/migrations.ts"

/** "2026-11-23 06:00" in the schedule's timezone (the system's when none is set). */
const fmtFire = (d: Date, tz?: string) => d.toLocaleString("sv-SE", { timeZone: tz, hour12: false }).slice(0, 16)

const stamp = () => new Date().toISOString().slice(11, 19)

const LAST_FIRES = `select coalesce(s.trigger, p.trigger) as trigger, strftime(s.last_fire_at, '%Y-%m-%d %H:%M:%S%z') as last_fire_at, s.last_status,
        strftime(p.paused_at, '%Y-%m-%d %H:%M') as paused_at
 from schedule_state s full join schedule_pauses p on p.trigger = s.trigger`

type LastFire = { trigger: string; last_fire_at: string | null; last_status: string | null; paused_at: string | null }

/** Each trigger's last fire and pause, from the file or from the `jobsignal up` that owns it. */
const lastFires = (db: string, up: UpInfo | undefined): Effect.Effect<LastFire[] | undefined> => {
  const read: Effect.Effect<LastFire[], unknown> = up
    ? upQuery(up, false)(LAST_FIRES).pipe(Effect.map((rows) => rows as LastFire[]))
    : Effect.flatMap(Warehouse, (w) => w.query<LastFire>(LAST_FIRES)).pipe(
        Effect.provide(Warehouse.layer({ path: db, migrations })),
        Effect.scoped
      )
  // Busy (another process writes it, e.g. a running scheduler): the list shows no last fires.
  return read.pipe(Effect.orElseSucceed(() => undefined))
}

const triggerNamed = (d: LoadedDag, name: string) =>
  Effect.gen(function* () {
    const triggers = triggersOf(d)
    const t = triggers.find((x) => x.name === name)
    if (t) return t
    return yield* Effect.fail(
      new Error(
        `no schedule ${name} in ${d.path} (${triggers.length ? `schedules: ${triggers.map((x) => x.name).join(", ")}` : "no node has a schedule"})`
      )
    )
  })

/** `--pause NAME` / `--resume NAME`: in up when it owns the warehouse (its next fire sees it), else in the file. */
const pauseTrigger = (d: LoadedDag, db: string, name: string, paused: boolean) =>
  Effect.gen(function* () {
    yield* triggerNamed(d, name)
    const up = liveUp(db)
    const changed = up
      ? (yield* Effect.tryPromise({
          try: () =>
            postToUp<{ changed: boolean }>(
              up,
              `/api/schedules/${encodeURIComponent(name)}/${paused ? "pause" : "resume"}`,
              { confirm: true, by: "cli" },
              (b) => typeof b.changed === "boolean"
            ),
          catch: (e) => e as Error
        })).changed
      : yield* setPaused(name, paused, "cli").pipe(
          Effect.provide(Warehouse.layer({ path: db, migrations })),
          Effect.scoped
        )
    yield* print(
      paused
        ? changed
          ? `schedule ${name} paused: its fires are skipped until jobsignal schedule --resume ${name}`
          : `schedule ${name} was already paused`
        : changed
          ? `schedule ${name} resumed: it fires again from its next time`
          : `schedule ${name} was not paused`
    )
  })

/**
 * `--fire NAME`: that schedule's run now. In up it is the scheduler's run, by hand (the Schedules page's "Run now");
 * on the file it is `jobsignal run --only` the trigger's nodes. Either way the run's progress, summary and exit code.
 */
const fireTrigger = (d: LoadedDag, db: string, name: string, logFormat: "text" | "json") =>
  Effect.gen(function* () {
    const t = yield* triggerNamed(d, name)
    const up = liveUp(db)
    if (up)
      return yield* followRunInUp(up, db, logFormat, `/api/schedules/${encodeURIComponent(name)}/fire`, {
        confirm: true
      })
    return yield* execute(db, logFormat, (events) => Effect.succeed({ dag: d, only: t.only, events }))
  })

export const scheduleCommand = Command.make(
  "schedule",
  {
    dag: dagOption,
    db: dbOption,
    logFormat: logFormatOption,
    list: Options.boolean("list").pipe(Options.withDescription("Print each trigger's next fire times and exit")),
    pause: Options.text("pause").pipe(
      Options.optional,
      Options.withDescription("Pause the schedule NAME: its fires are skipped until --resume NAME")
    ),
    resume: Options.text("resume").pipe(Options.optional, Options.withDescription("Resume the paused schedule NAME")),
    fire: Options.text("fire").pipe(
      Options.optional,
      Options.withDescription("Run the schedule NAME now (in jobsignal up when it runs), and print the run")
    ),
    grace: Options.text("grace").pipe(
      Options.withDefault("30s"),
      Options.withDescription(
        "On SIGINT/SIGTERM, how long running runs may finish before they are interrupted (a second signal interrupts at once)"
      )
    )
  },
  ({ dag, db, logFormat, list, grace, pause, resume, fire }) =>
    Effect.gen(function* () {
      const d = yield* loadDagEffect(dag)
      const tz = d.spec.schedule?.timezone
      const triggers = triggersOf(d)
      if (Option.isSome(pause)) return yield* pauseTrigger(d, db, pause.value, true)
      if (Option.isSome(resume)) return yield* pauseTrigger(d, db, resume.value, false)
      if (Option.isSome(fire)) return yield* fireTrigger(d, db, fire.value, logFormat)
      const up = liveUp(db)
      if (list) {
        if (triggers.length === 0) return yield* print(`${d.path}: no node has a schedule`)
        const last = yield* lastFires(db, up)
        yield* print(
          formatTable(
            triggers.map((t) => {
              const l = last?.find((r) => r.trigger === t.name)
              return {
                trigger: t.name,
                cron: t.cron,
                runs: t.only.join(", "),
                next: nextFires(t.cron, 3, tz)
                  .map((x) => fmtFire(x, tz))
                  .join(", "),
                last:
                  last === undefined
                    ? "(warehouse busy)"
                    : l?.last_fire_at
                      ? `${l.last_fire_at} ${l.last_status ?? ""}`
                      : "",
                paused: l?.paused_at ? `paused since ${l.paused_at}` : ""
              }
            })
          )
        )
        return yield* print(
          `\ntimezone ${tz ?? "(system)"}, overlap ${d.spec.schedule?.overlap ?? "skip"}, catch_up ${d.spec.schedule?.catch_up ?? "none"}`
        )
      }
      // Two schedulers of one warehouse would fire every trigger twice: up already is this one.
      if (up)
        return yield* Effect.fail(
          besideUp(
            up,
            db,
            "jobsignal schedule",
            "already fires its schedules; see them with jobsignal schedule --list or on its Schedules page, or stop it first"
          )
        )
      const graceMs = parseDuration(grace)
      if (graceMs === undefined)
        return yield* Effect.fail(new Error(`--grace takes a duration like 30s or 2m, got ${JSON.stringify(grace)}`))
      if (triggers.length === 0)
        return yield* Effect.fail(new Error(`${d.path}: no node has a schedule; nothing to run`))
      const log = (line: string) =>
        void process.stderr.write(
          logFormat === "json"
            ? JSON.stringify({ at: new Date().toISOString(), type: "schedule", message: line }) + "\n"
            : `${stamp()} schedule: ${line}\n`
        )
      const scheduler = makeScheduler({ dag: d, db, layer: runtimeLayer(db), events: consoleEvents(logFormat), log })
      let signals = 0
      const onSignal = (sig: string) => {
        signals++
        // The first signal interrupts this command (NodeRuntime), whose release stops the scheduler;
        // a second one cuts the grace period short.
        if (signals === 1) log(`${sig}: no new runs; stopping`)
        else scheduler.hurry()
      }
      yield* Effect.acquireRelease(
        Effect.promise(async () => {
          process.on("SIGINT", onSignal)
          process.on("SIGTERM", onSignal)
          await scheduler.start()
          log(
            `started: ${triggers.map((t) => `${t.name} "${t.cron}" → ${nextFires(t.cron, 1, tz)[0]?.toISOString() ?? "never"}`).join("; ")}`
          )
        }),
        () =>
          Effect.promise(async () => {
            await scheduler.stop(graceMs)
            log("stopped; warehouse closed")
          })
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
    "Run each node on its dag.yaml schedule until SIGINT/SIGTERM (jobsignal up does it too); list, pause, resume or fire one now."
  )
)
