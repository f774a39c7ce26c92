import { Cause, Effect, Exit, Fiber, Stream } from "effect"
import { randomUUID } from "node:crypto"

/**
 * Long operations the dashboard starts (DAG runs, per-job operations): each runs on its own fiber,
 * keeps every event it emitted (a page opened late replays them), and can be cancelled by
 * interrupting that fiber.
 */
export type TaskKind = "run" | "ops" | "check" | "eval"
/** `skipped`: the task did none of its work (every step skipped, `reason` says why), never a green `done`. */
export type TaskStatus = "running" | "done" | "failed" | "cancelled" | "skipped"

export interface TaskEvent {
  readonly seq: number
  readonly at: string
  readonly type: string
  readonly [k: string]: unknown
}

export interface TaskInfo {
  readonly id: string
  readonly kind: TaskKind
  readonly title: string
  status: TaskStatus
  readonly startedAt: string
  endedAt?: string
  error?: string
  reason?: string
  result?: unknown
}

/** A task body's result with `skipped: reason` ends the task `skipped` (a run whose every node skipped itself). */
const skippedBy = (result: unknown) => {
  const r = result as { skipped?: unknown } | null
  return r && typeof r === "object" && typeof r.skipped === "string" ? r.skipped : undefined
}

interface Task {
  readonly info: TaskInfo
  readonly events: TaskEvent[]
  readonly listeners: Set<() => void>
  fiber?: Fiber.RuntimeFiber<unknown, unknown>
}

export type Emit = (e: { readonly type: string; readonly [k: string]: unknown }) => void

export interface Tasks {
  readonly start: <A, E, R>(
    kind: TaskKind,
    title: string,
    body: (emit: Emit) => Effect.Effect<A, E, R>
  ) => Effect.Effect<TaskInfo, never, R>
  /**
   * A task whose work runs elsewhere (a scheduled run of `jobsignal up`): the caller emits its events and
   * ends it; it cannot be cancelled from the page.
   */
  readonly track: (
    kind: TaskKind,
    title: string
  ) => { readonly emit: Emit; readonly end: (status: TaskStatus, result?: unknown, error?: string) => void }
  readonly get: (id: string) => TaskInfo | undefined
  readonly list: () => ReadonlyArray<TaskInfo>
  readonly running: (kind: TaskKind) => TaskInfo | undefined
  /** Every event so far, then live ones, ending when the task ends. */
  readonly events: (id: string) => Stream.Stream<TaskEvent> | undefined
  readonly cancel: (id: string) => Effect.Effect<boolean>
}

const errorText = (cause: Cause.Cause<unknown>) => {
  const e = Cause.squash(cause) as { message?: unknown; _tag?: unknown }
  return e && typeof e === "object" && "message" in e
    ? `${e._tag ? `${String(e._tag)}: ` : ""}${String(e.message)}`
    : String(e)
}

export const makeTasks = (): Tasks => {
  const tasks = new Map<string, Task>()
  const notify = (t: Task) => {
    for (const l of [...t.listeners]) l()
  }
  const push = (t: Task, e: { readonly type: string; readonly [k: string]: unknown }) => {
    t.events.push({ ...e, seq: t.events.length, at: new Date().toISOString() })
    notify(t)
  }

  const open = (kind: TaskKind, title: string) => {
    const info: TaskInfo = {
      id: `${kind}-${randomUUID().slice(0, 8)}`,
      kind,
      title,
      status: "running",
      startedAt: new Date().toISOString()
    }
    const task: Task = { info, events: [], listeners: new Set() }
    tasks.set(info.id, task)
    push(task, { type: "task_started", task: info.id, kind, title })
    return task
  }

  const track: Tasks["track"] = (kind, title) => {
    const task = open(kind, title)
    return {
      emit: (e) => push(task, e),
      end: (done, result, error) => {
        if (task.info.status !== "running") return
        // The same rule as `start`: a "done" whose result says `skipped` did none of its work.
        const reason = done === "done" ? skippedBy(result) : undefined
        const status = reason === undefined ? done : "skipped"
        Object.assign(task.info, { status, result, error, reason, endedAt: new Date().toISOString() })
        push(task, { type: "task_finished", status, error, reason, result })
      }
    }
  }

  const start: Tasks["start"] = (kind, title, body) =>
    Effect.gen(function* () {
      const task = open(kind, title)
      const info = task.info
      const finish = (exit: Exit.Exit<unknown, unknown>) =>
        Effect.sync(() => {
          info.endedAt = new Date().toISOString()
          if (Exit.isSuccess(exit)) {
            info.reason = skippedBy(exit.value)
            info.status = info.reason === undefined ? "done" : "skipped"
            info.result = exit.value
          } else if (Cause.isInterruptedOnly(exit.cause)) info.status = "cancelled"
          else {
            info.status = "failed"
            info.error = errorText(exit.cause)
          }
          push(task, {
            type: "task_finished",
            status: info.status,
            error: info.error,
            reason: info.reason,
            result: info.result
          })
        })
      // A daemon: the task outlives the request that started it, and ends with the server.
      const fiber = yield* Effect.forkDaemon(body((e) => push(task, e)).pipe(Effect.onExit(finish)))
      task.fiber = fiber as Fiber.RuntimeFiber<unknown, unknown>
      return info
    })

  const events = (id: string) => {
    const t = tasks.get(id)
    if (!t) return undefined
    return Stream.async<TaskEvent>((emit) => {
      let next = 0
      const flush = () => {
        while (next < t.events.length) void emit.single(t.events[next++])
        if (t.info.status !== "running" && next >= t.events.length) {
          t.listeners.delete(flush)
          void emit.end()
        }
      }
      t.listeners.add(flush)
      flush()
      return Effect.sync(() => void t.listeners.delete(flush))
    }, 4096)
  }

  const cancel = (id: string) =>
    Effect.gen(function* () {
      const t = tasks.get(id)
      if (!t?.fiber || t.info.status !== "running") return false
      push(t, { type: "cancel_requested" })
      yield* Fiber.interrupt(t.fiber)
      return true
    })

  return {
    start,
    track,
    get: (id) => tasks.get(id)?.info,
    list: () => [...tasks.values()].map((t) => t.info).reverse(),
    running: (kind) => [...tasks.values()].find((t) => t.info.kind === kind && t.info.status === "running")?.info,
    events,
    cancel
  }
}
