/**
 * SYNTHETIC rows for the analytics views and the report: scores, LLM calls, signals, DQ results and
 * source errors that no recording covers yet (the areas that produce them land separately).
 * Used by the views/report tests and `npm run report:screenshot`; never presented as recorded data.
 */
import { Effect } from "effect"
import { Warehouse } from "../sinks/warehouse.ts"

const day = (offset: number, hour = 9) => {
  const d = new Date(Date.UTC(2026, 10, 1 + offset, hour))
  return d.toISOString()
}

/** Scores the first `scored` jobs of `runId` (tiers cycle A, B, C, D), plus LLM, signal and DQ rows. */
export const seedSyntheticAnalytics = (runId: string, opts: { scored?: number } = {}) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const jobs = yield* w.query<{ id: string; company: string }>("select id, company from jobs order by id limit $1", [
      opts.scored ?? 40
    ])
    const tiers = ["A", "B", "C", "D"]
    yield* w.insertRows(
      "job_scores",
      jobs.map((j, i) => ({
        job_id: j.id,
        relevant: i % 4 !== 3,
        relevance_reason: "synthetic",
        relevance_by: "lexical",
        fit_score: i % 4 === 3 ? null : 90 - (i % 4) * 15,
        fit_category: i % 4 === 3 ? null : "synthetic",
        tier: i % 4 === 3 ? null : tiers[i % 4],
        scored_by: "llm",
        model: "synthetic-model",
        run_id: runId,
        scored_at: day(0)
      }))
    )
    const calls = []
    for (let d = 0; d < 5; d++)
      for (const [tier, model, usd] of [
        ["fast", "fast-model", 0.01],
        ["balanced", "balanced-model", 0.05]
      ] as const)
        for (let k = 0; k < d + 1; k++)
          calls.push({
            call_id: `synthetic-${d}-${tier}-${k}`,
            run_id: runId,
            node: "score",
            provider: "synthetic",
            model,
            tier,
            items: 10,
            input_tokens: 4000,
            cached_input_tokens: 1000,
            output_tokens: 800,
            usd,
            latency_ms: 1200,
            outcome: k === 0 && d === 4 ? "error" : "ok",
            error: k === 0 && d === 4 ? "synthetic 529" : null,
            called_at: day(d, 10 + k)
          })
    yield* w.insertRows("llm_calls", calls)
    const companies = [...new Set(jobs.map((j) => j.company))]
    const types = ["funding", "leadership", "hiring_velocity", "sec_8k"]
    yield* w.insertRows(
      "signals",
      companies.flatMap((c, i) =>
        types.slice(0, 1 + (i % types.length)).map((t, k) => ({
          signal_id: `synthetic-${i}-${k}`,
          company_key: c.toLowerCase(),
          company_name: c,
          type: t,
          signal_date: day(k).slice(0, 10),
          title: `synthetic ${t} for ${c}`,
          confidence: 0.8,
          first_seen: day(k),
          last_seen: day(k),
          run_id: runId
        }))
      )
    )
    yield* w.insertRows("dq_results", [
      {
        run_id: runId,
        node: "mongo",
        rule: "required_fields",
        severity: "error",
        checked: 100,
        passed: 97,
        failed: 3,
        quarantined: 3,
        checked_at: day(0)
      },
      {
        run_id: runId,
        node: "mongo",
        rule: "url_valid",
        severity: "warn",
        checked: 100,
        passed: 99,
        failed: 1,
        quarantined: 0,
        checked_at: day(0)
      }
    ])
    yield* w.insertRows(
      "quarantine",
      [1, 2, 3].map((i) => ({
        quarantine_id: `synthetic-q${i}`,
        run_id: runId,
        node: "mongo",
        rule: "required_fields",
        reason: "synthetic: title missing",
        record_key: `k${i}`,
        record: JSON.stringify({ i }),
        status: i === 3 ? "resolved" : "open",
        parked_at: day(0),
        resolved_at: i === 3 ? day(1) : null
      }))
    )
    return { scored: jobs.length, calls: calls.length, companies: companies.length }
  })
