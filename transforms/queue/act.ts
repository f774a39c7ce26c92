import { Data, Effect } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import type { QueueStatus } from "./rank.ts"
import { QUEUE_STATUSES, setStatus } from "./store.ts"

/** The action names a job or a status the queue does not know: the caller fixes the command. */
export class QueueActionError extends Data.TaggedError("QueueActionError")<{ readonly message: string }> {}

export interface QueueAction {
  readonly job_id: string
  readonly status: QueueStatus
  readonly content_hash: string
  readonly until: string | null
  /** Whether the embedded level-2 document (table mongo_level_2) got the status too. */
  readonly level2: boolean
}

/**
 * One person's action on a queue item (`applied`, `dismiss`, `snooze` until a day, `interested`): kept
 * in `queue_status` against the posting's current content hash (a changed posting comes back), and in
 * the embedded level-2 document's `status` field, the field the user's own UI sets.
 */
export const actOnJob = (jobId: string, status: string, opts: { until?: string | null; at: string }) =>
  Effect.gen(function* () {
    if (!QUEUE_STATUSES.includes(status as QueueStatus))
      return yield* new QueueActionError({
        message: `status ${JSON.stringify(status)}: expected one of ${QUEUE_STATUSES.join(", ")}`
      })
    if (status === "snooze" && !opts.until)
      return yield* new QueueActionError({ message: "snooze needs the day it comes back (--until YYYY-MM-DD)" })
    if (opts.until && !/^\d{4}-\d{2}-\d{2}$/.test(opts.until))
      return yield* new QueueActionError({ message: `until ${JSON.stringify(opts.until)}: expected YYYY-MM-DD` })
    const w = yield* Warehouse
    const job = yield* w.query<{ h: string }>("select coalesce(content_hash, id) as h from jobs where id = $1", [jobId])
    if (job.length === 0)
      return yield* new QueueActionError({ message: `job ${JSON.stringify(jobId)} is not in the warehouse's jobs` })
    yield* setStatus(jobId, status as QueueStatus, job[0].h, { until: opts.until ?? null, at: opts.at })
    const embedded = yield* w.query<{ n: number }>(
      "select count(*)::int as n from information_schema.tables where table_name = 'mongo_level_2'"
    )
    let level2 = false
    if (embedded[0].n > 0) {
      const hit = yield* w.query<{ n: number }>("select count(*)::int as n from mongo_level_2 where id = $1", [jobId])
      if (hit[0].n > 0) {
        yield* w.exec(
          "update mongo_level_2 set doc = json_merge_patch(doc, json_object('status', $2::varchar, 'status_updated_at', $3::varchar)) where id = $1",
          [jobId, status, opts.at]
        )
        level2 = true
      }
    }
    return {
      job_id: jobId,
      status: status as QueueStatus,
      content_hash: job[0].h,
      until: status === "snooze" ? (opts.until ?? null) : null,
      level2
    } satisfies QueueAction
  })
