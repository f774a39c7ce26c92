import { Duration, Effect } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import type { NodeContext, NodeKind } from "../../pipelines/node.ts"
import { inputPredicate } from "../inputs.ts"
import { atsUrlKeyMacro, DEDUPE_MACROS, type AtsSource } from "./sql.ts"
import { linkNew, stageInput, TEMP_TABLES, writeJobs, writeSightings } from "./match.ts"
import { DedupeOptions, dedupeDeclaration } from "./declaration.ts"
export { DedupeOptions }

/** `JOBSIGNAL_DEDUPE_PROFILE=1` prints each dedupe statement's time to stderr (for tuning at scale). */
const profile = process.env.JOBSIGNAL_DEDUPE_PROFILE === "1"

export { SIGHTING_ID_SQL } from "./match.ts"

/**
 * Folds the staged postings of this run's sources into canonical `jobs`, all in DuckDB SQL
 * (transforms/dedupe/match.ts): the same (source, source id) is one sighting whose `last_seen` moves
 * and whose `first_seen` stays; the same job on several boards, under company/title spellings,
 * tracking URLs or a repost id, is one job keeping every sighting in `job_sightings` and `sources`.
 * A sighting once attached never moves, so canonical ids are stable and a rerun changes nothing.
 */
export const dedupeJobs = Effect.fn("dedupeJobs")(function* (
  ctx: Pick<NodeContext, "inputs"> & { readonly ats: ReadonlyArray<AtsSource> }
) {
  const w = yield* Warehouse
  const input = inputPredicate(ctx, "source")
  for (const m of [...DEDUPE_MACROS, atsUrlKeyMacro(ctx.ats.map((a) => a.jobUrl))]) yield* w.exec(m)
  // No statement here relies on row order (every pick is ordered explicitly), and keeping insertion
  // order makes DuckDB buffer whole results at 1M rows; the caller's setting is restored afterwards.
  const [{ keep }] = yield* w.query<{ keep: boolean }>("select current_setting('preserve_insertion_order') as keep")
  yield* w.exec("set preserve_insertion_order = false")
  return yield* Effect.ensuring(
    pass(w, input, ctx.ats),
    w.exec(`set preserve_insertion_order = ${keep ? "true" : "false"}`).pipe(Effect.orDie)
  )
})

const pass = (w: Warehouse["Type"], input: ReturnType<typeof inputPredicate>, ats: ReadonlyArray<AtsSource>) =>
  w.transaction((tx) =>
    Effect.gen(function* () {
      const [{ staged }] = yield* tx.query<{ staged: number }>(
        `select count(*)::int as staged from stg_jobs where ${input.sql}`,
        input.params
      )
      const step = (sql: string, params: ReadonlyArray<unknown> = []) =>
        profile
          ? Effect.timed(tx.exec(sql, params)).pipe(
              Effect.map(([d]) =>
                console.error(
                  `dedupe ${Duration.toMillis(d).toFixed(0).padStart(7)} ms  ${sql.replace(/\s+/g, " ").slice(0, 80)}`
                )
              )
            )
          : tx.exec(sql, params)
      for (const sql of stageInput(input.sql, ats)) yield* step(sql, sql.includes("stg_jobs where") ? input.params : [])
      for (const sql of linkNew) yield* step(sql)
      yield* tx.exec(
        `create or replace temp table _dd_before as
         select id, content_hash from jobs where id in (select distinct job_id from _dd_assign)`
      )
      for (const sql of writeSightings) yield* step(sql)
      const [best, ...rest] = writeJobs
      yield* step(best)
      const [c] = yield* tx.query<Record<string, number>>(
        `select (select count(*) from _dd_assign)::int as sightings,
                (select count(*) from _dd_assign where new_sighting)::int as new_sightings,
                (select count(*) from _dd_best)::int as jobs_touched,
                (select count(*) from _dd_best where not existing)::int as new_jobs`
      )
      yield* tx.exec("drop table _dd_assign")
      // The updates touch only jobs that existed before this pass; on a first load there are none,
      // and an update joined against 1M new rows still scans them all.
      const [agg, insert, ...updates] = rest
      for (const sql of c.jobs_touched > c.new_jobs ? [agg, insert, ...updates] : [agg, insert]) yield* step(sql)
      const [{ jobs_changed }] = yield* tx.query<{ jobs_changed: number }>(
        "select count(*)::int as jobs_changed from jobs j join _dd_before b using (id) where j.content_hash is distinct from b.content_hash"
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
          jobs_changed
        }
      }
    })
  )

export const dedupe: NodeKind<typeof DedupeOptions.Type> = {
  ...dedupeDeclaration,
  run: (_opts, ctx) =>
    dedupeJobs({
      inputs: ctx.inputs,
      ats: ctx.dag.kinds.flatMap((k) => (k.role === "source" && k.jobUrl ? [{ kind: k.kind, jobUrl: k.jobUrl }] : []))
    })
}
