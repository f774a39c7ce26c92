import { Effect } from "effect"
import type { Query } from "./sql.ts"

/**
 * One job as a person reads it before deciding: the posting, where it was seen, how it was scored and why, the
 * company's recent signals, what they did with it, and which intel layers ran. Every read goes through `q`, so
 * it answers the same whether `jobsignal up` owns the warehouse or the file is opened here.
 */
export interface JobCard {
  readonly job: Record<string, unknown>
  readonly sightings: ReadonlyArray<Record<string, unknown>>
  readonly score: Record<string, unknown> | null
  readonly signals: ReadonlyArray<Record<string, unknown>>
  readonly status: Record<string, unknown> | null
  readonly intel: Record<string, unknown> | null
}

export type JobLookup =
  | { readonly _tag: "Found"; readonly card: JobCard }
  | { readonly _tag: "NotFound" }
  | { readonly _tag: "Ambiguous"; readonly ids: ReadonlyArray<string> }

// Job ids are hex digests; a shorter hex string is taken as a prefix, as git takes a short commit id.
const PREFIX = /^[0-9a-f]{4,}$/i

const first = (rows: ReadonlyArray<Record<string, unknown>>) => rows[0] ?? null

/** The job ids `idOrPrefix` names: itself when it is one, else (up to 6) those it is the start of. */
const matchingIds = (q: Query, idOrPrefix: string) =>
  q(
    PREFIX.test(idOrPrefix)
      ? "select id from jobs where id = $1 or starts_with(id, lower($1)) order by id limit 6"
      : "select id from jobs where id = $1",
    [idOrPrefix]
  ).pipe(
    Effect.map((rows) => {
      const ids = rows.map((r) => String(r.id))
      return ids.includes(idOrPrefix) ? [idOrPrefix] : ids
    })
  )

export const ambiguousMessage = (idOrPrefix: string, ids: ReadonlyArray<string>) =>
  `${JSON.stringify(idOrPrefix)} is the start of several job ids: ${ids.join(", ")}; give more of it`

/**
 * The full id for a command that acts on one job (`job`, `today ACTION`): a unique prefix becomes its id, an id
 * that matches nothing is passed on unchanged (the command says it is unknown), an ambiguous one is an error.
 */
export const expandJobId = (q: Query, idOrPrefix: string) =>
  matchingIds(q, idOrPrefix).pipe(
    Effect.flatMap((ids) =>
      ids.length > 1 ? Effect.fail(new Error(ambiguousMessage(idOrPrefix, ids))) : Effect.succeed(ids[0] ?? idOrPrefix)
    )
  )

export const lookupJob = (q: Query, idOrPrefix: string) =>
  Effect.gen(function* () {
    const ids = yield* matchingIds(q, idOrPrefix)
    if (ids.length !== 1)
      return (ids.length === 0 ? { _tag: "NotFound" } : { _tag: "Ambiguous", ids }) satisfies JobLookup as JobLookup
    const id = ids[0]
    const job = first(
      yield* q(
        `select id, title, company, location, remote, employment_type, department,
                salary_min, salary_max, salary_currency, salary_period,
                strftime(posted_at, '%Y-%m-%d') as posted, strftime(posted_after, '%Y-%m-%d') as posted_after,
                strftime(posted_before, '%Y-%m-%d') as posted_before,
                strftime(first_seen, '%Y-%m-%d') as first_seen, strftime(last_seen, '%Y-%m-%d') as last_seen,
                url, apply_url, description_text
         from jobs where id = $1`,
        [id]
      )
    )
    if (!job) return { _tag: "NotFound" } satisfies JobLookup as JobLookup
    const sightings = yield* q(
      "select source, url, strftime(first_seen, '%Y-%m-%d') as first_seen from job_sightings where job_id = $1 order by first_seen, source",
      [id]
    )
    const score = first(
      yield* q(
        `select relevant, relevance_by, relevance_reason, fit_score, tier, fit_category, fit_rationale, fit_quote,
                scored_by, injection_suspected from job_scores where job_id = $1`,
        [id]
      )
    )
    const signals = yield* q(
      `select strftime(g.signal_date, '%Y-%m-%d') as date, g.type, coalesce(g.why_now, g.title) as what, g.source_url
       from signals g join company_jobs c on c.company_key = g.company_key
       where c.job_id = $1 and g.company_key <> '(unattributed)'
       order by g.signal_date desc nulls last limit 5`,
      [id]
    )
    const status = first(
      yield* q(
        `select status, strftime(snooze_until, '%Y-%m-%d') as until, strftime(updated_at, '%Y-%m-%d') as since
         from queue_status where job_key = $1`,
        [id]
      )
    )
    const intel = first(
      yield* q("select layer_status::varchar as layers, dossier_path, usd from job_intel where job_id = $1", [id])
    )
    return { _tag: "Found", card: { job, sightings, score, signals, status, intel } } satisfies JobLookup as JobLookup
  })

const WIDTH = 100
const DESCRIPTION_CHARS = 1_200

const wrapText = (text: string, indent: string): string[] => {
  const out: string[] = []
  for (const para of text.split(/\n\s*\n/)) {
    let line = ""
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && indent.length + line.length + 1 + word.length > WIDTH) {
        out.push(indent + line)
        line = word
      } else line = line ? `${line} ${word}` : word
    }
    if (line) out.push(indent + line)
    out.push("")
  }
  while (out.at(-1) === "") out.pop()
  return out
}

const money = (n: unknown) => (typeof n === "number" ? Math.round(n).toLocaleString("en-US") : null)

const payLine = (j: Record<string, unknown>) => {
  const lo = money(j.salary_min)
  const hi = money(j.salary_max)
  if (!lo && !hi) return null
  const range = lo && hi && lo !== hi ? `${lo}–${hi}` : (lo ?? hi)
  return [j.salary_currency, range, j.salary_period ? `a ${j.salary_period}` : null].filter(Boolean).join(" ")
}

const postedLine = (j: Record<string, unknown>) => {
  // A board that says only "30+ days ago" gives a range, never a made-up day.
  const posted =
    j.posted ??
    (j.posted_after || j.posted_before ? `between ${j.posted_after ?? "?"} and ${j.posted_before ?? "?"}` : null)
  return [
    posted ? `posted ${posted}` : "posting date not given",
    `first seen ${j.first_seen}`,
    `last seen ${j.last_seen}`
  ].join(" · ")
}

const scoreLine = (s: Record<string, unknown> | null) => {
  if (!s) return "not scored yet (run the DAG: relevance, then fit_score)"
  const relevance =
    s.relevant === null || s.relevant === undefined
      ? "relevance not judged"
      : `${s.relevant ? "relevant" : "not relevant"} (${s.relevance_by ?? "?"})`
  const fit =
    s.fit_score === null || s.fit_score === undefined ? "no fit score" : `fit ${s.fit_score} · tier ${s.tier ?? "?"}`
  return [
    fit,
    relevance,
    s.scored_by ? `scored by ${s.scored_by}` : null,
    s.injection_suspected ? "⚠ prompt injection suspected" : null
  ]
    .filter(Boolean)
    .join(" · ")
}

/** The card as text within 100 columns: the head a person scans, then the first part of the description. */
export const renderJobCard = (c: JobCard): string => {
  const j = c.job
  const lines = [`${j.title} — ${j.company}`, `  id ${j.id}`]
  const where = [
    j.location,
    j.remote === true ? "remote" : j.remote === false ? "on site" : null,
    j.employment_type,
    j.department
  ]
    .filter((x) => x !== null && x !== undefined && x !== "")
    .join(" · ")
  if (where) lines.push(`  ${where}`)
  const pay = payLine(j)
  lines.push(`  pay: ${pay ?? "not stated"}`)
  lines.push(`  ${postedLine(j)}`)
  if (j.url) lines.push(`  link: ${j.url}`)
  if (j.apply_url && j.apply_url !== j.url) lines.push(`  apply: ${j.apply_url}`)
  lines.push(`  score: ${scoreLine(c.score)}`)
  const rationale = typeof c.score?.fit_rationale === "string" ? c.score.fit_rationale : ""
  const reason = typeof c.score?.relevance_reason === "string" ? c.score.relevance_reason : ""
  for (const [label, text] of [
    ["why this fit", rationale],
    // The lexical scorer gives both the same words; once is enough.
    ["relevance", rationale && reason.startsWith(rationale) ? "" : reason],
    ["quote", c.score?.fit_quote]
  ] as const)
    if (typeof text === "string" && text.trim()) lines.push(...wrapText(`${label}: ${text}`, "  "))
  if (c.sightings.length > 0) {
    lines.push(`  seen on ${c.sightings.length} board${c.sightings.length === 1 ? "" : "s"}:`)
    for (const s of c.sightings) lines.push(`    ${s.source}  ${s.first_seen}  ${s.url ?? ""}`.trimEnd())
  }
  if (c.signals.length > 0) {
    lines.push("  company signals:")
    for (const s of c.signals) lines.push(...wrapText(`${s.date ?? "undated"} · ${s.type} · ${s.what ?? ""}`, "    "))
  } else lines.push("  company signals: none recorded")
  lines.push(
    `  your status: ${c.status ? `${c.status.status}${c.status.until ? ` until ${c.status.until}` : ""} (since ${c.status.since})` : "none yet"}`
  )
  lines.push(
    c.intel
      ? `  intel: ${c.intel.layers ?? "no layer status"}${c.intel.dossier_path ? ` · dossier ${c.intel.dossier_path}` : ""} · $${Number(c.intel.usd ?? 0).toFixed(4)}`
      : "  intel: not run (jobsignal job ID runs the layers)"
  )
  const text = typeof j.description_text === "string" ? j.description_text.trim() : ""
  lines.push("")
  if (!text) lines.push("  (the posting has no description text)")
  else {
    const cut = text.length > DESCRIPTION_CHARS
    lines.push(...wrapText(cut ? `${text.slice(0, DESCRIPTION_CHARS).trimEnd()} …` : text, "  "))
    if (cut) lines.push("", `  (${text.length.toLocaleString("en-US")} characters; --format json prints all of it)`)
  }
  return lines.join("\n")
}
