import cron, { type ScheduledTask } from "node-cron"
import { Effect, Exit, Fiber, ManagedRuntime, type Layer } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import type { Http } from "../../sources/http.ts"
import type { Events } from "../events.ts"
import type { LoadedDag } from "../load.ts"
import { runDag, selectNodes, type RunRequest, type RunSummary } from "../runner.ts"
import { acquireNodeLocks, describeHolder } from "./lock.ts"
import { pausedTriggers, type Pause } from "./pauses.ts"
import { firesBetween, triggersOf, type Trigger } from "./triggers.ts"

export interface SchedulerOptions {
  readonly dag: LoadedDag
  readonly db: string
  /** Warehouse + HTTP for one run; built when a run starts and closed when none is going. */
  readonly layer: Layer.Layer<Warehouse | Http, unknown>
  readonly events: Events
  readonly log: (line: string) => void
  readonly sourceOverrides?: RunRequest["sourceOverrides"]
  readonly now?: () => Date
  /** Someone watching the runs as they go (the dashboard of `jobsignal up`): gets each run's events and its end. */
  readonly watch?: (label: string, reason: string) => Events & { readonly end: (outcome: FireOutcome) => void }
}

export type FireOutcome =
  | { readonly status: "ran"; readonly summary: RunSummary }
  | { readonly status: "skipped"; readonly reason: string }
  | { readonly status: "queued" }
  | { readonly status: "interrupted" }
  | { readonly status: "failed"; readonly error: string }

/** A fire someone asked for (the Schedules page's "Run now", `jobsignal schedule --fire`), not the clock. */
export interface FireOptions {
  /** Runs even when the trigger is paused, online (someone waits on it), and is refused, not queued, while busy. */
  readonly manual?: boolean
  /** Who follows this run instead of `SchedulerOptions.watch`. */
  readonly watch?: SchedulerOptions["watch"]
  /** Aborting it interrupts the run (the ledger says interrupted). */
  readonly signal?: AbortSignal
}

export interface Scheduler {
  readonly triggers: ReadonlyArray<Trigger>
  /** Starts the cron tasks (and the catch-up run, if `schedule.catch_up: one` and a fire was missed). */
  readonly start: () => Promise<void>
  /** Fires one trigger now, as its cron task would. */
  readonly fire: (name: string, at?: Date, reason?: string, fo?: FireOptions) => Promise<FireOutcome>
  /** No new runs; waits up to `graceMs` for the running ones, then interrupts them; closes the warehouse. */
  readonly stop: (graceMs: number) => Promise<void>
  /** Cuts a `stop` grace period short (a second SIGINT): interrupt the running runs now. */
  readonly hurry: () => void
  readonly running: () => ReadonlyArray<string>
}

type Runtime = ManagedRuntime.ManagedRuntime<Warehouse | Http, unknown>

/** A run the scheduler has going: the triggers it serves and the nodes it runs. */
interface Active {
  readonly names: ReadonlyArray<string>
  readonly nodes: Set<string>
  fiber?: Fiber.RuntimeFiber<RunSummary, unknown>
  done: Promise<FireOutcome>
}

const BATCH_MS = 500

const PAUSED = (p: Pause) =>
  `paused since ${p.paused_at} by ${p.paused_by} (resume it on the dashboard's Schedules page)`

/**
 * The long-running scheduler. DuckDB lets one process write a file at a time, so the warehouse
 * is open only while a run is going: between runs `jobsignal sql`, `report` and manual runs can
 * use it. Node locks (./lock.ts) keep two runs of one node apart, here and across processes.
 */
export const makeScheduler = (opts: SchedulerOptions): Scheduler => {
  const overlap = opts.dag.spec.schedule?.overlap ?? "skip"
  const catchUp = opts.dag.spec.schedule?.catch_up ?? "none"
  const timezone = opts.dag.spec.schedule?.timezone
  const triggers = triggersOf(opts.dag)
  const byName = new Map(triggers.map((t) => [t.name, t]))
  const now = opts.now ?? (() => new Date())
  const tasks: ScheduledTask[] = []
  const active: Active[] = []
  const queued = new Map<string, { at: Date; reason: string }>()
  let stopping = false
  let hurry: () => void = () => {}

  // One runtime (open warehouse) shared by the runs going at the same time, closed after the last.
  // `opening` is shared so two fires in the same tick do not open the file twice.
  let opening: Promise<Runtime> | undefined
  let users = 0
  let closing: Promise<void> = Promise.resolve()
  const openRuntime = async (): Promise<Runtime> => {
    users++
    await closing
    opening ??= (async () => {
      const rt = ManagedRuntime.make(opts.layer)
      try {
        await rt.runPromise(Effect.void)
        return rt
      } catch (e) {
        await rt.dispose().catch(() => {})
        throw e
      }
    })()
    try {
      return await opening
    } catch (e) {
      opening = undefined
      users--
      throw e
    }
  }
  const closeRuntime = async () => {
    users--
    if (users === 0 && opening) {
      const open = opening
      opening = undefined
      closing = open.then((rt) => rt.dispose()).catch((e) => opts.log(`closing the warehouse failed: ${String(e)}`))
      await closing
    }
  }

  const record = (rt: Runtime, group: ReadonlyArray<Trigger>, at: Date, runId: string | null, status: string) =>
    rt.runPromise(
      Effect.forEach(
        group,
        (t) =>
          Effect.flatMap(Warehouse, (w) =>
            w.exec(
              `insert into schedule_state (trigger, cron, last_fire_at, last_run_id, last_status, updated_at) values ($1, $2, $3, $4, $5, now())
             on conflict (trigger) do update set cron = excluded.cron, last_fire_at = excluded.last_fire_at,
               last_run_id = coalesce(excluded.last_run_id, schedule_state.last_run_id), last_status = excluded.last_status, updated_at = now()`,
              [t.name, t.cron, at.toISOString(), runId, status]
            )
          ),
        { discard: true }
      )
    )

  const execute = async (entry: Active, at: Date, reason: string, fo: FireOptions = {}): Promise<FireOutcome> => {
    let group = entry.names.map((n) => byName.get(n)!)
    let label = entry.names.join(" + ")
    const skip = (why: string): FireOutcome => {
      opts.log(`skip ${label} (${reason}): ${why}`)
      return { status: "skipped", reason: why }
    }
    let rt: Runtime
    try {
      rt = await openRuntime()
    } catch (e) {
      return skip(`cannot open the warehouse ${opts.db}: ${(e as Error).message ?? String(e)}`)
    }
    let release = () => {}
    try {
      if (stopping) return skip("shutting down")
      // Read at every fire, so a pause set from the dashboard (or another process) holds from the next one.
      // A fire by hand runs a paused trigger too: the pause holds back the clock, not the person.
      const paused = fo.manual
        ? new Map<string, Pause>()
        : new Map((await rt.runPromise(pausedTriggers)).map((p) => [p.trigger, p]))
      for (const t of group.filter((t) => paused.has(t.name)))
        opts.log(`skip ${t.name} (${reason}): ${PAUSED(paused.get(t.name)!)}`)
      group = group.filter((t) => !paused.has(t.name))
      if (group.length === 0) return { status: "skipped", reason: PAUSED(paused.get(entry.names[0])!) }
      label = group.map((t) => t.name).join(" + ")
      const only = [...new Set(group.flatMap((t) => t.only))]
      // Lock what the run will really execute: `only` plus the needs that have no committed output yet.
      const { selected } = await rt.runPromise(selectNodes({ dag: opts.dag, only, events: opts.events }))
      for (const n of selected) entry.nodes.add(n)
      const lock = acquireNodeLocks(opts.db, [...selected], `jobsignal schedule: ${label}`)
      if (!lock.ok) return skip(describeHolder(lock.heldBy))
      release = lock.release
      for (const h of lock.tookOver) opts.log(`took over the lock of ${h.node} from pid ${h.pid}, which is gone`)
      await record(rt, group, at, null, "running")
      opts.log(`fire ${label} (${reason}): ${[...selected].sort().join(", ")}`)
      const watch = (fo.watch ?? opts.watch)?.(label, reason)
      const events: Events = watch ? { emit: (e) => (opts.events.emit(e), watch.emit(e)) } : opts.events
      const fiber = rt.runFork(
        runDag({ dag: opts.dag, only, events, sourceOverrides: opts.sourceOverrides, scheduled: !fo.manual })
      )
      entry.fiber = fiber
      fo.signal?.addEventListener("abort", () => void Effect.runFork(Fiber.interrupt(fiber)), { once: true })
      const exit = await rt.runPromise(Fiber.await(fiber))
      const outcome: FireOutcome = Exit.isSuccess(exit)
        ? { status: "ran", summary: exit.value }
        : Exit.isInterrupted(exit)
          ? { status: "interrupted" }
          : { status: "failed", error: String(exit.cause) }
      watch?.end(outcome)
      if (outcome.status === "ran") await record(rt, group, at, outcome.summary.runId, outcome.summary.status)
      else {
        await record(rt, group, at, null, outcome.status).catch(() => {})
        opts.log(`${label}: run ${outcome.status === "failed" ? `failed: ${outcome.error}` : "interrupted"}`)
      }
      return outcome
    } catch (e) {
      return { status: "failed", error: String(e) }
    } finally {
      release()
      await closeRuntime()
    }
  }

  /** The active run a trigger would collide with: its own, or one already running a node it runs. */
  const conflictOf = (t: Trigger) => active.find((a) => a.names.includes(t.name) || t.only.some((n) => a.nodes.has(n)))

  /**
   * Starts triggers that fired together as one run (so six boards due at 06:00 feed one dedupe);
   * a trigger colliding with a run still going is skipped or queued, by `schedule.overlap`.
   */
  const startGroup = (
    names: ReadonlyArray<string>,
    at: Date,
    reason: string,
    fo: FireOptions = {}
  ): Map<string, Promise<FireOutcome>> => {
    const out = new Map<string, Promise<FireOutcome>>()
    const go: string[] = []
    for (const name of new Set(names)) {
      const t = byName.get(name)
      if (!t) {
        out.set(name, Promise.resolve({ status: "failed", error: `no trigger ${name}` }))
        continue
      }
      if (stopping) {
        opts.log(`skip ${name} (${reason}): shutting down`)
        out.set(name, Promise.resolve({ status: "skipped", reason: "shutting down" }))
        continue
      }
      const busy = conflictOf(t)
      if (busy === undefined) {
        go.push(name)
        continue
      }
      const whose = busy.names.includes(name)
        ? "its previous run"
        : `the run of ${busy.names.join(" + ")}, which shares nodes with it,`
      if (overlap === "queue" && !fo.manual) {
        queued.set(name, { at, reason })
        opts.log(`queue ${name} (${reason}): ${whose} is still going`)
        out.set(name, Promise.resolve({ status: "queued" }))
      } else {
        const why = `${whose} is still going${fo.manual ? "" : " (schedule.overlap: skip)"}`
        opts.log(`skip ${name} (${reason}): ${why}`)
        out.set(name, Promise.resolve({ status: "skipped", reason: why }))
      }
    }
    if (go.length === 0) return out
    const entry: Active = {
      names: go,
      nodes: new Set(go.flatMap((n) => byName.get(n)!.only)),
      done: Promise.resolve({ status: "queued" })
    }
    active.push(entry)
    entry.done = execute(entry, at, reason, fo).finally(() => {
      active.splice(active.indexOf(entry), 1)
      if (stopping) return
      const ready = [...queued].filter(([q]) => conflictOf(byName.get(q)!) === undefined)
      for (const [q] of ready) queued.delete(q)
      if (ready.length > 0)
        startGroup(
          ready.map(([q]) => q),
          ready[0][1].at,
          `${ready[0][1].reason}, queued`
        )
    })
    for (const n of go) out.set(n, entry.done)
    return out
  }

  // Cron tasks due at the same moment fire within milliseconds of each other: gather them briefly.
  let batch: { names: string[]; at: Date; timer: NodeJS.Timeout } | undefined
  const fireScheduled = (name: string, at: Date) => {
    if (batch) return void batch.names.push(name)
    batch = {
      names: [name],
      at,
      timer: setTimeout(() => {
        const b = batch!
        batch = undefined
        startGroup(b.names, b.at, "scheduled")
      }, BATCH_MS)
    }
  }

  const fire = (name: string, at: Date = now(), reason = "scheduled", fo?: FireOptions): Promise<FireOutcome> =>
    startGroup([name], at, reason, fo).get(name)!

  const catchUpMissed = async () => {
    let rt: Runtime
    try {
      rt = await openRuntime()
    } catch (e) {
      opts.log(`cannot read the last fire times (${(e as Error).message}); no catch-up this start`)
      return []
    }
    const due: Array<{ t: Trigger; at: Date }> = []
    try {
      const rows = await rt.runPromise(
        Effect.flatMap(Warehouse, (w) =>
          w.query<{ trigger: string; last_fire_at: string }>("select trigger, last_fire_at from schedule_state")
        )
      )
      const last = new Map(rows.map((r) => [r.trigger, new Date(r.last_fire_at)]))
      for (const t of triggers) {
        const since = last.get(t.name)
        if (!since) continue
        const missed = firesBetween(t.cron, since, now(), { timezone, limit: 1000 })
        if (missed.length === 0) continue
        const latest = missed[missed.length - 1]
        if (catchUp === "one") {
          opts.log(
            `${t.name} missed ${missed.length >= 1000 ? "1000+" : missed.length} fire(s) since ${since.toISOString()}; catching up once (schedule.catch_up: one)`
          )
          due.push({ t, at: latest })
        } else
          opts.log(
            `${t.name} missed ${missed.length >= 1000 ? "1000+" : missed.length} fire(s) since ${since.toISOString()}; not catching up (schedule.catch_up: none)`
          )
      }
    } finally {
      await closeRuntime()
    }
    return due
  }

  return {
    triggers,
    running: () => active.flatMap((a) => a.names),
    start: async () => {
      const due = await catchUpMissed()
      for (const t of triggers)
        tasks.push(
          cron.schedule(t.cron, (ctx) => fireScheduled(t.name, ctx.triggeredAt ?? ctx.date), { timezone, name: t.name })
        )
      if (due.length > 0)
        startGroup(
          due.map((d) => d.t.name),
          due[0].at,
          "catch-up"
        )
    },
    fire,
    hurry: () => hurry(),
    stop: async (graceMs) => {
      stopping = true
      queued.clear()
      if (batch) {
        clearTimeout(batch.timer)
        batch = undefined
      }
      for (const task of tasks.splice(0)) await task.destroy()
      const pending = [...active]
      const names = () => active.flatMap((a) => a.names).join(", ")
      if (pending.length > 0) {
        opts.log(`waiting up to ${Math.round(graceMs / 1000)} s for ${names()} to finish`)
        const all = Promise.all(pending.map((p) => p.done))
        const timedOut = await Promise.race([
          all.then(() => false),
          new Promise<boolean>((ok) => {
            setTimeout(() => ok(true), graceMs).unref()
            hurry = () => ok(true)
          })
        ])
        if (timedOut) {
          opts.log(`interrupting ${names()}: the ledger marks them interrupted; --resume picks them up`)
          for (const a of active) if (a.fiber) await Effect.runPromise(Fiber.interrupt(a.fiber))
          await all
        }
      }
      await closing
    }
  }
}
