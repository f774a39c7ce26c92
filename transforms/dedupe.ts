import { Effect, Schema } from "effect"
import { Warehouse } from "../sinks/warehouse.ts"
import type { NodeKind } from "../pipelines/node.ts"
import { inputPredicate } from "./inputs.ts"

export const DedupeOptions = Schema.Struct({})

/** Same expression as `sightingId` in model/posting.ts, so SQL and TypeScript agree on ids. */
export const SIGHTING_ID_SQL = "substr(sha256(source || ':' || source_id), 1, 20)"

/**
 * Folds the staged postings of this run's sources into canonical `jobs`: the same (source, source id)
 * is one job whose `last_seen` moves and whose `first_seen` stays. Every sighting is kept.
 */
export const dedupeJobs = Effect.fn("dedupeJobs")(function* (ctx: Parameters<NodeKind["run"]>[1]) {
  const w = yield* Warehouse
  const input = inputPredicate(ctx, "source")
  return yield* w.transaction((tx) =>
    Effect.gen(function* () {
      yield* tx.exec("drop table if exists _dedupe_in")
      yield* tx.exec(
        `create temp table _dedupe_in as
         select ${SIGHTING_ID_SQL} as sighting_id, *
         from (select * from stg_jobs where ${input.sql}) s
         qualify row_number() over (partition by source, source_id order by fetched_at desc, updated_at desc nulls last) = 1`,
        input.params
      )
      const [{ staged }] = yield* tx.query<{ staged: number }>(`select count(*)::int as staged from stg_jobs where ${input.sql}`, input.params)
      const [{ fresh }] = yield* tx.query<{ fresh: number }>(
        "select count(*)::int as fresh from _dedupe_in i where not exists (select 1 from jobs j where j.id = i.sighting_id)"
      )
      yield* tx.exec(
        `insert into job_sightings (sighting_id, job_id, source, source_id, node, url, first_seen, last_seen, last_run_id)
         select sighting_id, sighting_id, source, source_id, node, url, fetched_at, fetched_at, run_id from _dedupe_in
         on conflict (sighting_id) do update set last_seen = greatest(job_sightings.last_seen, excluded.last_seen), url = excluded.url, last_run_id = excluded.last_run_id`
      )
      yield* tx.exec(
        `insert into jobs (id, source, source_id, url, apply_url, title, company, location, remote, posted_at, posted_after, posted_before,
                           updated_at, description_text, salary_min, salary_max, salary_currency, salary_period, employment_type, department,
                           first_seen, last_seen, last_run_id)
         select sighting_id, source, source_id, url, apply_url, title, company, location, remote, posted_at, posted_after, posted_before,
                updated_at, description_text, salary_min, salary_max, salary_currency, salary_period, employment_type, department,
                fetched_at, fetched_at, run_id
         from _dedupe_in
         on conflict (id) do update set
           url = excluded.url, apply_url = excluded.apply_url, title = excluded.title, company = excluded.company,
           location = excluded.location, remote = excluded.remote, posted_at = coalesce(excluded.posted_at, jobs.posted_at),
           posted_after = excluded.posted_after, posted_before = excluded.posted_before, updated_at = excluded.updated_at,
           description_text = coalesce(excluded.description_text, jobs.description_text),
           salary_min = excluded.salary_min, salary_max = excluded.salary_max, salary_currency = excluded.salary_currency,
           salary_period = excluded.salary_period, employment_type = excluded.employment_type, department = excluded.department,
           last_seen = greatest(jobs.last_seen, excluded.last_seen), last_run_id = excluded.last_run_id`
      )
      yield* tx.exec(
        `update jobs set sources = agg.sources from (
           select job_id, to_json(list({'source': source, 'source_id': source_id, 'url': url, 'first_seen': first_seen, 'last_seen': last_seen} order by first_seen)) as sources
           from job_sightings where job_id in (select sighting_id from _dedupe_in) group by job_id
         ) agg where jobs.id = agg.job_id`
      )
      const [{ touched }] = yield* tx.query<{ touched: number }>("select count(*)::int as touched from _dedupe_in")
      yield* tx.exec("drop table _dedupe_in")
      return { rowsIn: staged, rowsOut: touched, details: { new_jobs: fresh, seen_again: touched - fresh, duplicate_rows: staged - touched } }
    })
  )
})

export const dedupe: NodeKind<typeof DedupeOptions.Type> = {
  role: "transform",
  kind: "dedupe",
  description: "Merge staged postings into canonical jobs (exact: same source and source id)",
  options: DedupeOptions,
  run: (_opts, ctx) => dedupeJobs(ctx)
}
