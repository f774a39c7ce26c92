import { sourceErrors } from "./source-errors.ts"
import { stgJobs } from "./stg-jobs.ts"
import { createTableSql } from "./table.ts"

/** An ordered schema change. Ids sort in the order they apply; never edit one that has shipped. */
export interface Migration {
  readonly id: string
  readonly sql: string
}

/**
 * The ledger, cursors, source_errors and stg_jobs (declared in source-errors.ts and stg-jobs.ts: their DDL is
 * derived, the same tables as when it was written out here), jobs and sightings.
 */
export const core: Migration = {
  id: "0001_core",
  sql: `
create table runs (
  run_id varchar primary key,
  started_at timestamptz not null,
  ended_at timestamptz,
  status varchar not null,
  mode varchar not null,
  dag_path varchar,
  dag_hash varchar,
  args json,
  resumed_from varchar,
  pid integer
);
create table node_runs (
  run_id varchar not null,
  node varchar not null,
  kind varchar not null,
  status varchar not null,
  started_at timestamptz,
  ended_at timestamptz,
  attempts integer default 0,
  rows_in bigint default 0,
  rows_out bigint default 0,
  error_tag varchar,
  error_message varchar,
  details json,
  primary key (run_id, node)
);
create table cursors (
  node varchar primary key,
  value varchar not null,
  run_id varchar not null,
  updated_at timestamptz not null
);
${createTableSql(sourceErrors)};
${createTableSql(stgJobs)};
create table jobs (
  id varchar primary key,
  source varchar not null,
  source_id varchar not null,
  url varchar,
  apply_url varchar,
  title varchar not null,
  company varchar not null,
  company_key varchar,
  location varchar,
  remote varchar,
  posted_at timestamptz,
  posted_after timestamptz,
  posted_before timestamptz,
  updated_at timestamptz,
  description_text varchar,
  salary_min double,
  salary_max double,
  salary_currency varchar,
  salary_period varchar,
  employment_type varchar,
  department varchar,
  first_seen timestamptz not null,
  last_seen timestamptz not null,
  last_run_id varchar,
  sources json
);
create table job_sightings (
  sighting_id varchar primary key,
  job_id varchar not null,
  source varchar not null,
  source_id varchar not null,
  node varchar,
  url varchar,
  first_seen timestamptz not null,
  last_seen timestamptz not null,
  last_run_id varchar
);
create index job_sightings_job on job_sightings (job_id)
`
}

/** The tables 0001_core creates from a declaration, for `withTableMigrations` (their later columns). */
export const coreTables = [stgJobs, sourceErrors]

/**
 * Tables several areas share, fixed here so each can build against them: scores (LLM transforms),
 * companies and signals (signal engine), the LLM call ledger. Areas add columns in migrations of their own.
 */
export const shared: Migration = {
  id: "0002_shared_tables",
  sql: `
create table job_scores (
  job_id varchar primary key,
  relevant boolean,
  relevance_reason varchar,
  relevance_by varchar,
  fit_score integer,
  fit_category varchar,
  tier varchar,
  fit_rationale varchar,
  scored_by varchar,
  model varchar,
  prompt_version varchar,
  input_hash varchar,
  run_id varchar,
  scored_at timestamptz
);
create table companies (
  company_key varchar primary key,
  name varchar not null,
  domain varchar,
  aliases varchar[],
  ats varchar,
  board varchar,
  tags varchar[],
  yc_batch varchar,
  industry varchar,
  team_size integer,
  is_hiring boolean,
  cik varchar,
  ticker varchar,
  sources varchar[],
  first_seen timestamptz,
  last_seen timestamptz
);
create table signals (
  signal_id varchar primary key,
  company_key varchar not null,
  company_name varchar,
  type varchar not null,
  signal_date date,
  title varchar,
  evidence varchar,
  source_url varchar,
  sources json,
  amount double,
  currency varchar,
  round varchar,
  confidence double,
  details json,
  first_seen timestamptz not null,
  last_seen timestamptz not null,
  run_id varchar
);
create table llm_calls (
  call_id varchar primary key,
  run_id varchar,
  node varchar,
  provider varchar not null,
  model varchar not null,
  tier varchar,
  items integer,
  input_tokens integer,
  cached_input_tokens integer,
  output_tokens integer,
  usd double,
  latency_ms integer,
  outcome varchar not null,
  error varchar,
  called_at timestamptz not null
);
create table dq_results (
  run_id varchar not null,
  node varchar not null,
  rule varchar not null,
  severity varchar not null,
  checked bigint not null,
  passed bigint not null,
  failed bigint not null,
  quarantined bigint not null,
  checked_at timestamptz not null
);
create table quarantine (
  quarantine_id varchar primary key,
  run_id varchar not null,
  node varchar not null,
  rule varchar not null,
  reason varchar not null,
  record_key varchar,
  record json not null,
  status varchar not null,
  parked_at timestamptz not null,
  resolved_at timestamptz,
  resolved_run_id varchar
)
`
}

/**
 * What is wrong with a list of migrations: ids must be unique and listed in the order they sort, because
 * that order is the order they apply in on every warehouse, new or old. Empty when the list is fine.
 */
export const migrationOrderProblems = (list: ReadonlyArray<Migration>): string[] => {
  const problems: string[] = []
  const seen = new Set<string>()
  list.forEach((m, i) => {
    if (seen.has(m.id)) problems.push(`migration id ${m.id} is listed twice`)
    seen.add(m.id)
    if (i > 0 && list[i - 1].id > m.id)
      problems.push(`migration ${m.id} is listed after ${list[i - 1].id}: ids apply in sorted order`)
  })
  return problems
}

/** Sorts migrations gathered from several areas into the order they apply in; throws on a bad list. */
export const orderMigrations = (list: ReadonlyArray<Migration>): ReadonlyArray<Migration> => {
  const sorted = [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const problems = migrationOrderProblems(sorted)
  if (problems.length > 0) throw new Error(`bad migration list: ${problems.join("; ")}`)
  return sorted
}
