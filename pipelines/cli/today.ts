import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { type QueueJob, type QueueStatus, type StatusRecord, todayQueue } from "../../transforms/queue/rank.ts"
import { QUEUE_SQL, queueRows } from "../../transforms/queue/store.ts"
import { formatTable } from "../console.ts"
import { dbOption, fail, print, printErr } from "./shared.ts"
import { withWarehouseFile } from "./sql.ts"

const isoDay = /^\d{4}-\d{2}-\d{2}$/

const asOfOption = Options.text("as-of").pipe(
  Options.optional,
  Options.withDescription("The day the queue is computed for, YYYY-MM-DD (default today)")
)
const limitOption = Options.integer("limit").pipe(
  Options.withDefault(20),
  Options.withDescription("At most N items (default 20)")
)

export const todayCommand = Command.make(
  "today",
  { asOf: asOfOption, limit: limitOption, db: dbOption },
  ({ asOf, limit, db }) =>
    Effect.gen(function* () {
      const day = Option.getOrElse(asOf, () => new Date().toISOString().slice(0, 10))
      if (!isoDay.test(day)) return yield* Effect.fail(new Error(`--as-of ${JSON.stringify(day)}: expected YYYY-MM-DD`))
      const { jobs, statuses } = yield* withWarehouseFile(db, false, (q) =>
        Effect.all({
          jobs: q(QUEUE_SQL, [day]),
          statuses: q(
            "select job_key, status, content_hash, strftime(snooze_until, '%Y-%m-%d') as until from queue_status"
          ).pipe(Effect.orElseSucceed(() => []))
        })
      )
      const queue = todayQueue(
        jobs.map((r) => ({
          ...(r as unknown as QueueJob),
          fit: Number(r.fit),
          boards: Number(r.boards),
          whyNow: (r.why_now as string[] | null) ?? []
        })),
        new Map<string, StatusRecord>(
          statuses.map((r) => [
            String(r.job_key),
            { status: r.status as QueueStatus, content_hash: String(r.content_hash), until: r.until as string | null }
          ])
        ),
        { asOf: day, limit }
      )
      yield* print(`Today's queue as of ${day}: ${queue.length} item(s)`)
      yield* print(formatTable(queueRows(queue)))
    }).pipe(Effect.catchAll((e) => printErr(`error: ${(e as Error).message}`).pipe(Effect.zipRight(fail(1)))))
).pipe(Command.withDescription("Today's queue: relevant jobs ranked by fit, freshness, company signals and boards."))
