/** An ordered schema change. Ids sort in the order they apply; never edit one that has shipped. */
export interface Migration {
  readonly id: string
  readonly sql: string
}

const core: Migration = {
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
create table source_errors (
  run_id varchar not null,
  node varchar not null,
  unit varchar,
  error_tag varchar not null,
  reason varchar not null,
  message varchar not null,
  occurred_at timestamptz not null
);
create table stg_jobs (
  run_id varchar not null,
  node varchar not null,
  unit varchar,
  record_key varchar not null,
  fetched_at timestamptz not null,
  source varchar not null,
  source_id varchar not null,
  board varchar,
  url varchar,
  apply_url varchar,
  title varchar,
  company varchar,
  company_domain varchar,
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
  tags varchar[],
  raw json
);
create index stg_jobs_run on stg_jobs (run_id, node);
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

export const migrations: ReadonlyArray<Migration> = [core]
