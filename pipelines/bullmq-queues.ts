import { Redacted } from "effect"
import { createHash } from "node:crypto"
import { lazyRequire } from "../core/lazy-require.ts"
import type { HostGroup } from "./executor.ts"

/** Loaded on the first unit a run hands to BullMQ: `run`, `validate` and the in-process executor never pay for it. */
export const bullmq = lazyRequire<typeof import("bullmq")>(import.meta.url, "bullmq")
const ioredis = lazyRequire<typeof import("ioredis")>(import.meta.url, "ioredis")

export type Redis = import("ioredis").Redis

export const DEFAULT_PREFIX = "jobsignal"

/**
 * A Redis connection that waits out a Redis restart instead of failing: commands queue while it reconnects
 * (BullMQ requires `maxRetriesPerRequest: null` for that), retried every second at most.
 */
export const redisConnection = (url: Redacted.Redacted<string>): Redis =>
  new (ioredis().Redis)(Redacted.value(url), {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 100, 1000)
  })

/**
 * One queue per host group (a source and the host it asks), so BullMQ's per-queue concurrency and rate limit are
 * that source's politeness towards that host, whichever workers take from it.
 */
export const queueName = (g: Pick<HostGroup, "host" | "source">) =>
  `units-${g.source}-${g.host}`.replace(/[^A-Za-z0-9.-]/g, "_")

/** The hash the coordinator lists its queues in (name → host group), which workers watch to take from them. */
export const queuesKey = (prefix: string) => `${prefix}:host-groups`

/** Where a node's `with` is kept once for all its units (a 20,000-board list is not copied into every job). */
export const optionsKey = (prefix: string, runId: string, node: string) => `${prefix}:options:${runId}:${node}`

/**
 * A unit's job id: the same for the same unit of the same node in a run and its resumes, so adding it again is a
 * no-op while it waits or runs, and a finished one is read back instead of fetched again. Hashed: BullMQ ids
 * cannot hold `:`, which board keys can.
 */
export const unitJobId = (namespace: string, node: string, unit: string) =>
  `u${createHash("sha1").update(`${namespace}\u0000${node}\u0000${unit}`).digest("hex")}`

/**
 * How long finished units of a node not yet committed stay in Redis: long enough for a `--resume` the next morning
 * to read them back. A committed node's units are removed at once (`release`); this is the backstop for a
 * coordinator that never came back.
 */
export const KEEP_FINISHED_S = 3 * 86_400

/**
 * BullMQ's own retention of a finished job: by age, and at most this many per host group queue (the 21,000-board
 * universe twice over), so Redis stays bounded whatever coordinators leave behind.
 */
export const KEEP_FINISHED = { age: KEEP_FINISHED_S, count: 50_000 } as const

export const parseGroup = (raw: string): HostGroup | undefined => {
  try {
    const g = JSON.parse(raw) as HostGroup
    return typeof g.host === "string" && typeof g.concurrency === "number" ? g : undefined
  } catch {
    return undefined
  }
}

/** Where live workers say what they can run (a sorted set per capability: worker id → last said, epoch ms). */
export const capabilityKey = (prefix: string, capability: string) => `${prefix}:capability:${capability}`

/** A worker that has not said it for this long is gone: it says it every second while it runs. */
export const CAPABILITY_TTL_MS = 15_000
