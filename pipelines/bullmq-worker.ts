import type { Redacted } from "effect"
import type { QueuedUnit } from "./bullmq-executor.ts"
import { hostname } from "node:os"
import { bullmq, CAPABILITY_TTL_MS, capabilityKey, parseGroup, queuesKey, redisConnection } from "./bullmq-queues.ts"
import { packResult } from "./bullmq-result.ts"
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
    if (down) {
      cfg.log("Redis reachable again")
      heldForRedis = 0
      onSettled()
    }
    down = false
  })
  const workers = new Map<string, Worker>()
  const options = new Map<string, Record<string, unknown>>()
  const connections: ReturnType<typeof redisConnection>[] = []
  let done = 0
  let reported = 0
  // What a stop would abandon: units being run, and results finished while Redis is away (BullMQ hands them back
  // when it returns). Once Redis is back they are its: taken, or the coordinator adds the unit again.
  let inHand = 0
  let heldForRedis = 0
  const unsettled = () => inHand + heldForRedis
  let onSettled = () => {}

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

  // Counts a unit or task in hand until it settles, so a stop drains both.
  const held = async <T>(work: () => Promise<T>): Promise<T> => {
    inHand++
    try {
      const result = await work()
      done++
      if (down) heldForRedis++
      return result
    } finally {
      inHand--
      onSettled()
    }
  }

  const processor = (job: import("bullmq").Job<QueuedUnit>) =>
    held(async () => {
      const { optionsKey, ...rest } = job.data
      const opts = await optionsOf(optionsKey)
      const result = opts
        ? await cfg.run({ ...rest, options: opts })
        : configFailure(`the options of ${rest.node} are gone from Redis (${optionsKey}): rerun the node`)
      return packResult(result)
    })

  // A task queue whose handler this worker lacks or refuses (no key for its provider) is never taken from.
  const handlerOf = (group: NonNullable<ReturnType<typeof parseGroup>>) => {
    const q = group as TaskQueue
    if (typeof q.handler !== "string") return undefined
    return cfg.handlers?.find((h) => h.name === q.handler && h.accepts(q)) ?? null
  }
  // A task's result travels plain: the coordinator's unpackResult passes it through.
  const taskProcessor = (h: TaskHandler) => (job: import("bullmq").Job<{ task: unknown }>) =>
    held(() => h.run(job.data.task, job.attemptsStarted))
  const refused = new Set<string>()

  let joining = false
  const join = async () => {
    // While Redis is away the lookup waits for it: one at a time, not four more a second.
    if (joining) return
    joining = true
    const groups = await redis.hgetall(queuesKey(cfg.prefix)).finally(() => {
      joining = false
    })
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
  // Not awaited: with Redis away at start the worker waits for it here, and a SIGTERM must still stop it.
  advertise().catch(() => {})
  join().catch(() => {})
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

  const reachable = () => !down && redis.status === "ready"

  return {
    /**
     * Takes no new unit, gives those in hand `graceMs` (or until `now` resolves: a second signal) to finish and be
     * handed back, then lets go of Redis: politely when it answers, at once when it does not (BullMQ's own close
     * waits for Redis forever). Says how many units it left unfinished; their locks expire and another worker runs
     * them.
     */
    close: async (opts: { readonly graceMs: number; readonly now: Promise<void> }) => {
      clearInterval(watch)
      await Promise.all([...workers.values()].map((w) => w.pause(true).catch(() => {})))
      if (unsettled() > 0)
        cfg.log(
          `stopping: no new units; ${unsettled()} in hand get up to ${formatSeconds(opts.graceMs)} to finish (signal again to stop now)`
        )
      // True when `p` ended within `ms` and no second signal came first.
      const within = <T>(p: Promise<T>, ms: number) => {
        let timer: ReturnType<typeof setTimeout> | undefined
        return Promise.race([
          p.then(() => true),
          opts.now.then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), ms)
          })
        ]).finally(() => clearTimeout(timer))
      }
      const drained = new Promise<void>((resolve) => {
        onSettled = () => unsettled() === 0 && resolve()
        onSettled()
      })
      await within(drained, opts.graceMs)
      // Unheard-of workers drop out of the capability count on their own (CAPABILITY_TTL_MS): no need to wait
      // for a Redis that is away.
      if (reachable())
        await within(
          Promise.all(capabilities.map((c) => redis.zrem(capabilityKey(cfg.prefix, c), me))),
          CLOSE_MS
        ).catch(() => false)
      const polite = unsettled() === 0 && reachable()
      const closed = polite && (await within(Promise.all([...workers.values()].map((w) => w.close())), CLOSE_MS))
      if (!closed)
        await within(Promise.all([...workers.values()].map((w) => w.close(true).catch(() => {}))), FORCED_CLOSE_MS)
      for (const c of connections) c.disconnect()
      redis.disconnect()
      const left = unsettled()
      cfg.log(
        `stopped after ${done} units` +
          (left > 0
            ? `; ${left} left unfinished (${reachable() ? "grace period over" : "Redis not reachable"}): their locks expire and another worker runs them`
            : closed
              ? ""
              : " (Redis not reachable: connections dropped)")
      )
      return { unfinished: left }
    }
  }
}

/** How long a polite close may take once no unit is in hand, and a forced one in any case. */
const CLOSE_MS = 5_000
const FORCED_CLOSE_MS = 1_000

const formatSeconds = (ms: number) => `${Math.round(ms / 100) / 10} s`
