import { Effect, Schema } from "effect"
import { Warehouse } from "../sinks/warehouse.ts"
import type { NodeContext, NodeKind } from "../pipelines/node.ts"
import { inputPredicate } from "./inputs.ts"
import { DEDUPE_MACROS } from "./dedupe/sql.ts"
import { linkNew, stageInput, TEMP_TABLES, writeJobs, writeSightings } from "./dedupe/match.ts"

export const DedupeOptions = Schema.Struct({})

/** Same expression as `sightingId` in model/posting.ts, so SQL and TypeScript agree on ids. */
export const SIGHTING_ID_SQL = "substr(sha256(source || ':' || source_id), 1, 20)"

/**
 * Folds the staged postings of this run's sources into canonical `jobs`, all in DuckDB SQL
 * (transforms/dedupe/match.ts): the same (source, source id) is one sighting whose `last_seen` moves
 * and whose `first_seen` stays; the same job on several boards, under company/title spellings,
 * tracking URLs or a repost id, is one job keeping every sighting in `job_sightings` and `sources`.
 * A sighting once attached never moves, so canonical ids are stable and a rerun changes nothing.
 */
export const dedupeJobs = Effect.fn("dedupeJobs")(function* (ctx: Pick<NodeContext, "inputs">) {
  const w = yield* Warehouse
  const input = inputPredicate(ctx, "source")
  for (const m of DEDUPE_MACROS) yield* w.exec(m)
  return yield* w.transaction((tx) =>
    Effect.gen(function* () {
      const [{ staged }] = yield* tx.query<{ staged: number }>(`select count(*)::int as staged from stg_jobs where ${input.sql}`, input.params)
      for (const sql of stageInput(input.sql)) yield* tx.exec(sql, sql.includes("stg_jobs where") ? input.params : [])
      for (const sql of linkNew) yield* tx.exec(sql)
      yield* tx.exec(
        `create or replace temp table _dd_before as
         select id, content_hash from jobs where id in (select distinct job_id from _dd_assign)`
      )
      yield* tx.exec(writeSightings)
      for (const sql of writeJobs) yield* tx.exec(sql)
      const [c] = yield* tx.query<Record<string, number>>(
        `select (select count(*) from _dd_in)::int as sightings,
                (select count(*) from _dd_assign where new_sighting)::int as new_sightings,
                (select count(distinct job_id) from _dd_assign)::int as jobs_touched,
                (select count(distinct job_id) from _dd_assign a where not exists (select 1 from _dd_before b where b.id = a.job_id))::int as new_jobs,
                (select count(*) from jobs j join _dd_before b using (id) where j.content_hash is distinct from b.content_hash)::int as jobs_changed`
      )
      for (const t of TEMP_TABLES) yield* tx.exec(`drop table if exists ${t}`)
      return {
        rowsIn: staged,
        rowsOut: c.jobs_touched,
        details: {
          new_jobs: c.new_jobs,
          new_sightings: c.new_sightings,
          merged_sightings: c.new_sightings - c.new_jobs,
          seen_again: c.sightings - c.new_sightings,
          duplicate_rows: staged - c.sightings,
          jobs_changed: c.jobs_changed
        }
      }
    })
  )
})

export const dedupe: NodeKind<typeof DedupeOptions.Type> = {
  role: "transform",
  kind: "dedupe",
  description: "Merge staged postings into canonical jobs: same source id, and the same job across boards and ATSs",
  options: DedupeOptions,
  run: (_opts, ctx) => dedupeJobs(ctx)
}
