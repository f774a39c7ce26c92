import { Effect } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import { displayCompanyName } from "../../model/company.ts"
import { type QueueItem, type QueueJob, type QueueStatus, type StatusRecord, todayQueue } from "./rank.ts"
import { listedRoles, namesNoSingleRole } from "../lexical.ts"
import { readTitle, ROLE_NOT_STATED } from "./title.ts"

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

/**
 * Relevant jobs opened by `$1` (no score row yet counts as relevant, as in `leads`), with the company's
 * signals of the year before `$1` as why-now lines and its YC-directory facts and open roles as context.
 * `body` is read only for posts whose title names no role, to read one from the text.
 */
export const QUEUE_SQL = `
with d as (select $1::date as as_of)
select j.id as job_key, coalesce(co.name, j.company) as company, j.title, coalesce(s.fit_score, 0) / 100.0 as fit,
       strftime(j.first_seen, '%Y-%m-%d') as first_seen,
       strftime(coalesce(least(j.posted_at, j.first_seen), j.first_seen), '%Y-%m-%d') as opened_at,
       coalesce(j.content_hash, j.id) as content_hash,
       coalesce(json_array_length(j.sources), 1)::integer as boards,
       case when regexp_matches(j.title, '(?i)\\(role not stated\\)|\\b(roles|positions|openings)\\b|^\\s*(multiple|various|several)\\b')
            then left(j.description_text, 4000) else left(j.description_text, 1500) end as body,
       j.company as posted_company,
       (select list(coalesce(g.why_now, g.title) || ' [' || g.type || ', ' || strftime(g.signal_date, '%Y-%m-%d') || ']'
                    order by g.signal_date desc)
          from signals g
         where g.company_key = c.company_key and g.company_key <> '(unattributed)'
           and g.signal_date <= d.as_of and g.signal_date > d.as_of - interval 365 day) as why_now,
       co.yc_batch, co.team_size, co.is_hiring,
       (select count(*) from company_jobs c2 where c2.company_key = c.company_key)::integer as company_roles
from jobs j cross join d
left join job_scores s on s.job_id = j.id
left join company_jobs c on c.job_id = j.id
left join companies co on co.company_key = c.company_key
where coalesce(s.relevant, true) and coalesce(least(j.posted_at, j.first_seen), j.first_seen)::date <= d.as_of`

// A raise the posting itself mentions ("post–Series A", "raised $12M"): the company's own word, so shown as such.
const RAISE =
  /[^.\n]{0,40}\b(?:raised \$?[\d.]+\s?[mb]|series [a-e]\b|seed round|pre-seed|backed by [A-Z][\w&]+(?: [A-Z][\w&]+)?)[^.\n]{0,30}/i

/**
 * The title a person reads: a role read from the text of a post that names none (else null: it stays out), the
 * roles a multi-role post lists after its title, and an all-capitals title in title case.
 */
export const readableTitle = (raw: string, body: string | null): string | null => {
  if (raw === ROLE_NOT_STATED) return readTitle(body)
  if (namesNoSingleRole(raw)) {
    const roles = [...new Set(listedRoles(body ?? ""))].slice(0, 3)
    return roles.length > 0 ? `${raw}: ${roles.join(", ")}` : raw
  }
  return /[a-z]/.test(raw) || raw.length < 6 ? raw : raw.toLowerCase().replace(/\b[a-z]/g, (c) => c.toUpperCase())
}

/** What the queue shows of a company besides its signals. */
const contextOf = (r: Record<string, unknown>): string[] => {
  const out: string[] = []
  const yc = /\(YC ([SWFX]\d{2})\b/i.exec(String(r.posted_company ?? ""))?.[1]
  if (!r.yc_batch && yc) out.push(`YC ${yc.toUpperCase()} (the post)`)
  const raise = RAISE.exec(String(r.body ?? ""))?.[0]
  if (raise) out.push(`"${raise.trim()}" (the post)`)
  if (r.yc_batch)
    out.push(
      `YC ${r.yc_batch}${r.team_size ? `, ${r.team_size} people` : ""}${r.is_hiring ? ", hiring (YC directory)" : " (YC directory)"}`
    )
  const roles = Number(r.company_roles ?? 0)
  if (roles > 1) out.push(`${roles} roles open there`)
  return out
}

/**
 * Queue rows (QUEUE_SQL) as ranked items: a post whose title names no role gets one read from its
 * text, or stays out of the queue; company names are shown as a person reads them.
 */
export const queueFromRows = (
  rows: ReadonlyArray<Record<string, unknown>>,
  statuses: ReadonlyMap<string, StatusRecord>,
  opts: { asOf: string; lastLooked?: string | null; limit?: number }
): QueueItem[] => {
  const jobs: QueueJob[] = []
  for (const r of rows) {
    const title = readableTitle(String(r.title), r.body as string | null)
    if (!title) continue
    jobs.push({
      job_key: String(r.job_key),
      company: displayCompanyName(String(r.company)),
      title,
      fit: Number(r.fit),
      first_seen: String(r.first_seen),
      opened_at: String(r.opened_at ?? r.first_seen),
      content_hash: String(r.content_hash),
      boards: Number(r.boards),
      whyNow: (r.why_now as string[] | null) ?? [],
      context: contextOf(r)
    })
  }
  return todayQueue(jobs, statuses, opts)
}

/** Today's queue from the warehouse as of `asOf` (YYYY-MM-DD). */
export const queueAsOf = (asOf: string, limit = 20) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const rows = yield* w.query<Record<string, unknown>>(QUEUE_SQL, [asOf])
    const statuses = yield* loadStatuses
    return queueFromRows(rows, statuses, { asOf, limit })
  })

export const queueRows = (queue: ReadonlyArray<QueueItem>) =>
  queue.map((i) => ({
    score: i.score,
    company: i.company,
    title: i.title,
    opened: i.opened_at ?? i.first_seen,
    boards: i.boards,
    status: i.status ?? "",
    why_now: [...i.whyNow.slice(0, 1), ...(i.context ?? [])].join(" · "),
    id: i.job_key
  }))
