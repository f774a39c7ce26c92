import { Effect, type Redacted } from "effect"
import { Fatal, Retriable } from "../core/errors.ts"
import type { HostGroup, SourceUnitJob, TaskQueue, TaskResult, UnitExecutor, UnitResult } from "./executor.ts"
import {
  bullmq,
  CAPABILITY_TTL_MS,
  capabilityKey,
  DEFAULT_PREFIX,
  KEEP_FINISHED_S,
  optionsKey,
  queueName,
  queuesKey,
  type Redis,
  redisConnection,
  unitJobId
} from "./bullmq-queues.ts"

type Queue = import("bullmq").Queue
type QueueEvents = import("bullmq").QueueEvents

/** A unit's job as it sits in Redis: the unit and where its node's options are, never the options themselves. */
export type QueuedUnit = Omit<SourceUnitJob, "options"> & { readonly optionsKey: string }

/** A job's result as the coordinator reads it back: a unit's or a task's, either may carry its own error. */
type JobResult = UnitResult | TaskResult

interface Waiter {
  readonly queue: string
  readonly data: QueuedUnit | { readonly task: unknown }
  /** What the job is, in an error message. */
  readonly what: string
  readonly done: (r: JobResult | Retriable) => void
}

/**
 * The coordinator's side of the BullMQ executor: each unit becomes a job in its host group's queue, and the node
 * waits for its result. Connections open on the first unit. A Redis restart is waited out: the client reconnects,
 * and every unit still awaited is looked up again and re-added if Redis lost it (adding an existing id is a no-op).
 * `namespace` is the run whose units these are (the resumed run on `--resume`), so a resume reads back the units
 * that finished instead of fetching them again.
 */
export const bullmqExecutor = (cfg: {
  readonly url: Redacted.Redacted<string>
  readonly prefix: string
  readonly namespace: string
  /** The namespace is this run's own id (not a resume): nothing of it can be in Redis before this process put it. */
  readonly fresh: boolean
}): UnitExecutor => {
  let redis: Redis | undefined
  const queues = new Map<string, Promise<{ queue: Queue; events: QueueEvents }>>()
  const waiting = new Map<string, Waiter>()
  const storedOptions = new Set<string>()
  // Connections given to BullMQ are not closed by it: a coordinator that left one open would never exit.
  const duplicates: Redis[] = []

  const connection = () => {
    if (redis) return redis
    const r = redisConnection(cfg.url)
    let readyBefore = false
    r.on("ready", () => {
      if (readyBefore) for (const [id, w] of waiting) void submit(id, w)
      readyBefore = true
    })
    // Errors while Redis is away are reconnect attempts; the units waiting say nothing until it is back.
    r.on("error", () => {})
    redis = r
    return r
  }

  const settle = (id: string, r: JobResult | Retriable) => {
    const w = waiting.get(id)
    if (!w) return
    waiting.delete(id)
    w.done(r)
  }

  const openQueue = (group: HostGroup) => {
    const name = queueName(group)
    let q = queues.get(name)
    if (!q) {
      q = (async () => {
        const { Queue, QueueEvents } = bullmq()
        const conn = connection()
        const queue = new Queue(name, {
          connection: conn,
          prefix: cfg.prefix,
          streams: { events: { maxLen: 100_000 } }
        })
        const blocking = conn.duplicate()
        blocking.on("error", () => {})
        duplicates.push(blocking)
        const events = new QueueEvents(name, { connection: blocking, prefix: cfg.prefix })
        events.on("error", () => {})
        events.on("completed", ({ jobId, returnvalue }) => settle(jobId, returnvalue as unknown as JobResult))
        events.on("failed", ({ jobId, failedReason }) =>
          settle(
            jobId,
            new Retriable({
              reason: "Transport",
              message: `${waiting.get(jobId)?.what}: worker gave up: ${failedReason}`
            })
          )
        )
        await events.waitUntilReady()
        await queue.setGlobalConcurrency(group.concurrency)
        // Under 1/s (remotive's 0.5/s) is one unit per 1/rate seconds: rounded up to 1/s it would ask twice as often.
        if (group.perSecond !== undefined)
          await (group.perSecond >= 1
            ? queue.setGlobalRateLimit(Math.floor(group.perSecond), 1000)
            : queue.setGlobalRateLimit(1, Math.ceil(1000 / group.perSecond)))
        else await queue.removeGlobalRateLimit()
        await conn.hset(queuesKey(cfg.prefix), name, JSON.stringify(group))
        return { queue, events }
      })()
      queues.set(name, q)
    }
    return q
  }

  /**
   * Puts the unit on its queue unless it is there; a finished one is read back, a failed one run again. A unit of
   * this run's own namespace not yet put on a queue by this process cannot be there: no lookup for it.
   */
  const submitted = new Set<string>()
  const submit = async (id: string, w: Waiter) => {
    const { queue } = await queues.get(w.queue)!
    const first = cfg.fresh && !submitted.has(id)
    submitted.add(id)
    const existing = first ? undefined : await bullmq().Job.fromId<Waiter["data"], JobResult>(queue, id)
    if (existing) {
      const state = await existing.getState()
      // A unit that ended in its own error is run again on a resume or node retry: that error may have passed.
      if (
        state === "completed" &&
        existing.returnvalue &&
        !existing.returnvalue.error &&
        existing.returnvalue.defect === undefined
      )
        return settle(id, existing.returnvalue)
      if (state === "failed") return void (await existing.retry("failed"))
      if (state !== "completed") return
      await existing.remove()
    }
    await queue.add("task" in w.data ? "task" : "unit", w.data, {
      jobId: id,
      removeOnComplete: { age: KEEP_FINISHED_S },
      removeOnFail: { age: KEEP_FINISHED_S }
    })
  }

  const storeOptions = async (job: SourceUnitJob) => {
    const key = optionsKey(cfg.prefix, job.runId, job.node)
    if (!storedOptions.has(key)) {
      storedOptions.add(key)
      await connection().set(key, JSON.stringify(job.options), "EX", KEEP_FINISHED_S)
    }
    return key
  }

  /** Puts one job on its group's queue and waits for its result; `data` is made once the queue is open. */
  const awaitJob = <R extends JobResult>(
    id: string,
    group: HostGroup,
    what: string,
    data: () => Promise<Waiter["data"]>
  ) =>
    Effect.async<R, Retriable | Fatal>((resume) => {
      const start = async () => {
        const d = await data()
        await openQueue(group)
        const w: Waiter = {
          queue: queueName(group),
          data: d,
          what,
          done: (r) => resume(r instanceof Retriable ? Effect.fail(r) : Effect.succeed(r as R))
        }
        waiting.set(id, w)
        await submit(id, w)
      }
      start().catch((e) => {
        waiting.delete(id)
        resume(Effect.fail(new Retriable({ reason: "Transport", message: `redis: ${(e as Error).message}` })))
      })
      return Effect.sync(() => void waiting.delete(id))
    })

  const runSourceUnit = (job: SourceUnitJob, group: HostGroup) =>
    awaitJob<UnitResult>(unitJobId(cfg.namespace, job.node, job.unit.key), group, `unit ${job.unit.key}`, async () => {
      const { options: _, ...rest } = job
      return { ...rest, optionsKey: await storeOptions(job) }
    })

  const runTask = (queue: TaskQueue, node: string, key: string, payload: unknown) =>
    awaitJob<TaskResult>(unitJobId(cfg.namespace, node, key), queue, `${node} task ${key}`, async () => ({
      task: payload
    }))

  const capable = (capability: string) =>
    Effect.promise(() =>
      connection().zcount(capabilityKey(cfg.prefix, capability), Date.now() - CAPABILITY_TTL_MS, "+inf")
    )

  const close = Effect.promise(async () => {
    for (const id of [...waiting.keys()])
      settle(id, new Retriable({ reason: "Transport", message: "the run ended before the unit's result came back" }))
    for (const q of queues.values()) {
      const { queue, events } = await q.catch(() => ({ queue: undefined, events: undefined }))
      await events?.close().catch(() => {})
      await queue?.close().catch(() => {})
    }
    queues.clear()
    for (const d of duplicates.splice(0)) d.disconnect()
    redis?.disconnect()
    redis = undefined
  })

  return { name: "bullmq", runSourceUnit, runTask, capable, close }
}

/** The executor dag.yaml names, for one run; none (in-process fibers) by default. */
export const executorOf = (
  spec: { readonly executor?: { readonly kind: string; readonly redis_url?: string; readonly prefix?: string } },
  namespace: { readonly id: string; readonly fresh: boolean },
  url: (raw: string) => Redacted.Redacted<string> | undefined
): Effect.Effect<UnitExecutor | undefined, Fatal> => {
  const e = spec.executor
  if (e?.kind !== "bullmq") return Effect.succeed(undefined)
  const u = url(e.redis_url ?? "")
  return u === undefined
    ? Effect.fail(
        new Fatal({
          reason: "Config",
          message: `executor.redis_url: ${e.redis_url ?? "(none)"} names no Redis: set the variable it names (e.g. REDIS_URL=redis://127.0.0.1:6379)`
        })
      )
    : Effect.succeed(
        bullmqExecutor({ url: u, prefix: e.prefix ?? DEFAULT_PREFIX, namespace: namespace.id, fresh: namespace.fresh })
      )
}
