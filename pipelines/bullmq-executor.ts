import { Effect, type Redacted } from "effect"
import { Fatal, Retriable } from "../core/errors.ts"
import type { HostGroup, SourceUnitJob, TaskQueue, TaskResult, UnitExecutor, UnitResult } from "./executor.ts"
import {
  bullmq,
  CAPABILITY_TTL_MS,
  capabilityKey,
  DEFAULT_PREFIX,
  KEEP_FINISHED,
  KEEP_FINISHED_S,
  optionsKey,
  queueName,
  queuesKey,
  type Redis,
  redisConnection,
  unitJobId
} from "./bullmq-queues.ts"
import { type PackedResult, unpackResult } from "./bullmq-result.ts"

type Queue = import("bullmq").Queue
type QueueEvents = import("bullmq").QueueEvents

/** Jobs removed at once when a node is released: one round of Redis scripts, not 20,000 waits in a row. */
const RELEASE_BATCH = 500
/** How long the end of a run waits for its releases before leaving what remains to BullMQ's retention. */
const RELEASE_WAIT_MS = 30_000

interface AddBatch {
  readonly jobs: Array<{ name: string; data: Waiter["data"]; opts: import("bullmq").BulkJobOptions }>
  readonly waiters: Array<(e?: unknown) => void>
}

/** What one node put in Redis: job ids by queue name, and the keys of its options. */
interface NodeJobs {
  readonly ids: Map<string, Set<string>>
  readonly optionsKeys: Set<string>
}

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
  const queues = new Map<string, Promise<{ queue: Queue; events: QueueEvents; group: HostGroup }>>()
  const waiting = new Map<string, Waiter>()
  // Key → the options as stored, to put back if Redis comes back empty.
  const storedOptions = new Map<string, string>()
  // What a node left in Redis (its units' and tasks' jobs per queue, its options), removed once its output is
  // committed (see `release`).
  const byNode = new Map<string, NodeJobs>()
  const jobsOf = (node: string) => {
    let mine = byNode.get(node)
    if (!mine) byNode.set(node, (mine = { ids: new Map(), optionsKeys: new Set() }))
    return mine
  }
  // A completed event carries the unit's whole result: its stream entry goes with the job.
  const eventIds = new Map<string, string>()
  const releasing: Promise<void>[] = []
  // Connections given to BullMQ are not closed by it: a coordinator that left one open would never exit.
  const duplicates: Redis[] = []

  const connection = () => {
    if (redis) return redis
    const r = redisConnection(cfg.url)
    let readyBefore = false
    r.on("ready", () => {
      if (readyBefore) void recover().catch(() => {})
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

  /** What workers read of a host group: its politeness on the queue, and its entry in the list they watch. */
  const declare = async (queue: Queue, group: HostGroup) => {
    await queue.setGlobalConcurrency(group.concurrency)
    // Under 1/s (remotive's 0.5/s) is one unit per 1/rate seconds: rounded up to 1/s it would ask twice as often.
    if (group.perSecond !== undefined)
      await (group.perSecond >= 1
        ? queue.setGlobalRateLimit(Math.floor(group.perSecond), 1000)
        : queue.setGlobalRateLimit(1, Math.ceil(1000 / group.perSecond)))
    else await queue.removeGlobalRateLimit()
    await connection().hset(queuesKey(cfg.prefix), queue.name, JSON.stringify(group))
  }

  /**
   * After a reconnect. Redis run without an append-only file comes back empty: the options, host groups and queue
   * limits this coordinator declared go back first (all idempotent), then every unit still awaited is looked up and
   * added again if it is gone.
   */
  const recover = async () => {
    const conn = connection()
    for (const [key, value] of storedOptions) await conn.set(key, value, "EX", KEEP_FINISHED_S)
    for (const q of queues.values()) {
      const { queue, group } = await q
      await declare(queue, group)
    }
    for (const [id, w] of waiting) void submit(id, w).catch(() => {})
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
        events.on("completed", ({ jobId, returnvalue }, eventId) => {
          if (waiting.has(jobId)) eventIds.set(jobId, eventId)
          settle(jobId, unpackResult(returnvalue as unknown as PackedResult<JobResult>))
        })
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
        await declare(queue, group)
        return { queue, events, group }
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
    const existing = first ? undefined : await bullmq().Job.fromId<Waiter["data"], PackedResult<JobResult>>(queue, id)
    if (existing) {
      const state = await existing.getState()
      const result = state === "completed" && existing.returnvalue ? unpackResult(existing.returnvalue) : undefined
      // A unit that ended in its own error is run again on a resume or node retry: that error may have passed.
      if (result && !result.error && result.defect === undefined) return settle(id, result)
      if (state === "failed") return void (await existing.retry("failed"))
      if (state !== "completed") return
      await existing.remove()
    }
    await add(queue, id, w.data)
  }

  // Units put on a queue in one turn of the event loop go in one addBulk: one round trip to Redis for the
  // thousand units a node starts with, and for the several it starts as one read of events settles several.
  const adding = new Map<string, AddBatch>()
  const add = (queue: Queue, id: string, data: Waiter["data"]) =>
    new Promise<void>((resolve, reject) => {
      let batch = adding.get(queue.name)
      if (!batch) {
        const b: AddBatch = { jobs: [], waiters: [] }
        adding.set(queue.name, b)
        setImmediate(() => {
          adding.delete(queue.name)
          queue.addBulk(b.jobs).then(
            () => b.waiters.forEach((w) => w()),
            (e) => b.waiters.forEach((w) => w(e ?? new Error("addBulk failed")))
          )
        })
        batch = b
      }
      batch.jobs.push({
        name: "task" in data ? "task" : "unit",
        data,
        opts: { jobId: id, removeOnComplete: KEEP_FINISHED, removeOnFail: KEEP_FINISHED }
      })
      batch.waiters.push((e) => (e === undefined ? resolve() : reject(e)))
    })

  const storeOptions = async (job: SourceUnitJob) => {
    const key = optionsKey(cfg.prefix, job.runId, job.node)
    jobsOf(job.node).optionsKeys.add(key)
    if (!storedOptions.has(key)) {
      const value = JSON.stringify(job.options)
      storedOptions.set(key, value)
      await connection().set(key, value, "EX", KEEP_FINISHED_S)
    }
    return key
  }

  /** Puts one job on its group's queue and waits for its result; `data` is made once the queue is open. */
  const awaitJob = <R extends JobResult>(
    id: string,
    node: string,
    group: HostGroup,
    what: string,
    data: () => Promise<Waiter["data"]>
  ) =>
    Effect.async<R, Retriable | Fatal>((resume) => {
      const start = async () => {
        const d = await data()
        const { ids } = jobsOf(node)
        const name = queueName(group)
        let inQueue = ids.get(name)
        if (!inQueue) ids.set(name, (inQueue = new Set()))
        inQueue.add(id)
        await openQueue(group)
        const w: Waiter = {
          queue: name,
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

  /** Removes a committed node's jobs (their results), their completed events and its options, in bounded batches. */
  const forget = async (node: string, mine: NodeJobs) => {
    const conn = connection()
    for (const [name, inQueue] of mine.ids) {
      const { queue } = await queues.get(name)!
      const ids = [...inQueue]
      for (let i = 0; i < ids.length; i += RELEASE_BATCH)
        await Promise.all(ids.slice(i, i + RELEASE_BATCH).map((id) => queue.remove(id).catch(() => 0)))
      const events = ids.flatMap((id) => {
        const e = eventIds.get(id)
        eventIds.delete(id)
        return e === undefined ? [] : [e]
      })
      for (let i = 0; i < events.length; i += RELEASE_BATCH)
        await conn.xdel(queue.keys.events!, ...events.slice(i, i + RELEASE_BATCH))
    }
    // The first run's options too, on a resume: its queued units named them.
    await conn.del(...mine.optionsKeys, optionsKey(cfg.prefix, cfg.namespace, node))
  }

  const release = (node: string) =>
    Effect.sync(() => {
      const mine = byNode.get(node)
      if (!mine) return
      byNode.delete(node)
      releasing.push(forget(node, mine).catch(() => {}))
    })

  const runSourceUnit = (job: SourceUnitJob, group: HostGroup) =>
    awaitJob<UnitResult>(
      unitJobId(cfg.namespace, job.node, job.unit.key),
      job.node,
      group,
      `unit ${job.unit.key}`,
      async () => {
        const { options: _, ...rest } = job
        return { ...rest, optionsKey: await storeOptions(job) }
      }
    )

  const runTask = (queue: TaskQueue, node: string, key: string, payload: unknown) =>
    awaitJob<TaskResult>(unitJobId(cfg.namespace, node, key), node, queue, `${node} task ${key}`, async () => ({
      task: payload
    }))

  const capable = (capability: string) =>
    Effect.promise(() =>
      connection().zcount(capabilityKey(cfg.prefix, capability), Date.now() - CAPABILITY_TTL_MS, "+inf")
    )

  const close = Effect.promise(async () => {
    // With Redis away the removals wait for it: the run does not; BullMQ's retention takes what they leave.
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([
      Promise.all(releasing.splice(0)),
      new Promise((resolve) => {
        timer = setTimeout(resolve, RELEASE_WAIT_MS)
      })
    ])
    clearTimeout(timer)
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

  return { name: "bullmq", runSourceUnit, runTask, capable, release, close }
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
