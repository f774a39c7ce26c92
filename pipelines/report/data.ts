import { Effect } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"

/** Everything the report shows, read from the analytics views for days ≥ `since` (YYYY-MM-DD). */
export interface ReportData {
  readonly since: string
  readonly generatedAt: string
  readonly totals: {
    jobs: number
    newJobs: number
    sources: number
    runs: number
    failedRuns: number
    signals: number
    llmUsd: number
    llmCalls: number
  }
  readonly jobsPerSourceDay: ReadonlyArray<{ day: string; source: string; jobs: number }>
  readonly funnel: { fetched: number; new: number; relevant: number; scored: number; ab_tier: number; written: number }
  readonly funnelRuns: ReadonlyArray<{
    run_id: string
    started: string
    status: string
    fetched: number
    new: number
    relevant: number
    scored: number
    ab_tier: number
    written: number
  }>
  readonly llmCostDay: ReadonlyArray<{ day: string; tier: string; usd: number; calls: number; tokens: number }>
  readonly budget: { perRunUsd?: number; perWeekUsd?: number }
  readonly signalsPerType: ReadonlyArray<{ type: string; signals: number; companies: number }>
  readonly sourceErrors: ReadonlyArray<{
    node: string
    retriable: number
    skippable: number
    fatal: number
    runs: number
    rows: number
    failed_runs: number
  }>
  readonly dq: ReadonlyArray<{
    node: string
    rule: string
    checked: number
    passed: number
    quarantined: number
    open_quarantine: number
  }>
  readonly leads: ReadonlyArray<{
    company: string
    signals_90d: number
    ab_jobs: number
    relevant_jobs: number
    lead_score: number
    best_job_title: string | null
    best_job_url: string | null
  }>
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v))
const nums = <T extends Record<string, unknown>>(rows: T[], keys: ReadonlyArray<keyof T>): T[] =>
  rows.map(
    (r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, keys.includes(k as keyof T) ? num(v) : v])) as T
  )

export const readReport = (since: string, budget: ReportData["budget"] = {}) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const p = [since]
    const jobsPerSourceDay = nums(
      yield* w.query<{ day: string; source: string; jobs: number }>(
        `select strftime(first_seen, '%Y-%m-%d') as day, source, count(distinct job_id)::int as jobs
       from job_sightings where first_seen >= $1::date group by all order by 1, 2`,
        p
      ),
      ["jobs"]
    )
    const funnelRuns = nums(
      yield* w.query<ReportData["funnelRuns"][number]>(
        `select run_id, strftime(started_at, '%Y-%m-%d %H:%M') as started, status, fetched, new, relevant, scored, ab_tier, written
       from v_funnel where started_at >= $1::date order by started_at`,
        p
      ),
      ["fetched", "new", "relevant", "scored", "ab_tier", "written"]
    )
    const funnel = { fetched: 0, new: 0, relevant: 0, scored: 0, ab_tier: 0, written: 0 }
    for (const r of funnelRuns) for (const k of Object.keys(funnel) as Array<keyof typeof funnel>) funnel[k] += r[k]
    const llmCostDay = nums(
      yield* w.query<ReportData["llmCostDay"][number]>(
        `select strftime(day, '%Y-%m-%d') as day, tier, sum(usd)::double as usd, sum(calls)::int as calls, sum(tokens)::bigint as tokens
       from v_llm_cost_daily where day >= $1::date group by all order by 1, 2`,
        p
      ),
      ["usd", "calls", "tokens"]
    )
    const signalsPerType = nums(
      yield* w.query<ReportData["signalsPerType"][number]>(
        `select type, count(*)::int as signals, count(distinct company_key)::int as companies
       from v_signals where day >= $1::date group by 1 order by 2 desc`,
        p
      ),
      ["signals", "companies"]
    )
    const sourceErrors = nums(
      yield* w.query<ReportData["sourceErrors"][number]>(
        `select node, sum(retriable_errors)::int as retriable, sum(skippable_errors)::int as skippable, sum(fatal_errors)::int as fatal,
              count(*)::int as runs, sum(rows)::bigint as rows, count(*) filter (where status = 'failed')::int as failed_runs
       from v_source_health where started_at >= $1::date group by 1 order by 1`,
        p
      ),
      ["retriable", "skippable", "fatal", "runs", "rows", "failed_runs"]
    )
    const dq = nums(
      yield* w.query<ReportData["dq"][number]>(
        `select d.node, d.rule, sum(d.checked)::bigint as checked, sum(d.passed)::bigint as passed, sum(d.quarantined)::bigint as quarantined,
              coalesce(any_value(v.open_quarantine), 0) as open_quarantine
       from dq_results d left join v_dq v on v.node = d.node and v.rule = d.rule
       where d.checked_at >= $1::date group by 1, 2 order by 1, 2`,
        p
      ),
      ["checked", "passed", "quarantined", "open_quarantine"]
    )
    const leads = nums(
      yield* w.query<ReportData["leads"][number]>(
        `select company, signals_90d, ab_jobs, relevant_jobs, lead_score, best_job_title, best_job_url from v_leads order by lead_score desc, company limit 15`
      ),
      ["signals_90d", "ab_jobs", "relevant_jobs", "lead_score"]
    )
    const [t] = yield* w.query<Record<string, unknown>>(
      `select (select count(*) from jobs) as jobs,
              (select count(*) from jobs where first_seen >= $1::date) as new_jobs,
              (select count(distinct source) from job_sightings where last_seen >= $1::date) as sources,
              (select count(*) from runs where started_at >= $1::date) as runs,
              (select count(*) from runs where started_at >= $1::date and status not in ('success', 'running')) as failed_runs,
              (select count(*) from v_signals where day >= $1::date) as signals,
              (select coalesce(sum(usd), 0) from v_llm_cost_daily where day >= $1::date) as llm_usd,
              (select coalesce(sum(calls), 0) from v_llm_cost_daily where day >= $1::date) as llm_calls`,
      p
    )
    return {
      since,
      generatedAt: new Date().toISOString(),
      totals: {
        jobs: num(t.jobs),
        newJobs: num(t.new_jobs),
        sources: num(t.sources),
        runs: num(t.runs),
        failedRuns: num(t.failed_runs),
        signals: num(t.signals),
        llmUsd: num(t.llm_usd),
        llmCalls: num(t.llm_calls)
      },
      jobsPerSourceDay,
      funnel,
      funnelRuns,
      llmCostDay,
      budget,
      signalsPerType,
      sourceErrors,
      dq,
      leads
    } satisfies ReportData
  })
