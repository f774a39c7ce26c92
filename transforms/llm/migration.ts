import type { Migration } from "../../sinks/migrations.ts"

/**
 * The LLM layer's own schema: a result cache keyed by (prompt version, model, item content hash),
 * relevance columns beside the fit columns of `job_scores` (the shared `model` / `prompt_version` /
 * `input_hash` / `run_id` columns describe the fit score), and the prompt version on each ledger row.
 */
export const llmMigration: Migration = {
  id: "0050_llm_cache_and_scores",
  sql: `
create table llm_cache (
  prompt_version varchar not null,
  model varchar not null,
  input_hash varchar not null,
  result json not null,
  created_at timestamptz not null,
  primary key (prompt_version, model, input_hash)
);
alter table job_scores add column relevance_model varchar;
alter table job_scores add column relevance_prompt_version varchar;
alter table job_scores add column relevance_input_hash varchar;
alter table job_scores add column relevance_run_id varchar;
alter table job_scores add column relevance_at timestamptz;
alter table job_scores add column lexical_score integer;
alter table job_scores add column fit_quote varchar;
alter table job_scores add column injection_suspected boolean;
alter table llm_calls add column prompt_version varchar;
alter table llm_calls add column attempt integer
`
}
