import { Effect } from "effect"
import { createHash } from "node:crypto"
import { Warehouse } from "../../sinks/warehouse.ts"
import { JOB_COLUMNS } from "../job-prompt.ts"
import type { JobText } from "../lexical.ts"

/** The job_intel columns a layer may write (the user's level-2 field names). */
export const INTEL_COLUMNS = [
  "extracted_jd",
  "pain_points",
  "strategic_needs",
  "risks_if_unfilled",
  "success_metrics",
  "why_now",
  "pain_reasoning",
  "company_research",
  "role_research",
  "fit_score",
  "fit_rationale",
  "fit_category",
  "tier",
  "fit_details",
  "primary_contacts",
  "secondary_contacts",
  "outreach_packages",
  "cv_text",
  "cv_bullets",
  "cv_reasoning",
  "dossier_path"
] as const
export type IntelColumn = (typeof INTEL_COLUMNS)[number]
export type Intel = Partial<Record<IntelColumn, unknown>>

const JSON_COLUMNS = new Set<string>([
  "extracted_jd",
  "pain_points",
  "strategic_needs",
  "risks_if_unfilled",
  "success_metrics",
  "company_research",
  "role_research",
  "fit_details",
  "primary_contacts",
  "secondary_contacts",
  "outreach_packages",
  "cv_bullets"
])

export interface LayerStatus {
  readonly status: "done" | "failed" | "skipped"
  readonly at: string
  readonly message?: string
  readonly model?: string
  /** The tier the layer ran at (below the job's own when the per-job cap downgraded it). */
  readonly tier?: string
  readonly usd?: number
}

export interface StoredIntel {
  readonly values: Intel
  readonly hashes: Record<string, string>
  readonly status: Record<string, LayerStatus>
}

export type JobRow = JobText & {
  readonly company_key: string | null
  readonly url: string | null
  readonly fit_tier: string | null
}

export const hashInputs = (v: unknown) =>
  createHash("sha256")
    .update(JSON.stringify(v) ?? "null")
    .digest("hex")
    .slice(0, 24)

const parse = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : (v ?? undefined))

export const loadJob = (jobId: string) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const [job] = yield* w.query<JobRow>(
      `select ${JOB_COLUMNS}, j.company_key, j.url, s.tier as fit_tier from jobs j left join job_scores s on s.job_id = j.id where j.id = $1`,
      [jobId]
    )
    return job
  })

export const loadIntel = (jobId: string) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const [row] = yield* w.query<Record<string, unknown>>(
      `select ${INTEL_COLUMNS.map((c) => (JSON_COLUMNS.has(c) ? `${c}::varchar as ${c}` : c)).join(", ")}, input_hashes::varchar as input_hashes, layer_status::varchar as layer_status
       from job_intel where job_id = $1`,
      [jobId]
    )
    const values: Intel = {}
    if (row)
      for (const c of INTEL_COLUMNS)
        if (row[c] !== null && row[c] !== undefined) values[c] = JSON_COLUMNS.has(c) ? parse(row[c]) : row[c]
    return {
      values,
      hashes: (row ? parse(row.input_hashes) : undefined) ?? {},
      status: (row ? parse(row.layer_status) : undefined) ?? {}
    } satisfies StoredIntel
  })

/**
 * Writes one layer's columns, its input hash and status in one statement, so a later layer's
 * failure never loses an earlier layer's result.
 */
export const saveLayer = (
  jobId: string,
  op: string,
  values: Intel,
  hash: string | undefined,
  status: LayerStatus,
  usd: number
) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const cols = Object.keys(values) as IntelColumn[]
    const params: unknown[] = [jobId]
    const set = cols.map((c) => {
      const v = values[c]
      params.push(v === undefined || v === null ? null : JSON_COLUMNS.has(c) ? JSON.stringify(v) : v)
      return `${c} = $${params.length}${JSON_COLUMNS.has(c) ? "::json" : ""}`
    })
    yield* w.exec(
      "insert into job_intel (job_id, input_hashes, layer_status, usd) values ($1, '{}', '{}', 0) on conflict do nothing",
      [jobId]
    )
    const [cur] = yield* w.query<{ h: string | null; s: string | null }>(
      "select input_hashes::varchar as h, layer_status::varchar as s from job_intel where job_id = $1",
      [jobId]
    )
    const hashes = { ...(parse(cur?.h) ?? {}) } as Record<string, string>
    if (hash === undefined) delete hashes[op]
    else hashes[op] = hash
    const statuses = { ...(parse(cur?.s) ?? {}), [op]: status }
    params.push(JSON.stringify(hashes), JSON.stringify(statuses), usd)
    const n = params.length
    yield* w.exec(
      `update job_intel set ${[...set, `input_hashes = $${n - 2}::json`, `layer_status = $${n - 1}::json`, `usd = coalesce(usd, 0) + $${n}`, "updated_at = now()"].join(", ")} where job_id = $1`,
      params
    )
  })

export interface SignalRow {
  readonly signal_id: string
  readonly type: string
  readonly signal_date: string | null
  readonly title: string | null
  readonly evidence: string | null
  readonly source_url: string | null
}

/** Our own signals for a company, newest first; only those with a source URL can be cited. */
export const companySignals = (companyKey: string | null) =>
  Effect.gen(function* () {
    if (!companyKey) return [] as SignalRow[]
    const w = yield* Warehouse
    return yield* w.query<SignalRow>(
      `select signal_id, type, signal_date::varchar as signal_date, title, evidence, source_url from signals
       where company_key = $1 and source_url is not null order by signal_date desc nulls last, signal_id limit 20`,
      [companyKey]
    )
  })

export interface ContactRow {
  readonly contact_id: string
  readonly name: string | null
  readonly role: string | null
  readonly contact_type: string | null
  readonly linkedin_url: string | null
  readonly source: string
  readonly source_url: string | null
  readonly recent_signals: string | null
}

export const knownContacts = (jobId: string, companyKey: string | null) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    return yield* w.query<ContactRow>(
      `select contact_id, name, role, contact_type, linkedin_url, source, source_url, recent_signals::varchar as recent_signals from job_contacts
       where job_id = $1 or (job_id is null and company_key = $2) order by contact_id`,
      [jobId, companyKey]
    )
  })

export const companyProfile = (companyKey: string | null) =>
  Effect.gen(function* () {
    if (!companyKey) return undefined
    const w = yield* Warehouse
    const [c] = yield* w.query<{
      name: string
      domain: string | null
      industry: string | null
      team_size: number | null
    }>("select name, domain, industry, team_size from companies where company_key = $1", [companyKey])
    return c
  })
