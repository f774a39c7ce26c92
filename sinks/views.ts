import type { Migration } from "./migrations.ts"

/**
 * When each schedule trigger last fired, so a restarted scheduler knows what it missed
 * (dag.yaml `schedule.catch_up`). One row per trigger (the node whose `schedule` fired).
 */
export const scheduleState: Migration = {
  id: "0100_schedule_state",
  sql: `
create table if not exists schedule_state (
  trigger varchar primary key,
  cron varchar not null,
  last_fire_at timestamptz not null,
  last_run_id varchar,
  last_status varchar,
  updated_at timestamptz not null
)
`
}

/**
 * The analytics views (README "Analytics"). Built only on the base columns of 0001/0002 so they
 * keep working whichever area adds columns later; DuckDB binds views at query time.
 * A node's role comes from node_runs.details.role (the runner records it); for rows written before
 * that, a source node is one with staged rows or source errors in that run.
 */
export const analyticsViews: Migration = {
  id: "0101_analytics_views",
  sql: `
create or replace view v_node_roles as
select n.run_id, n.node, n.kind,
       coalesce(
         json_extract_string(n.details, '$.role'),
         case when exists (select 1 from stg_jobs s where s.run_id = n.run_id and s.node = n.node)
                or exists (select 1 from source_errors e where e.run_id = n.run_id and e.node = n.node)
                or json_extract_string(n.details, '$.units') is not null then 'source'
              when n.kind in ('mongo', 'duckdb') then 'sink'
              else 'transform' end
       ) as role
from node_runs n;

create or replace view v_jobs as
select j.id, j.title, j.company, j.company_key, j.location, j.remote, j.url, j.apply_url,
       j.posted_at, j.first_seen, j.last_seen, j.last_run_id,
       j.salary_min, j.salary_max, j.salary_currency, j.salary_period, j.employment_type, j.department,
       s.relevant, s.relevance_reason, s.fit_score, s.fit_category, s.tier, s.fit_rationale, s.scored_by, s.model,
       s.scored_at,
       coalesce(src.sources, [j.source]) as sources,
       coalesce(src.n_sources, 1) as n_sources,
       j.source as first_source
from jobs j
left join job_scores s on s.job_id = j.id
left join (
  select job_id, list(distinct source order by source) as sources, count(distinct source)::int as n_sources
  from job_sightings group by job_id
) src on src.job_id = j.id;

create or replace view v_signals as
select g.signal_id, g.company_key, coalesce(g.company_name, c.name, g.company_key) as company,
       g.type, g.signal_date, g.title, g.evidence, g.amount, g.currency, g.round, g.confidence,
       g.source_url, g.first_seen, g.last_seen, g.run_id,
       coalesce(g.signal_date, g.first_seen::date) as day
from signals g
left join companies c on c.company_key = g.company_key;

create or replace view v_leads as
with job_keys as (
  select v.*, coalesce(v.company_key, trim(regexp_replace(lower(v.company), '[^a-z0-9]+', ' ', 'g'))) as key
  from v_jobs v
),
sig as (
  select company_key as key, any_value(company) as company,
         count(*)::int as signals,
         count(*) filter (where day >= current_date - interval 90 day)::int as signals_90d,
         list(distinct type order by type) as signal_types,
         max(day) as last_signal_day,
         arg_max(title, day) as last_signal_title
  from v_signals group by 1
),
jb as (
  select key, any_value(company) as company,
         count(*)::int as jobs,
         count(*) filter (where relevant)::int as relevant_jobs,
         count(*) filter (where tier in ('A', 'B'))::int as ab_jobs,
         max(fit_score) as best_fit_score,
         arg_max(title, coalesce(fit_score, -1)) as best_job_title,
         arg_max(url, coalesce(fit_score, -1)) as best_job_url
  from job_keys group by 1
)
select coalesce(sig.key, jb.key) as company_key,
       coalesce(sig.company, jb.company) as company,
       coalesce(sig.signals, 0) as signals, coalesce(sig.signals_90d, 0) as signals_90d,
       sig.signal_types, sig.last_signal_day, sig.last_signal_title,
       coalesce(jb.jobs, 0) as jobs, coalesce(jb.relevant_jobs, 0) as relevant_jobs, coalesce(jb.ab_jobs, 0) as ab_jobs,
       jb.best_fit_score, jb.best_job_title, jb.best_job_url,
       coalesce(sig.signals_90d, 0) + 2 * coalesce(jb.ab_jobs, 0) + coalesce(jb.relevant_jobs, 0) as lead_score
from sig full outer join jb on jb.key = sig.key
where coalesce(sig.signals, 0) > 0 and (coalesce(jb.relevant_jobs, 0) > 0 or coalesce(jb.jobs, 0) > 0)
   or coalesce(jb.ab_jobs, 0) > 0;

create or replace view v_funnel as
select r.run_id, r.started_at, r.mode, r.status,
       coalesce(st.fetched, 0) as fetched,
       coalesce(nr.new_jobs, 0) as new,
       coalesce(sc.relevant, 0) as relevant,
       coalesce(sc.scored, 0) as scored,
       coalesce(sc.ab_tier, 0) as ab_tier,
       coalesce(nr.written, 0) as written
from runs r
left join (select run_id, count(*)::bigint as fetched from stg_jobs group by 1) st using (run_id)
left join (
  select n.run_id,
         sum(coalesce(try_cast(json_extract_string(n.details, '$.new_jobs') as bigint), 0)) filter (where n.kind = 'dedupe' or json_extract_string(n.details, '$.new_jobs') is not null)::bigint as new_jobs,
         sum(n.rows_out) filter (where ro.role = 'sink' and n.status in ('success', 'partial'))::bigint as written
  from node_runs n join v_node_roles ro using (run_id, node)
  group by 1
) nr using (run_id)
left join (
  select run_id,
         count(*) filter (where relevant)::bigint as relevant,
         count(*) filter (where fit_score is not null or tier is not null)::bigint as scored,
         count(*) filter (where tier in ('A', 'B'))::bigint as ab_tier
  from job_scores group by 1
) sc using (run_id);

create or replace view v_llm_cost_daily as
select called_at::date as day, coalesce(node, '(none)') as node, provider, model, coalesce(tier, '(none)') as tier,
       count(*)::bigint as calls,
       count(*) filter (where error is not null or outcome not in ('ok', 'success', 'cached'))::bigint as failed_calls,
       coalesce(sum(items), 0)::bigint as items,
       coalesce(sum(input_tokens), 0)::bigint as input_tokens,
       coalesce(sum(cached_input_tokens), 0)::bigint as cached_input_tokens,
       coalesce(sum(output_tokens), 0)::bigint as output_tokens,
       coalesce(sum(input_tokens), 0)::bigint + coalesce(sum(output_tokens), 0)::bigint as tokens,
       round(coalesce(sum(usd), 0), 6) as usd
from llm_calls
group by all;

create or replace view v_source_health as
select n.run_id, n.node, n.kind, n.status, n.started_at,
       round(epoch(n.ended_at - n.started_at), 3) as duration_s,
       try_cast(json_extract_string(n.details, '$.units') as integer) as units,
       coalesce(json_array_length(json_extract(n.details, '$.failed_units')), 0)::integer as failed_units,
       try_cast(json_extract_string(n.details, '$.requests') as bigint) as requests,
       n.rows_out as rows,
       try_cast(json_extract_string(n.details, '$.skipped_records') as bigint) as skipped_records,
       coalesce(e.errors, 0) as errors,
       coalesce(e.retriable, 0) as retriable_errors,
       coalesce(e.skippable, 0) as skippable_errors,
       coalesce(e.fatal, 0) as fatal_errors,
       e.by_reason as errors_by_reason,
       n.error_message
from node_runs n
join v_node_roles ro using (run_id, node)
left join (
  select run_id, node, count(*)::bigint as errors,
         count(*) filter (where error_tag = 'Retriable')::bigint as retriable,
         count(*) filter (where error_tag = 'Skippable')::bigint as skippable,
         count(*) filter (where error_tag = 'Fatal')::bigint as fatal,
         to_json(histogram(error_tag || ':' || reason)) as by_reason
  from source_errors group by 1, 2
) e using (run_id, node)
where ro.role = 'source';

create or replace view v_dq as
select d.node, d.rule, any_value(d.severity) as severity,
       count(distinct d.run_id)::bigint as runs,
       sum(d.checked)::bigint as checked, sum(d.passed)::bigint as passed,
       sum(d.failed)::bigint as failed, sum(d.quarantined)::bigint as quarantined,
       round(sum(d.passed) / nullif(sum(d.checked), 0), 4) as pass_rate,
       max(d.checked_at) as last_checked_at,
       coalesce(any_value(q.open), 0) as open_quarantine
from dq_results d
left join (
  select node, rule, count(*)::bigint as open from quarantine where resolved_at is null group by 1, 2
) q on q.node = d.node and q.rule = d.rule
group by d.node, d.rule
`
}
