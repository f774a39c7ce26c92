/**
 * Pairwise precision and recall of dedupe over the labelled set in fixtures/dedupe-eval/. Labelled
 * pairs: every pair of postings whose company folds to the same name or that are the same job (pairs
 * across unrelated companies are trivially different and would only inflate the figures).
 */
import { Effect } from "effect"
import { Warehouse } from "../sinks/warehouse.ts"
import { dedupeJobs } from "../transforms/dedupe/node.ts"
import { normalizeCompanyName } from "../model/company.ts"
import { loadEvalSet, type EvalPosting } from "./dedupe-evalset.ts"
import type { BenchCase } from "./index.ts"
import { ats, migrations } from "../app/index.ts"

export interface EvalResult {
  readonly postings: number
  readonly pairs: number
  readonly positives: number
  readonly precision: number
  readonly recall: number
  readonly misses: ReadonlyArray<{ kind: "false merge" | "missed merge"; a: string; b: string }>
}

const describe = (p: EvalPosting) =>
  `${p.origin} ${p.source}:${p.source_id} "${p.title}" @ ${p.company} (${p.location ?? "-"})`

export const evaluateDedupe = (postings: ReadonlyArray<EvalPosting> = loadEvalSet()) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const fetched = "2026-08-01T00:00:00Z"
    yield* w.insertRows(
      "stg_jobs",
      postings.map((p, i) => ({
        run_id: "eval",
        node: "eval",
        unit: p.source,
        record_key: p.source_id,
        fetched_at: fetched,
        remote: "unknown",
        source: p.source,
        source_id: p.source_id,
        url: p.url,
        apply_url: p.apply_url,
        title: p.title,
        company: p.company,
        location: p.location,
        description_text: p.description_text,
        posted_at: new Date(Date.parse(fetched) - i * 60_000).toISOString()
      }))
    )
    yield* dedupeJobs({ inputs: [{ node: "eval", runId: "eval", role: "source", kind: "eval" }], ats })
    const rows = yield* w.query<{ source: string; source_id: string; job_id: string }>(
      "select source, source_id, job_id from job_sightings"
    )
    const jobOf = new Map(rows.map((r) => [`${r.source}:${r.source_id}`, r.job_id]))
    let tp = 0,
      fp = 0,
      fn = 0,
      pairs = 0
    const misses: Array<EvalResult["misses"][number]> = []
    const ck = postings.map((p) => normalizeCompanyName(p.company))
    for (let i = 0; i < postings.length; i++)
      for (let j = i + 1; j < postings.length; j++) {
        const a = postings[i],
          b = postings[j]
        const same = a.truth === b.truth
        if (!same && ck[i] !== ck[j]) continue
        pairs++
        const predicted = jobOf.get(`${a.source}:${a.source_id}`) === jobOf.get(`${b.source}:${b.source_id}`)
        if (same && predicted) tp++
        else if (!same && predicted) {
          fp++
          misses.push({ kind: "false merge", a: describe(a), b: describe(b) })
        } else if (same && !predicted) {
          fn++
          misses.push({ kind: "missed merge", a: describe(a), b: describe(b) })
        }
      }
    return {
      postings: postings.length,
      pairs,
      positives: tp + fn,
      precision: tp + fp === 0 ? 1 : tp / (tp + fp),
      recall: tp + fn === 0 ? 1 : tp / (tp + fn),
      misses
    } satisfies EvalResult
  })

export const runEvaluation = () =>
  Effect.runPromise(
    Effect.scoped(evaluateDedupe().pipe(Effect.provide(Warehouse.layer({ path: ":memory:", migrations }))))
  )

export const bench: BenchCase = {
  name: "dedupe-eval",
  run: async () => {
    const r = await runEvaluation()
    for (const m of r.misses) process.stdout.write(`  miss (${m.kind}): ${m.a}\n      vs ${m.b}\n`)
    return {
      postings: r.postings,
      "labelled pairs": r.pairs,
      "same-job pairs": r.positives,
      precision: r.precision,
      recall: r.recall,
      misses: r.misses.length
    }
  }
}
