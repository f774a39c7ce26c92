import { Effect } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import { type QueueItem, type QueueStatus, type StatusRecord, todayQueue } from "./rank.ts"

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

/** Relevant jobs (no score row yet counts as relevant, as in `leads`), with each company's signals as why-now lines. */
export const QUEUE_SQL = `
select j.id as job_key, j.company, j.title, coalesce(s.fit_score, 0) / 100.0 as fit,
       strftime(j.first_seen, '%Y-%m-%d') as first_seen, coalesce(j.content_hash, j.id) as content_hash,
       coalesce(json_array_length(j.sources), 1)::integer as boards,
       (select list(coalesce(g.why_now, g.type) order by g.signal_date desc)
          from company_jobs c join signals g on g.company_key = c.company_key
         where c.job_id = j.id and g.signal_date <= $1::date) as why_now
from jobs j left join job_scores s on s.job_id = j.id
where coalesce(s.relevant, true) and j.first_seen::date <= $1::date`

/** Today's queue from the warehouse as of `asOf` (YYYY-MM-DD). */
export const queueAsOf = (asOf: string, limit = 20) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const rows = yield* w.query<Record<string, unknown>>(QUEUE_SQL, [asOf])
    const statuses = yield* loadStatuses
    return todayQueue(
      rows.map((r) => ({
        job_key: String(r.job_key),
        company: String(r.company),
        title: String(r.title),
        fit: Number(r.fit),
        first_seen: String(r.first_seen),
        content_hash: String(r.content_hash),
        boards: Number(r.boards),
        whyNow: (r.why_now as string[] | null) ?? []
      })),
      statuses,
      { asOf, limit }
    )
  })

export const queueRows = (queue: ReadonlyArray<QueueItem>) =>
  queue.map((i) => ({
    score: i.score,
    company: i.company,
    title: i.title,
    first_seen: i.first_seen,
    boards: i.boards,
    status: i.status ?? "",
    why_now: i.whyNow[0] ?? "",
    id: i.job_key
  }))
