import { toCsv } from "../console.ts"

/** The width `jobsignal search` keeps its table in: a terminal beside an editor, or a pasted message. */
export const TABLE_WIDTH = 100

/** JobSpy's output columns, from the deduplicated jobs of a run. */
export const JOBSPY_SQL = `select source as site, url as job_url, title, company, location,
  strftime(coalesce(posted_at, posted_before), '%Y-%m-%d') as date_posted, employment_type as job_type,
  salary_period as "interval", salary_min as min_amount, salary_max as max_amount, salary_currency as currency,
  remote = 'remote' as is_remote, description_text as description
  from jobs where last_run_id = $1 order by coalesce(posted_at, posted_before) desc nulls last, title`

const clip = (s: string, width: number) => (s.length <= width ? s : `${s.slice(0, width - 1)}…`)

const amount = (n: unknown) => {
  const v = Number(n)
  if (!Number.isFinite(v)) return null
  return v >= 1000 ? `${Math.round(v / 100) / 10}K`.replace(".0K", "K") : String(Math.round(v * 100) / 100)
}

/** A link without its tracking parameters (Google's `utm_*` on every result): it opens the same page. */
export const withoutTracking = (url: unknown): string => {
  const s = String(url ?? "")
  try {
    const u = new URL(s)
    for (const k of [...u.searchParams.keys()])
      if (/^(utm_|trk|refid$|gclid$|fbclid$)/i.test(k)) u.searchParams.delete(k)
    return u.toString()
  } catch {
    return s
  }
}

const PER: Record<string, string> = { year: "a year", month: "a month", week: "a week", day: "a day", hour: "an hour" }

/** Pay as a person writes it: "210K–240K USD a year", "70–80 an hour"; null without an amount. */
export const payText = (r: Record<string, unknown>): string | null => {
  const lo = r.min_amount == null ? null : amount(r.min_amount)
  const hi = r.max_amount == null ? null : amount(r.max_amount)
  if (!lo && !hi) return null
  const range = lo && hi && lo !== hi ? `${lo}–${hi}` : (lo ?? hi)
  const per = PER[String(r.interval ?? "")]
  return [range, r.currency, per].filter(Boolean).join(" ")
}

/**
 * The table view: one block per job, every line within TABLE_WIDTH — what, where, when, pay, then the link
 * (a link is never cut: a cut link does not open). CSV and JSON carry JobSpy's columns unchanged.
 */
export const searchTable = (rows: ReadonlyArray<Record<string, unknown>>): string => {
  const n = String(rows.length).length
  const pad = " ".repeat(n + 2)
  return rows
    .map((r, i) => {
      const head = `${String(i + 1).padStart(n)}. ${[r.title, r.company, r.location].filter(Boolean).join(" · ")}`
      const facts = [
        r.site,
        r.date_posted ? `posted ${r.date_posted}` : "date not stated",
        r.job_type,
        payText(r),
        r.is_remote ? "remote" : null
      ].filter(Boolean)
      return [
        clip(head, TABLE_WIDTH),
        clip(`${pad}${facts.join(" · ")}`, TABLE_WIDTH),
        `${pad}${withoutTracking(r.job_url)}`
      ].join("\n")
    })
    .join("\n")
}

export const searchBody = (rows: ReadonlyArray<Record<string, unknown>>, format: "table" | "csv" | "json") =>
  format === "json" ? JSON.stringify(rows, null, 2) : format === "csv" ? toCsv(rows) : searchTable(rows)

const folded = (s: unknown) =>
  String(s ?? "")
    .toLowerCase()
    .replace(/[^a-z]/g, "")

/** JobSpy's `job_type` filter (fulltime, parttime, contract, internship) over the rows' employment types. */
export const ofJobType = (rows: ReadonlyArray<Record<string, unknown>>, jobType: string | undefined) => {
  const jt = folded(jobType)
  // "contract" is written "contractor" by Google and LinkedIn's JSON-LD.
  return jt ? rows.filter((x) => folded(x.job_type).includes(jt.replace(/or$/, ""))) : rows
}
