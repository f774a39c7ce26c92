import cron, { type ScheduledTask } from "node-cron"
import { Effect, Exit, Fiber, ManagedRuntime, type Layer } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import type { Http } from "../../sources/http.ts"
import type { Events } from "../events.ts"
import type { LoadedDag } from "../load.ts"
import { runDag, type RunRequest, type RunSummary } from "../runner.ts"
import { acquireNodeLocks, describeHolder } from "./lock.ts"
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
}

export type FireOutcome =
  | { readonly status: "ran"; readonly summary: RunSummary }
  | { readonly status: "skipped"; readonly reason: string }
  | { readonly status: "queued" }
  | { readonly status: "interrupted" }
  | { readonly status: "failed"; readonly error: string }

export interface Scheduler {
  readonly triggers: ReadonlyArray<Trigger>
  /** Starts the cron tasks (and the catch-up run, if `schedule.catch_up: one` and a fire was missed). */
  readonly start: () => Promise<void>
  /** Fires one trigger now, as its cron task would. */
  readonly fire: (name: string, at?: Date, reason?: string) => Promise<FireOutcome>
  /** No new runs; waits up to `graceMs` for the running ones, then interrupts them; closes the warehouse. */
  readonly stop: (graceMs: number) => Promise<void>
  /** Cuts a `stop` grace period short (a second SIGINT): interrupt the running runs now. */
  readonly hurry: () => void
  readonly running: () => ReadonlyArray<string>
}

type Runtime = ManagedRuntime.ManagedRuntime<Warehouse | Http, unknown>

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
  const active = new Map<string, { fiber?: Fiber.RuntimeFiber<RunSummary, unknown>; done: Promise<FireOutcome> }>()
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

  const record = (rt: Runtime, t: Trigger, at: Date, runId: string | null, status: string) =>
    rt.runPromise(
      Effect.flatMap(Warehouse, (w) =>
        w.exec(
          `insert into schedule_state (trigger, cron, last_fire_at, last_run_id, last_status, updated_at) values ($1, $2, $3, $4, $5, now())
           on conflict (trigger) do update set cron = excluded.cron, last_fire_at = excluded.last_fire_at,
             last_run_id = coalesce(excluded.last_run_id, schedule_state.last_run_id), last_status = excluded.last_status, updated_at = now()`,
          [t.name, t.cron, at.toISOString(), runId, status]
        )
      )
    )

  const execute = async (t: Trigger, at: Date, reason: string): Promise<FireOutcome> => {
    const lock = acquireNodeLocks(opts.db, t.locks, `jobsignal schedule: ${t.name}`)
    if (!lock.ok) {
      const why = describeHolder(lock.heldBy)
      opts.log(`skip ${t.name} (${reason}): ${why}`)
      return { status: "skipped", reason: why }
    }
    for (const h of lock.tookOver) opts.log(`took over the lock of ${h.node} from pid ${h.pid}, which is gone`)
    let rt: Runtime
    try {
      rt = await openRuntime()
    } catch (e) {
      lock.release()
      const why = `cannot open the warehouse ${opts.db}: ${(e as Error).message ?? String(e)}`
      opts.log(`skip ${t.name} (${reason}): ${why}`)
      return { status: "skipped", reason: why }
    }
    try {
      if (stopping) return { status: "skipped", reason: "shutting down" }
      await record(rt, t, at, null, "running")
      opts.log(`fire ${t.name} (${reason}): ${t.only.join(", ")}`)
      const fiber = rt.runFork(runDag({ dag: opts.dag, only: t.only, events: opts.events, sourceOverrides: opts.sourceOverrides }))
      active.get(t.name)!.fiber = fiber
      const exit = await rt.runPromise(Fiber.await(fiber))
      if (Exit.isSuccess(exit)) {
        await record(rt, t, at, exit.value.runId, exit.value.status)
        return { status: "ran", summary: exit.value }
      }
      const interrupted = Exit.isInterrupted(exit)
      await record(rt, t, at, null, interrupted ? "interrupted" : "failed").catch(() => {})
      opts.log(`${t.name}: run ${interrupted ? "interrupted" : `failed: ${String(exit.cause)}`}`)
      return interrupted ? { status: "interrupted" } : { status: "failed", error: String(exit.cause) }
    } catch (e) {
      return { status: "failed", error: String(e) }
    } finally {
      lock.release()
      await closeRuntime()
    }
  }

  const fire = (name: string, at: Date = now(), reason = "scheduled"): Promise<FireOutcome> => {
    const t = byName.get(name)
    if (!t) return Promise.resolve({ status: "failed", error: `no trigger ${name}` })
    if (stopping) {
      opts.log(`skip ${name} (${reason}): shutting down`)
      return Promise.resolve({ status: "skipped", reason: "shutting down" })
    }
    const busy = [...active.keys()].find((other) => other === name || byName.get(other)!.locks.some((n) => t.locks.includes(n)))
    if (busy !== undefined) {
      if (overlap === "queue") {
        queued.set(name, { at, reason })
        opts.log(`queue ${name} (${reason}): ${busy === name ? "its previous run" : `the run of ${busy}`} is still going`)
        return Promise.resolve({ status: "queued" })
      }
      const why = `${busy === name ? "its previous run" : `the run of ${busy}, which shares nodes with it,`} is still going (schedule.overlap: skip)`
      opts.log(`skip ${name} (${reason}): ${why}`)
      return Promise.resolve({ status: "skipped", reason: why })
    }
    const entry: { fiber?: Fiber.RuntimeFiber<RunSummary, unknown>; done: Promise<FireOutcome> } = { done: Promise.resolve({ status: "queued" }) }
    active.set(name, entry)
    entry.done = execute(t, at, reason).finally(() => {
      active.delete(name)
      // A queued fire (this trigger's or one that shares nodes) starts once nothing it needs is busy.
      for (const [q, f] of [...queued]) {
        const qt = byName.get(q)!
        const stillBusy = [...active.keys()].some((o) => o === q || byName.get(o)!.locks.some((n) => qt.locks.includes(n)))
        if (!stillBusy && !stopping) {
          queued.delete(q)
          void fire(q, f.at, `${f.reason}, queued`)
        }
      }
    })
    return entry.done
  }

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
      const rows = await rt.runPromise(Effect.flatMap(Warehouse, (w) => w.query<{ trigger: string; last_fire_at: string }>("select trigger, last_fire_at from schedule_state")))
      const last = new Map(rows.map((r) => [r.trigger, new Date(r.last_fire_at)]))
      for (const t of triggers) {
        const since = last.get(t.name)
        if (!since) continue
        const missed = firesBetween(t.cron, since, now(), { timezone, limit: 1000 })
        if (missed.length === 0) continue
        const latest = missed[missed.length - 1]
        if (catchUp === "one") {
          opts.log(`${t.name} missed ${missed.length >= 1000 ? "1000+" : missed.length} fire(s) since ${since.toISOString()}; catching up once (schedule.catch_up: one)`)
          due.push({ t, at: latest })
        } else opts.log(`${t.name} missed ${missed.length >= 1000 ? "1000+" : missed.length} fire(s) since ${since.toISOString()}; not catching up (schedule.catch_up: none)`)
      }
    } finally {
      await closeRuntime()
    }
    return due
  }

  return {
    triggers,
    running: () => [...active.keys()],
    start: async () => {
      const due = await catchUpMissed()
      for (const t of triggers)
        tasks.push(cron.schedule(t.cron, (ctx) => void fire(t.name, ctx.triggeredAt ?? ctx.date, "scheduled"), { timezone, name: t.name }))
      for (const d of due) void fire(d.t.name, d.at, "catch-up")
    },
    fire,
    hurry: () => hurry(),
    stop: async (graceMs) => {
      stopping = true
      queued.clear()
      for (const task of tasks.splice(0)) await task.destroy()
      const pending = [...active.values()]
      if (pending.length > 0) {
        opts.log(`waiting up to ${Math.round(graceMs / 1000)} s for ${[...active.keys()].join(", ")} to finish`)
        const all = Promise.all(pending.map((p) => p.done))
        const timedOut = await Promise.race([
          all.then(() => false),
          new Promise<boolean>((ok) => {
            setTimeout(() => ok(true), graceMs).unref()
            hurry = () => ok(true)
          })
        ])
        if (timedOut) {
          opts.log(`interrupting ${[...active.keys()].join(", ")}: the ledger marks them interrupted; --resume picks them up`)
          for (const a of active.values()) if (a.fiber) await Effect.runPromise(Fiber.interrupt(a.fiber))
          await all
        }
      }
      await closing
    }
  }
}
