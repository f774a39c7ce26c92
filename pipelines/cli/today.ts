import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { type QueueJob, type QueueStatus, type StatusRecord, todayQueue } from "../../transforms/queue/rank.ts"
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

// Relevant jobs (no score row yet counts as relevant, as in `leads`), with each company's signals as why-now lines.
const QUEUE_SQL = `
select j.id as job_key, j.company, j.title, coalesce(s.fit_score, 0) / 100.0 as fit,
       strftime(j.first_seen, '%Y-%m-%d') as first_seen, coalesce(j.content_hash, j.id) as content_hash,
       coalesce(json_array_length(j.sources), 1)::integer as boards,
       (select list(coalesce(g.why_now, g.type) order by g.signal_date desc)
          from company_jobs c join signals g on g.company_key = c.company_key
         where c.job_id = j.id and g.signal_date <= $1::date) as why_now
from jobs j left join job_scores s on s.job_id = j.id
where coalesce(s.relevant, true) and j.first_seen::date <= $1::date`

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
      yield* print(
        formatTable(
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
        )
      )
    }).pipe(Effect.catchAll((e) => printErr(`error: ${(e as Error).message}`).pipe(Effect.zipRight(fail(1)))))
).pipe(Command.withDescription("Today's queue: relevant jobs ranked by fit, freshness, company signals and boards."))
