import type { Redacted } from "effect"
import type { QueuedUnit } from "./bullmq-executor.ts"
import { hostname } from "node:os"
import { bullmq, CAPABILITY_TTL_MS, capabilityKey, parseGroup, queuesKey, redisConnection } from "./bullmq-queues.ts"
import { configFailure, type SourceUnitJob, type TaskHandler, type TaskQueue, type UnitResult } from "./executor.ts"

type Worker = import("bullmq").Worker

export interface UnitWorkersConfig {
  readonly url: Redacted.Redacted<string>
  readonly prefix: string
  /** Units one queue runs at once in this process (the queue's global concurrency caps all workers together). */
  readonly concurrency: number
  /** How long a unit stays claimed by a worker that stopped answering before another worker runs it. */
  readonly lockMs: number
  readonly run: (job: SourceUnitJob) => Promise<UnitResult>
  /** Task queues (one LLM call) this worker can take from, besides source units. */
  readonly handlers?: ReadonlyArray<TaskHandler>
  readonly log: (line: string) => void
}

/**
 * A worker process's BullMQ side: it watches the host groups coordinators list, takes units from each group's
 * queue, and hands results back as the job's return value. A worker killed mid-unit leaves its job's lock to
 * expire; BullMQ's stalled-job check in any other worker puts the unit back, and it runs again.
 */
export const startUnitWorkers = async (cfg: UnitWorkersConfig) => {
  const { Worker } = bullmq()
  const redis = redisConnection(cfg.url)
  // Said once per outage: the client retries every second on its own, and so does every queue's connection.
  let down = false
  redis.on("error", (e) => {
    if (!down) cfg.log(`Redis not reachable (${e.message}); retrying every second`)
    down = true
  })
  redis.on("ready", () => {
    if (down) cfg.log("Redis reachable again")
    down = false
  })
  const workers = new Map<string, Worker>()
  const options = new Map<string, Record<string, unknown>>()
  const connections: ReturnType<typeof redisConnection>[] = []
  let done = 0
  let reported = 0

  const optionsOf = async (key: string) => {
    const cached = options.get(key)
    if (cached) return cached
    const raw = await redis.get(key)
    if (raw === null) return undefined
    const parsed = JSON.parse(raw) as Record<string, unknown>
    if (options.size > 256) options.clear()
    options.set(key, parsed)
    return parsed
  }

  const processor = async (job: import("bullmq").Job<QueuedUnit>) => {
    const { optionsKey, ...rest } = job.data
    const opts = await optionsOf(optionsKey)
    const result = opts
      ? await cfg.run({ ...rest, options: opts })
      : configFailure(`the options of ${rest.node} are gone from Redis (${optionsKey}): rerun the node`)
    done++
    return result
  }

  // A task queue whose handler this worker lacks or refuses (no key for its provider) is never taken from.
  const handlerOf = (group: NonNullable<ReturnType<typeof parseGroup>>) => {
    const q = group as TaskQueue
    if (typeof q.handler !== "string") return undefined
    return cfg.handlers?.find((h) => h.name === q.handler && h.accepts(q)) ?? null
  }
  const taskProcessor = (h: TaskHandler) => async (job: import("bullmq").Job<{ task: unknown }>) => {
    const result = await h.run(job.data.task, job.attemptsStarted)
    done++
    return result
  }
  const refused = new Set<string>()

  const join = async () => {
    const groups = await redis.hgetall(queuesKey(cfg.prefix))
    for (const [name, raw] of Object.entries(groups)) {
      if (workers.has(name) || refused.has(name)) continue
      const group = parseGroup(raw)
      if (!group) continue
      const handler = handlerOf(group)
      if (handler === null) {
        refused.add(name)
        continue
      }
      const conn = redisConnection(cfg.url)
      conn.on("error", () => {})
      connections.push(conn)
      const w = new Worker<any, unknown>(name, handler ? taskProcessor(handler) : processor, {
        connection: conn,
        prefix: cfg.prefix,
        concurrency: cfg.concurrency,
        lockDuration: cfg.lockMs,
        stalledInterval: Math.max(1000, Math.floor(cfg.lockMs / 2)),
        maxStalledCount: 3
      })
      w.on("error", () => {})
      workers.set(name, w)
      cfg.log(
        `taking ${group.source} units for ${group.host} from queue ${name} (${cfg.concurrency} here; ${group.concurrency} across all workers${group.perSecond ? `, ${group.perSecond}/s` : ""})`
      )
    }
  }

  // What this worker can run, said every second; a coordinator counts only workers heard from lately.
  const me = `${hostname()}:${process.pid}`
  const capabilities = (cfg.handlers ?? []).flatMap((h) => h.capabilities)
  const advertise = async () => {
    const now = Date.now()
    for (const c of capabilities) {
      await redis.zadd(capabilityKey(cfg.prefix, c), now, me)
      await redis.zremrangebyscore(capabilityKey(cfg.prefix, c), "-inf", now - CAPABILITY_TTL_MS)
    }
  }
  await advertise()
  await join()
  // A coordinator lists a host group as its node starts: looked for four times a second, so a node's first units
  // wait a quarter second at most; progress is said once a second.
  let ticks = 0
  const watch = setInterval(() => {
    join().catch(() => {})
    if (ticks % 4 === 0) advertise().catch(() => {})
    if (++ticks % 4 === 0 && done !== reported) {
      cfg.log(`${done} units done`)
      reported = done
    }
  }, 250)

  return {
    /** Finishes the units in hand (BullMQ waits for them), then lets go of Redis. */
    close: async () => {
      clearInterval(watch)
      await Promise.all(capabilities.map((c) => redis.zrem(capabilityKey(cfg.prefix, c), me))).catch(() => {})
      await Promise.all([...workers.values()].map((w) => w.close()))
      for (const c of connections) c.disconnect()
      redis.disconnect()
      cfg.log(`stopped after ${done} units`)
    }
  }
}
