import type { Migration } from "../../sinks/migrations.ts"

/**
 * Columns cross-source dedupe keeps. On `jobs`: `content_hash` (changes only when what a reader sees
 * changes: content fields, apply URL, the set of sightings; not seen dates), `dedupe_key` (company +
 * title block) and `rep_rank` (0 when the job's content comes from an employer ATS). On `job_sightings`:
 * the keys each sighting was matched on, so later sightings can join to it.
 */
export const dedupeMigration: Migration = {
  id: "0040_dedupe_cross_source",
  sql: `
alter table jobs add column content_hash varchar;
alter table jobs add column dedupe_key varchar;
alter table jobs add column rep_rank integer;
alter table job_sightings add column dedupe_key varchar;
alter table job_sightings add column url_key varchar;
alter table job_sightings add column loc_tokens varchar;
alter table job_sightings add column company_domain varchar;
alter table job_sightings add column title varchar;
alter table job_sightings add column company varchar
`
}
