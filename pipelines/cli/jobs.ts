import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { formatTable, toCsv } from "../console.ts"
import { ambiguousMessage, lookupJob, renderJobCard } from "./job-card.ts"
import { asOfDay, asOfOption, dbOption, fail, print, printErr } from "./shared.ts"
import { withWarehouseFile } from "./sql.ts"

type Rows = ReadonlyArray<Record<string, unknown>>
const render = (rows: Rows, format: "table" | "csv" | "json") =>
  format === "json" ? JSON.stringify(rows, null, 2) : format === "csv" ? toCsv(rows) : formatTable(rows)

const formatOption = Options.choice("format", ["table", "csv", "json"]).pipe(
  Options.withDefault("table" as const),
  Options.withDescription("How to print the rows (default table)")
)
const limitOption = Options.integer("limit").pipe(
  Options.withDefault(50),
  Options.withDescription("At most N rows (default 50)")
)
const isoDay = /^\d{4}-\d{2}-\d{2}$/

/** The filters of `jobsignal jobs` as SQL, every value a parameter. */
export const jobsQuery = (f: {
  tiers?: ReadonlyArray<string>
  relevant: boolean
  since?: string
  company?: string
  limit: number
}) => {
  const where: string[] = []
  const params: unknown[] = []
  const p = (v: unknown) => {
    params.push(v)
    return `$${params.length}`
  }
  if (f.tiers?.length) where.push(`s.tier in (${f.tiers.map((t) => p(t.toUpperCase())).join(", ")})`)
  if (f.relevant) where.push("s.relevant")
  if (f.since) where.push(`coalesce(j.posted_at, j.first_seen) >= ${p(f.since)}::date`)
  if (f.company) where.push(`j.company ilike ${p(`%${f.company}%`)}`)
  const sql = `select j.id, s.tier, s.fit_score as fit, j.title, j.company, j.location, j.remote,
      strftime(coalesce(j.posted_at, j.first_seen), '%Y-%m-%d') as posted, j.url
    from jobs j left join job_scores s on s.job_id = j.id
    ${where.length ? `where ${where.join(" and ")}` : ""}
    order by s.tier nulls last, s.fit_score desc nulls last, coalesce(j.posted_at, j.first_seen) desc
    limit ${Math.max(1, Math.floor(f.limit))}`
  return { sql, params }
}

/** `jobsignal jobs ID`: one job's card, or why there is none (exit 1), or the ids a short prefix matches (exit 2). */
const showJob = (id: string, format: "table" | "csv" | "json", db: string) =>
  Effect.gen(function* () {
    if (format === "csv") {
      yield* printErr("error: one job prints as table or json; --format csv is for lists (jobsignal jobs --format csv)")
      return yield* fail(2)
    }
    const found = yield* withWarehouseFile(db, false, (q) => lookupJob(q, id))
    if (found._tag === "NotFound") {
      const short = /^[0-9a-f]{1,3}$/i.test(id) ? "; give at least 4 characters of an id" : ""
      yield* printErr(`error: no job ${JSON.stringify(id)} in ${db} (jobsignal jobs lists ids${short})`)
      return yield* fail(1)
    }
    if (found._tag === "Ambiguous") {
      yield* printErr(`error: ${ambiguousMessage(id, found.ids)}`)
      return yield* fail(2)
    }
    yield* print(format === "json" ? JSON.stringify(found.card, null, 2) : renderJobCard(found.card))
  })

export const jobsCommand = Command.make(
  "jobs",
  {
    id: Args.text({ name: "JOB_ID" }).pipe(
      Args.withDescription("Show this one job (its id, or the start of it): posting, scores, signals, status"),
      Args.optional
    ),
    tier: Options.text("tier").pipe(
      Options.optional,
      Options.withDescription("Only these fit tiers, comma-separated (e.g. A,B)")
    ),
    relevant: Options.boolean("relevant").pipe(Options.withDescription("Only jobs the relevance filter kept")),
    since: Options.text("since").pipe(
      Options.optional,
      Options.withDescription("Only jobs posted (or first seen) on or after YYYY-MM-DD")
    ),
    company: Options.text("company").pipe(
      Options.optional,
      Options.withDescription("Only companies whose name contains NAME (any case)")
    ),
    limit: limitOption,
    format: formatOption,
    db: dbOption
  },
  ({ id, tier, relevant, since, company, limit, format, db }) =>
    Effect.gen(function* () {
      if (Option.isSome(id)) return yield* showJob(id.value, format, db)
      const day = Option.getOrUndefined(since)
      if (day !== undefined && (!isoDay.test(day) || Number.isNaN(Date.parse(day)))) {
        yield* printErr(`error: --since must be a date like 2026-01-31, got ${JSON.stringify(day)}`)
        return yield* fail(2)
      }
      const tiers = Option.getOrUndefined(tier)
        ?.split(",")
        .map((t) => t.trim())
        .filter(Boolean)
      const { sql, params } = jobsQuery({ tiers, relevant, since: day, company: Option.getOrUndefined(company), limit })
      const rows = yield* withWarehouseFile(db, false, (q) => q(sql, params))
      yield* print(render(rows, format))
      if (format === "table" && rows.length > 0)
        yield* printErr("(jobsignal jobs ID shows one of these; jobsignal job ID runs its intel layers)")
    }).pipe(Effect.catchAll((e) => printErr(`error: ${e.message}`).pipe(Effect.zipRight(fail(1)))))
).pipe(Command.withDescription("List jobs, best fit first, or show one job: posting, scores, signals, your status."))

export const leadsCommand = Command.make(
  "leads",
  { limit: limitOption, format: formatOption, db: dbOption, asOf: asOfOption },
  ({ limit, format, db, asOf }) =>
    asOfDay(asOf).pipe(
      Effect.flatMap((day) =>
        withWarehouseFile(db, false, (q) =>
          q(
            `select company_key, company, signal_type, strftime(signal_date, '%Y-%m-%d') as signal_date, score, open_jobs, why_now, source_url
             from leads_as_of($1::date) order by score desc, signal_date desc limit ${Math.max(1, Math.floor(limit))}`,
            [day]
          )
        )
      ),
      Effect.flatMap((rows) => print(render(rows, format))),
      Effect.catchAll((e) => printErr(`error: ${e.message}`).pipe(Effect.zipRight(fail(1))))
    )
).pipe(Command.withDescription("List companies with a fresh signal and open relevant roles, strongest first."))
