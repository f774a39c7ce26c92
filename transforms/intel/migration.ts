import type { Migration } from "../../sinks/migrations.ts"

/**
 * Per-job layer outputs under the user's `level-2` field names (one JSON column per field), the
 * input hash and status of every layer that wrote them, the shared 7-day company research cache
 * (the user's analysis names per-job company research as debt), and the contacts we actually know.
 */
export const layersMigration: Migration = {
  id: "0090_job_intel",
  sql: `
create table job_intel (
  job_id varchar primary key,
  extracted_jd json,
  pain_points json,
  strategic_needs json,
  risks_if_unfilled json,
  success_metrics json,
  why_now varchar,
  pain_reasoning varchar,
  company_research json,
  role_research json,
  fit_score integer,
  fit_rationale varchar,
  fit_category varchar,
  tier varchar,
  fit_details json,
  primary_contacts json,
  secondary_contacts json,
  outreach_packages json,
  cv_text varchar,
  cv_bullets json,
  cv_reasoning varchar,
  dossier_path varchar,
  input_hashes json,
  layer_status json,
  usd double,
  updated_at timestamptz
);
create table company_research_cache (
  company_key varchar primary key,
  research json not null,
  input_hash varchar not null,
  model varchar,
  researched_at timestamptz not null
);
create table job_contacts (
  contact_id varchar primary key,
  job_id varchar,
  company_key varchar,
  name varchar,
  role varchar,
  contact_type varchar,
  linkedin_url varchar,
  email varchar,
  source varchar not null,
  source_url varchar,
  recent_signals json,
  added_at timestamptz not null
)
`
}
