/**
 * One week of the intel layers as the `intel` node runs them at dag.yaml's defaults (tier auto, the
 * per-job cap): 20 fit tier A/B jobs a day for 7 days, 140 jobs over 60 companies, against the fake
 * LLM server through the real OpenAI SDK, cost read from the ledger. The postings are recorded ones
 * (fixtures); their spread over 60 companies and their fit tiers (3 in 10 A, the rest B) are synthetic.
 * The dossier layer is left out (no model; it writes files).
 */
import { Effect, Layer } from "effect"
import type { LoadedDag } from "../pipelines/load.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { Http } from "../sources/http.ts"
import { estimateJobOps, runJobOps, type JobOp } from "../transforms/intel/ops.ts"
import type { JobText } from "../transforms/lexical.ts"
import type { FakeLlm } from "../test/support/fake-llm.ts"
import { installLayerAnswers } from "../test/support/fake-layers.ts"
import { migrations } from "../app/index.ts"

const OPS: ReadonlyArray<JobOp> = ["extract", "pain", "research", "fit", "outreach", "cv"]
const DAYS = 7,
  PER_DAY = 20,
  COMPANIES = 60

export interface IntelWeek {
  readonly jobs: number
  readonly companies: number
  readonly calls: number
  readonly companyResearchCalls: number
  readonly usd: number
  readonly byTier: Record<string, number>
  readonly skippedAtCap: number
  readonly downgradedLayers: number
  /** What estimateJobOps says the week would cost before it runs (list price, the tiers' first models, no cap). */
  readonly estimateUncappedUsd: number
  readonly capUsd?: number
  readonly rerunCalls: number
}

export const intelWeek = (dag: LoadedDag, fake: FakeLlm, postings: ReadonlyArray<JobText>) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const jobs = postings.slice(0, DAYS * PER_DAY).map((p, i) => ({
      ...p,
      id: `intel-${i}`,
      company: `Company ${(i * 7) % COMPANIES}`,
      tier: i % 10 < 3 ? "A" : "B"
    }))
    for (const j of jobs) {
      yield* w.exec(
        `insert into jobs (id, source, source_id, url, title, company, company_key, location, remote, description_text, first_seen, last_seen)
         values ($1, 'bench', $1, 'https://example.com/' || $1, $2, $3, lower(replace($3, ' ', '')), $4, 'unknown', $5, now(), now())`,
        [j.id, j.title, j.company, j.location, j.description_text]
      )
      yield* w.exec("insert into job_scores (job_id, fit_score, tier) values ($1, $2, $3)", [
        j.id,
        j.tier === "A" ? 88 : 75,
        j.tier
      ])
    }
    const estimate = yield* estimateJobOps(
      jobs.map((j) => j.id),
      OPS,
      "auto",
      dag
    )
    installLayerAnswers(fake)
    let skippedAtCap = 0,
      downgraded = 0
    const runDay = (day: number, suffix = "") =>
      Effect.forEach(jobs.slice(day * PER_DAY, (day + 1) * PER_DAY), (j) =>
        runJobOps(j.id, OPS, {
          tier: "auto",
          dag,
          runId: `bench-intel-day${day}${suffix}`,
          onProgress: (p) => {
            if (p.status === "skipped" && p.message?.includes("per-job cap")) skippedAtCap++
            if (p.status === "done" && p.message?.includes("to stay within the per-job cap")) downgraded++
          }
        })
      )
    const before = fake.requests.length
    for (let day = 0; day < DAYS; day++) yield* runDay(day)
    const calls = fake.requests.length - before
    const rows = yield* w.query<{ node: string; tier: string; usd: number }>(
      "select node, tier, usd from llm_calls where run_id like 'bench-intel-%'"
    )
    const byTier: Record<string, number> = {}
    for (const r of rows) byTier[r.tier] = (byTier[r.tier] ?? 0) + r.usd
    const again = fake.requests.length
    yield* runDay(DAYS - 1, "-rerun")
    return {
      jobs: jobs.length,
      companies: new Set(jobs.map((j) => j.company)).size,
      calls,
      companyResearchCalls: rows.filter((r) => r.node === "intel.company_research").length,
      usd: rows.reduce((a, r) => a + r.usd, 0),
      byTier,
      skippedAtCap,
      downgradedLayers: downgraded,
      estimateUncappedUsd: estimate.usd,
      capUsd: dag.spec.budgets?.llm?.per_job_usd,
      rerunCalls: fake.requests.length - again
    } satisfies IntelWeek
  }).pipe(
    Effect.scoped,
    Effect.provide(
      Layer.fresh(Layer.mergeAll(Warehouse.layer({ path: ":memory:", migrations }), Http.layer({ timeoutMs: 5_000 })))
    )
  )
