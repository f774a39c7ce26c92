import type { Migration } from "../../sinks/migrations.ts"

/**
 * The signal engine's additions: the "why now" line on each signal, which company each job belongs
 * to (rebuilt by `transform: signals`), the lead settings, and the `leads` view.
 *
 * `leads` reads its window from `lead_settings` (one row): change it with
 *   update lead_settings set signal_window_days = 60, open_job_days = 21, min_confidence = 0.5
 * A job is open when seen within `open_job_days`; it counts as relevant when `job_scores.relevant`
 * says so, and when it has no score row yet.
 */
export const signalsMigration: Migration = {
  id: "0060_signals_leads",
  sql: `
alter table signals add column why_now varchar;
create table lead_settings (
  id integer primary key,
  signal_window_days integer not null,
  open_job_days integer not null,
  min_confidence double not null
);
insert into lead_settings values (1, 30, 14, 0.3);
create table company_jobs (
  job_id varchar primary key,
  company_key varchar not null,
  run_id varchar
);
create view leads as
with s as (select * from lead_settings where id = 1),
fresh as (
  select g.*,
    (case g.type when 'funding' then 1.0 when 'leadership_change' then 0.9 when 'hiring_spike' then 0.8 when 'acquisition' then 0.7
       when 'material_agreement' then 0.5 when 'award' then 0.4 when 'governance' then 0.3 else 0.2 end)
    * coalesce(g.confidence, 0.5)
    * (1 - 0.5 * least(1.0, greatest(0, date_diff('day', g.signal_date, current_date)) / s.signal_window_days::double)) as weight
  from signals g, s
  where g.company_key <> '(unattributed)'
    and g.signal_date >= current_date - s.signal_window_days
    and coalesce(g.confidence, 0) >= s.min_confidence
),
best as (select * from fresh qualify row_number() over (partition by company_key order by weight desc, signal_date desc) = 1),
totals as (select company_key, count(*)::int as fresh_signals, sum(weight) as signal_weight from fresh group by company_key),
open_jobs as (
  select cj.company_key, count(*)::int as open_jobs, list(j.title order by j.first_seen desc)[1:3] as sample_titles
  from jobs j join company_jobs cj on cj.job_id = j.id left join job_scores js on js.job_id = j.id, s
  where j.last_seen >= now() - to_days(s.open_job_days) and coalesce(js.relevant, true)
  group by cj.company_key
)
select b.company_key, coalesce(c.name, b.company_name) as company, b.type as signal_type, b.signal_date, b.title as signal_title,
  b.source_url, t.fresh_signals, o.open_jobs, o.sample_titles,
  round(t.signal_weight * (1 + ln(o.open_jobs)), 3) as score,
  b.why_now || ' · ' || o.open_jobs || ' open relevant role' || (case when o.open_jobs = 1 then '' else 's' end) as why_now
from best b
join totals t on t.company_key = b.company_key
join open_jobs o on o.company_key = b.company_key
left join companies c on c.company_key = b.company_key
order by score desc, b.signal_date desc
`
}

/**
 * `leads` as of any day: the table macro `leads_as_of(DATE)` computes every window (signals, open jobs)
 * from that day instead of today (`jobsignal leads --as-of`, the demo on its recordings' dates), and
 * counts a team's `hiring_velocity` like a company hiring spike. `leads` is `leads_as_of(current_date)`.
 */
export const leadsAsOfMigration: Migration = {
  id: "0061_leads_as_of",
  sql: `
drop view if exists leads;
create or replace macro leads_as_of(as_of) as table
with s as (select * from lead_settings where id = 1),
fresh as (
  select g.*,
    (case g.type when 'funding' then 1.0 when 'leadership_change' then 0.9 when 'hiring_spike' then 0.8
       when 'hiring_velocity' then 0.8 when 'acquisition' then 0.7
       when 'material_agreement' then 0.5 when 'award' then 0.4 when 'governance' then 0.3 else 0.2 end)
    * coalesce(g.confidence, 0.5)
    * (1 - 0.5 * least(1.0, greatest(0, date_diff('day', g.signal_date, as_of::date)) / s.signal_window_days::double)) as weight
  from signals g, s
  where g.company_key <> '(unattributed)'
    and g.signal_date >= as_of::date - s.signal_window_days
    and g.signal_date <= as_of::date
    and coalesce(g.confidence, 0) >= s.min_confidence
),
best as (select * from fresh qualify row_number() over (partition by company_key order by weight desc, signal_date desc) = 1),
totals as (select company_key, count(*)::int as fresh_signals, sum(weight) as signal_weight from fresh group by company_key),
open_jobs as (
  select cj.company_key, count(*)::int as open_jobs, list(j.title order by j.first_seen desc)[1:3] as sample_titles
  from jobs j join company_jobs cj on cj.job_id = j.id left join job_scores js on js.job_id = j.id, s
  where coalesce(least(j.posted_at, j.first_seen), j.first_seen)::date <= as_of::date
    and j.last_seen >= least(now(), as_of::date + interval 1 day) - to_days(s.open_job_days)
    and coalesce(js.relevant, true)
  group by cj.company_key
)
select b.company_key, coalesce(c.name, b.company_name) as company, b.type as signal_type, b.signal_date, b.title as signal_title,
  b.source_url, t.fresh_signals, o.open_jobs, o.sample_titles,
  round(t.signal_weight * (1 + ln(o.open_jobs)), 3) as score,
  b.why_now || ' · ' || o.open_jobs || ' open relevant role' || (case when o.open_jobs = 1 then '' else 's' end) as why_now
from best b
join totals t on t.company_key = b.company_key
join open_jobs o on o.company_key = b.company_key
left join companies c on c.company_key = b.company_key
order by score desc, b.signal_date desc;
create view leads as select * from leads_as_of(current_date);
`
}
