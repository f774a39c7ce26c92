import { Command, Options } from "@effect/cli"
import { Effect } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
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

const lastFires = (db: string) =>
  Effect.flatMap(Warehouse, (w) =>
    w.query<{ trigger: string; last_fire_at: string; last_status: string | null; paused_at: string | null }>(
      `select coalesce(s.trigger, p.trigger) as trigger, strftime(s.last_fire_at, '%Y-%m-%d %H:%M:%S%z') as last_fire_at, s.last_status,
              strftime(p.paused_at, '%Y-%m-%d %H:%M') as paused_at
       from schedule_state s full join schedule_pauses p on p.trigger = s.trigger`
    )
  ).pipe(
    Effect.provide(Warehouse.layer({ path: db, migrations })),
    Effect.scoped,
    // Busy (another process writes it, e.g. a running scheduler): the list shows no last fires.
    Effect.orElseSucceed(() => undefined)
  )

export const scheduleCommand = Command.make(
  "schedule",
  {
    dag: dagOption,
    db: dbOption,
    logFormat: logFormatOption,
    list: Options.boolean("list").pipe(Options.withDescription("Print each trigger's next fire times and exit")),
    grace: Options.text("grace").pipe(
      Options.withDefault("30s"),
      Options.withDescription(
        "On SIGINT/SIGTERM, how long running runs may finish before they are interrupted (a second signal interrupts at once)"
      )
    )
  },
  ({ dag, db, logFormat, list, grace }) =>
    Effect.gen(function* () {
      const d = yield* loadDagEffect(dag)
      const tz = d.spec.schedule?.timezone
      const triggers = triggersOf(d)
      if (list) {
        if (triggers.length === 0) return yield* print(`${d.path}: no node has a schedule`)
        const last = yield* lastFires(db)
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
    "Run each node on its dag.yaml schedule until SIGINT/SIGTERM; --list prints the next fire times."
  )
)
