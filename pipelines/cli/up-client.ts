import { Effect } from "effect"
import { sseData } from "../../core/sse.ts"
import { REQUEST_TOKEN_HEADER } from "../serve/auth.ts"
import type { TaskEvent, TaskInfo } from "../serve/tasks.ts"
import type { UpInfo } from "../../sinks/up-file.ts"

/** The headers the dashboard's own page sends: the request token, and the bearer token when JOBSIGNAL_UI_TOKEN is set. */
const headersFor = (up: UpInfo) => {
  const token = process.env.JOBSIGNAL_UI_TOKEN
  return {
    "content-type": "application/json",
    [REQUEST_TOKEN_HEADER]: up.requestToken,
    ...(token ? { authorization: `Bearer ${token}` } : {})
  }
}

/**
 * The one line a command that makes no sense beside `jobsignal up` fails with ("jobsignal schedule: jobsignal up on
 * http://127.0.0.1:8787 (pid 4242) owns data/jobsignal.duckdb and already fires its schedules; …").
 */
export const besideUp = (up: UpInfo, db: string, command: string, why: string) =>
  new Error(`${command}: jobsignal up on ${up.url} (pid ${up.pid}) owns ${db} and ${why}`)

const named = (up: UpInfo, e: unknown) =>
  new Error(`jobsignal up (pid ${up.pid}, ${up.url}) owns the warehouse and answered: ${(e as Error).message}`)

/**
 * A POST to the `jobsignal up` that owns the warehouse, as the dashboard's own page sends it. Rejects with up's own
 * message, naming the process that gave it.
 */
export const postToUp = async <T>(up: UpInfo, path: string, body: unknown, ok: (b: T) => boolean = () => true) => {
  try {
    const res = await fetch(`${up.url}${path}`, {
      method: "POST",
      headers: headersFor(up),
      body: JSON.stringify(body)
    })
    const answer = (await res.json().catch(() => ({}))) as T & { error?: string }
    if (!res.ok || !ok(answer)) throw new Error(answer.error ?? `HTTP ${res.status}`)
    return answer
  } catch (e) {
    throw named(up, e)
  }
}

/** Reads a task's server-sent events (every one so far, then live ones) until it ends; resolves to its last. */
const followTask = async (up: UpInfo, id: string, onEvent: (e: TaskEvent) => void, signal: AbortSignal) => {
  const res = await fetch(`${up.url}/api/tasks/${encodeURIComponent(id)}/events`, { headers: headersFor(up), signal })
  if (!res.ok || !res.body) throw named(up, new Error(`HTTP ${res.status} on the events of task ${id}`))
  let last: TaskEvent | undefined
  for await (const data of sseData(res.body)) {
    last = JSON.parse(data) as TaskEvent
    onEvent(last)
  }
  if (last?.type !== "task_finished")
    throw named(up, new Error(`the events of task ${id} ended before the task did (did jobsignal up stop?)`))
  return last
}

/** How a task in up ended, with the message of the error its body failed with (what a local run prints). */
export interface TaskEnd {
  readonly status: TaskInfo["status"]
  readonly result?: unknown
  readonly reason?: string
  readonly error?: string
}

/**
 * Starts a task in `jobsignal up` (POST `path`), hands each of its events to `onEvent` as they come, and ends with
 * the task. Interrupted (Ctrl-C in the CLI), it cancels the task in up and waits for that before it gives up.
 */
export const taskInUp = (up: UpInfo, path: string, body: unknown, onEvent: (e: TaskEvent) => void) =>
  Effect.gen(function* () {
    const info = yield* Effect.tryPromise({
      try: () => postToUp<TaskInfo>(up, path, body, (b) => typeof b.id === "string"),
      catch: (e) => e as Error
    })
    let error: string | undefined
    const last = yield* Effect.tryPromise({
      try: (signal) =>
        followTask(
          up,
          info.id,
          (e) => {
            if (e.type === "error" && typeof e.message === "string") error = e.message
            onEvent(e)
          },
          signal
        ),
      catch: (e) => e as Error
    }).pipe(
      Effect.onInterrupt(() =>
        Effect.promise(() => postToUp(up, `/api/tasks/${encodeURIComponent(info.id)}/cancel`, {}).catch(() => {}))
      )
    )
    return {
      status: last.status as TaskInfo["status"],
      result: last.result,
      reason: typeof last.reason === "string" ? last.reason : undefined,
      error: error ?? (typeof last.error === "string" ? last.error : undefined)
    } satisfies TaskEnd
  })
