import { Effect } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import type { QueueStatus, StatusRecord } from "./rank.ts"

export const QUEUE_STATUSES: ReadonlyArray<QueueStatus> = ["applied", "dismiss", "snooze", "interested"]

/** Records one action; the latest action on a job replaces the one before. */
export const setStatus = (
  jobKey: string,
  status: QueueStatus,
  contentHash: string,
  opts: { until?: string | null; at: string }
) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    yield* w.exec(
      `insert or replace into queue_status (job_key, status, content_hash, snooze_until, updated_at)
       values ($1, $2, $3, $4::date, $5::timestamp)`,
      [jobKey, status, contentHash, status === "snooze" ? (opts.until ?? null) : null, opts.at]
    )
  })

export const loadStatuses = Effect.gen(function* () {
  const w = yield* Warehouse
  const rows = yield* w.query<{ job_key: string; status: QueueStatus; content_hash: string; until: string | null }>(
    "select job_key, status, content_hash, strftime(snooze_until, '%Y-%m-%d') as until from queue_status"
  )
  return new Map<string, StatusRecord>(
    rows.map((r) => [r.job_key, { status: r.status, content_hash: r.content_hash, until: r.until }])
  )
})

/** Remembers the visit, returning the one before (null on the first look). */
export const markLooked = (at: string) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const prev = yield* w.query<{ t: string }>(
      "select strftime(last_looked, '%Y-%m-%dT%H:%M:%S') as t from queue_looks where id = 1"
    )
    yield* w.exec("insert or replace into queue_looks values (1, $1::timestamp)", [at])
    return prev[0]?.t ?? null
  })
