import { Effect } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import type { LoadedDag } from "../load.ts"
import { enabledNodes, levels } from "../plan.ts"
import { roleOf } from "../../core/spec.ts"

/**
 * What the dashboard pages read. Base tables only (jobs, job_scores, job_sightings, signals,
 * companies, llm_calls, node_runs, runs), so the views other areas own can change freely.
 */

export interface JobFilter {
  readonly q?: string
  readonly source?: string
  readonly remote?: string
  readonly tier?: string
  readonly relevant?: "yes" | "no" | "unscored"
  readonly minFit?: number
  readonly company?: string
  /** Jobs whose top of range (or only figure) reaches this, in the posting's own currency. */
  readonly minSalary?: number
  /** Posted (or first seen) on or after this day, YYYY-MM-DD. */
  readonly postedSince?: string
  readonly sort?: string
  readonly dir?: "asc" | "desc"
  readonly limit?: number
  readonly offset?: number
}

/** Sort keys the API accepts, each to its SQL expression (the only way a sort reaches SQL). */
export const JOB_SORTS: Record<string, string> = {
  fit: "s.fit_score",
  tier: "s.tier",
  relevance: "s.relevant",
  source: "j.source",
  company: "j.company",
  title: "j.title",
  posted: "coalesce(j.posted_at, j.first_seen)",
  remote: "j.remote",
  salary: "coalesce(j.salary_max, j.salary_min)",
  seen: "j.last_seen"
}

export const listJobs = (f: JobFilter) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const where: string[] = []
    const params: unknown[] = []
    const p = (v: unknown) => {
      params.push(v)
      return `$${params.length}`
    }
    if (f.q) {
      const q = p(`%${f.q.toLowerCase()}%`)
      where.push(
        `(lower(j.title) like ${q} or lower(j.company) like ${q} or lower(coalesce(j.location, '')) like ${q})`
      )
    }
    // A merged job counts for every source that saw it.
    if (f.source)
      where.push(`exists (select 1 from job_sightings x where x.job_id = j.id and x.source = ${p(f.source)})`)
    if (f.remote) where.push(`j.remote = ${p(f.remote)}`)
    if (f.tier) where.push(f.tier === "none" ? "s.tier is null" : `s.tier = ${p(f.tier)}`)
    if (f.relevant === "yes") where.push("s.relevant")
    if (f.relevant === "no") where.push("s.relevant = false")
    if (f.relevant === "unscored") where.push("s.relevant is null")
    if (f.minFit !== undefined && Number.isFinite(f.minFit)) where.push(`s.fit_score >= ${p(f.minFit)}`)
    if (f.company) where.push(`lower(j.company) like ${p(`%${f.company.toLowerCase()}%`)}`)
    if (f.minSalary !== undefined) where.push(`coalesce(j.salary_max, j.salary_min) >= ${p(f.minSalary)}`)
    if (f.postedSince) where.push(`coalesce(j.posted_at, j.first_seen) >= ${p(f.postedSince)}::date`)
    const sort = JOB_SORTS[f.sort ?? "fit"] ?? JOB_SORTS.fit
    const dir = f.dir === "asc" ? "asc" : "desc"
    const limit = Math.min(Math.max(1, f.limit ?? 200), 1000)
    const offset = Math.max(0, f.offset ?? 0)
    const from = `from jobs j left join job_scores s on s.job_id = j.id ${where.length ? `where ${where.join(" and ")}` : ""}`
    const [{ total }] = yield* w.query<{ total: number }>(`select count(*)::int as total ${from}`, params)
    const rows = yield* w.query(
      `select j.id, j.title, j.company, j.source, j.location, j.remote, strftime(coalesce(j.posted_at, j.first_seen), '%Y-%m-%d') as posted,
              j.salary_min, j.salary_max, j.salary_currency, j.salary_period, j.url,
              (select count(*)::int from job_sightings x where x.job_id = j.id) as sightings,
              s.fit_score, s.tier, s.fit_category, s.relevant, s.relevance_reason, s.scored_by
       ${from} order by ${sort} ${dir} nulls last, j.id limit ${limit} offset ${offset}`,
      params
    )
    return { total, rows }
  })

/** Values the filters offer. */
export const jobFacets = Effect.gen(function* () {
  const w = yield* Warehouse
  const sources = yield* w.query<{ source: string; jobs: number }>(
    "select source, count(distinct job_id)::int as jobs from job_sightings group by 1 order by 2 desc"
  )
  const remote = yield* w.query<{ remote: string; jobs: number }>(
    "select coalesce(remote, 'unknown') as remote, count(*)::int as jobs from jobs group by 1 order by 2 desc"
  )
  const tiers = yield* w.query<{ tier: string; jobs: number }>(
    "select coalesce(tier, 'none') as tier, count(*)::int as jobs from jobs j left join job_scores s on s.job_id = j.id group by 1 order by 1"
  )
  return { sources, remote, tiers }
})

/** Tables other areas add per job (`job_*` with a `job_id` column), read generically for the detail page. */
const layerTables = Effect.gen(function* () {
  const w = yield* Warehouse
  const rows = yield* w.query<{ table_name: string }>(
    `select distinct table_name from information_schema.columns
     where column_name = 'job_id' and table_name not in ('job_scores', 'job_sightings', 'company_jobs', 'stg_jobs')
       and (table_name like 'job\\_%' escape '\\' or table_name like 'layer\\_%' escape '\\') order by 1`
  )
  return rows.map((r) => r.table_name)
})

export const jobDetail = (id: string) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const [job] = yield* w.query("select * exclude (sources), sources::varchar as sources from jobs where id = $1", [
      id
    ])
    if (!job) return undefined
    const sightings = yield* w.query(
      "select source, source_id, node, url, strftime(first_seen, '%Y-%m-%d %H:%M') as first_seen, strftime(last_seen, '%Y-%m-%d %H:%M') as last_seen from job_sightings where job_id = $1 order by first_seen",
      [id]
    )
    const [scores] = yield* w.query("select * from job_scores where job_id = $1", [id])
    const company = yield* w.query(
      `select c.* from companies c where c.company_key = coalesce((select company_key from company_jobs where job_id = $1), $2) limit 1`,
      [id, (job as { company_key?: string }).company_key ?? ""]
    )
    const key =
      (company[0] as { company_key?: string } | undefined)?.company_key ??
      (job as { company_key?: string }).company_key ??
      ""
    const signals = yield* w.query(
      "select type, strftime(signal_date, '%Y-%m-%d') as signal_date, title, why_now, source_url, confidence from signals where company_key = $1 order by signal_date desc nulls last limit 50",
      [key]
    )
    const layers: Record<string, unknown[]> = {}
    for (const t of yield* layerTables) {
      const rows = yield* w.query(`select * from "${t}" where job_id = $1`, [id]).pipe(Effect.orElseSucceed(() => []))
      if (rows.length > 0) layers[t] = rows
    }
    const llmCalls = yield* w.query(
      `select node, model, tier, outcome, usd, strftime(called_at, '%Y-%m-%d %H:%M:%S') as called_at from llm_calls
       where run_id in (select coalesce(relevance_run_id, '') from job_scores where job_id = $1 union select coalesce(run_id, '') from job_scores where job_id = $1)
       order by called_at desc limit 20`,
      [id]
    )
    return { job, sightings, scores: scores ?? null, company: company[0] ?? null, signals, layers, llmCalls }
  })

/** The DAG as a graph: enabled nodes, edges from needs, and a level each for the layout. */
export const dagGraph = (dag: LoadedDag) => {
  const nodes = enabledNodes(dag.spec)
  const lv = levels(nodes)
  const levelOf = new Map(lv.flatMap((l, i) => l.map((n) => [n, i] as const)))
  return {
    path: dag.path,
    nodes: Object.entries(nodes).map(([name, spec]) => ({
      name,
      role: roleOf(spec)?.role,
      kind: roleOf(spec)?.kind,
      level: levelOf.get(name) ?? 0,
      needs: spec.needs ?? [],
      description: spec.description ?? ""
    })),
    sources: Object.entries(nodes)
      .filter(([, s]) => roleOf(s)?.role === "source")
      .map(([n]) => n)
  }
}

export const listRuns = Effect.gen(function* () {
  const w = yield* Warehouse
  return yield* w.query(
    `select r.run_id, r.mode, r.status, strftime(r.started_at, '%Y-%m-%d %H:%M:%S') as started,
            round(epoch(coalesce(r.ended_at, now()) - r.started_at), 1) as seconds, r.args::varchar as args,
            count(n.node)::int as nodes, count(n.node) filter (where n.status in ('success', 'partial'))::int as ok,
            count(n.node) filter (where n.status = 'failed')::int as failed, coalesce(sum(n.rows_out), 0)::bigint as rows_out
     from runs r left join node_runs n using (run_id)
     group by r.run_id, r.mode, r.status, r.started_at, r.ended_at, r.args order by r.started_at desc limit 50`
  )
})

export const runNodes = (runId: string) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const [run] = yield* w.query(
      "select run_id, mode, status, strftime(started_at, '%Y-%m-%d %H:%M:%S') as started, args::varchar as args from runs where run_id = $1",
      [runId]
    )
    if (!run) return undefined
    const nodes = yield* w.query(
      `select node, kind, status, attempts, rows_in, rows_out, error_tag, error_message,
              round(epoch(coalesce(ended_at, now()) - started_at), 2) as seconds
       from node_runs where run_id = $1 order by node`,
      [runId]
    )
    const errors = yield* w.query(
      "select node, unit, error_tag, reason, message from source_errors where run_id = $1 order by occurred_at limit 200",
      [runId]
    )
    return { run, nodes, errors }
  })

export const signalsPage = Effect.gen(function* () {
  const w = yield* Warehouse
  const hasLeads = (yield* w.query("select 1 from information_schema.tables where table_name = 'leads'")).length > 0
  const leads = hasLeads
    ? yield* w.query(
        "select * exclude (sample_titles), array_to_string(sample_titles, ' · ') as sample_titles from leads limit 100"
      )
    : []
  const byType = yield* w.query<{ type: string; signals: number }>(
    "select type, count(*)::int as signals from signals group by 1 order by 2 desc"
  )
  const byCompany = yield* w.query(
    `select company_key, coalesce(max(company_name), company_key) as company, count(*)::int as signals,
            list(distinct type order by type) as types, strftime(max(signal_date), '%Y-%m-%d') as latest
     from signals group by 1 order by signals desc, latest desc limit 50`
  )
  const recent = yield* w.query(
    "select company_name as company, type, strftime(signal_date, '%Y-%m-%d') as signal_date, title, why_now, source_url from signals order by signal_date desc nulls last limit 100"
  )
  return { leads, byType, byCompany, recent }
})

export const costPage = (dag: LoadedDag) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const budget = dag.spec.budgets?.llm ?? {}
    const daily = yield* w.query(
      "select strftime(called_at::date, '%Y-%m-%d') as day, count(*)::int as calls, round(coalesce(sum(usd), 0), 6) as usd from llm_calls where called_at >= now() - interval 30 days group by 1 order by 1"
    )
    const byNode = yield* w.query(
      "select coalesce(node, '(none)') as node, count(*)::int as calls, round(coalesce(sum(usd), 0), 6) as usd from llm_calls group by 1 order by usd desc"
    )
    const byModel = yield* w.query(
      "select provider || '/' || model as model, count(*)::int as calls, round(coalesce(sum(usd), 0), 6) as usd from llm_calls group by 1 order by usd desc"
    )
    const [totals] = yield* w.query<Record<string, number>>(
      `select count(*)::int as calls, count(*) filter (where outcome <> 'ok')::int as failed_calls,
              coalesce(sum(input_tokens), 0)::bigint as input_tokens, coalesce(sum(cached_input_tokens), 0)::bigint as cached_input_tokens,
              coalesce(sum(output_tokens), 0)::bigint as output_tokens, round(coalesce(sum(usd), 0), 6) as usd, coalesce(sum(items) filter (where outcome = 'ok'), 0)::bigint as items_answered,
              round(coalesce(sum(usd) filter (where called_at >= now() - interval 7 days), 0), 6) as week_usd
       from llm_calls`
    )
    // Result-cache hits never reach a provider, so they are counted by the nodes, not the call ledger.
    const [cache] = yield* w.query<{ hits: number }>(
      "select coalesce(sum(try_cast(json_extract_string(details, '$.cacheHits') as bigint)), 0)::bigint as hits from node_runs where details is not null"
    )
    // With no LLM call, the empty state says how the jobs were scored instead (lexical without a key).
    // Relevance judges every job, fit only the relevant ones: each step said apart ("fit: lexical (13 jobs)").
    const scoredBy = yield* w.query<{ step: string; scored_by: string; jobs: number }>(
      `select 'relevance' as step, coalesce(relevance_by, 'not judged') as scored_by, count(*)::int as jobs from job_scores group by 2
       union all
       select 'fit', coalesce(scored_by, 'not scored'), count(*)::int from job_scores where relevant group by 2
       order by 1 desc, 3 desc`
    )
    const promptCacheRate =
      totals.input_tokens > 0 ? Number(totals.cached_input_tokens) / Number(totals.input_tokens) : null
    const judged = Number(cache.hits) + Number(totals.items_answered)
    const resultCacheRate = judged > 0 ? Number(cache.hits) / judged : null
    return {
      budget: { perWeekUsd: budget.per_week_usd ?? null, perRunUsd: budget.per_run_usd ?? null },
      daily,
      byNode,
      byModel,
      totals,
      scoredBy,
      cache: { resultHits: Number(cache.hits), promptCacheRate, resultCacheRate }
    }
  })
