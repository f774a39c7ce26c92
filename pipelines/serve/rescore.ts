import { Effect } from "effect"
import { Fatal } from "../errors.ts"
import type { LoadedDag } from "../load.ts"
import { Warehouse } from "../../sinks/warehouse.ts"
import { fitTask } from "../../transforms/fit-score.ts"
import { relevanceTask } from "../../transforms/relevance.ts"
import { JOB_COLUMNS, renderJob } from "../../transforms/job-prompt.ts"
import { fitCategoryOf, fitTierOf, llmRuntime, modelFor, resolveTier, runBatched, type TierChoice } from "../../transforms/llm/index.ts"
import { makeItem, estimateTokens } from "../../transforms/llm/prompt.ts"
import { priceOf } from "../../transforms/llm/prices.ts"
import { lexicalScore, type JobText } from "../../transforms/lexical.ts"
import { loadProfile } from "../../transforms/profile.ts"
import type { JobOpsRunner, OpProgress } from "./job-ops.ts"

/**
 * The operations the dashboard can run on one job before the intelligence layers exist: a fresh
 * relevance judgement and fit score through the same budgeted LLM path the DAG nodes use
 * (ledger rows under node `relevance` / `fit_score`, run id `ui-…`).
 */
const RELEVANCE_SNIPPET = 400
const FIT_DESCRIPTION = 3000

const loadJob = (jobId: string) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const [job] = yield* w.query<JobText>(`select ${JOB_COLUMNS} from jobs j where j.id = $1`, [jobId])
    if (!job) return yield* new Fatal({ reason: "InvalidRequest", message: `no job ${jobId} in the warehouse` })
    return job
  })

const run: JobOpsRunner["run"] = (jobId, ops, o) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const job = yield* loadJob(jobId)
    const { profile, hash } = yield* loadProfile(o.dag)
    const runId = o.runId ?? `ui-${Date.now()}`
    const now = new Date().toISOString()
    const results: Record<string, unknown> = {}
    let usd = 0
    const progress = (p: Omit<OpProgress, "jobId">) => o.onProgress({ jobId, ...p })
    const tier = resolveTier(o.tier, fitTierOf(lexicalScore(profile, job).score))

    if (ops.includes("relevance")) {
      progress({ op: "relevance", phase: "model", status: "started", message: `judging relevance (${tier} tier)` })
      const rt = yield* llmRuntime({ dag: o.dag, runId, node: "relevance" }, tier)
      if (!rt.available) return yield* new Fatal({ reason: "Config", message: rt.note })
      const task = relevanceTask(profile, hash)
      const item = makeItem(job.id, renderJob(job, RELEVANCE_SNIPPET))
      const report = yield* runBatched(task, [item], { tier, batchSize: 1, settings: rt.settings, runId, node: "relevance", budget: rt.budget }).pipe(Effect.provide(rt.layer))
      usd += report.stats.usd
      const r = report.results.get(job.id)
      if (!r) return yield* new Fatal({ reason: "Internal", message: `relevance for ${jobId}: ${report.failed.get(job.id) ?? report.budgetExceeded?.message ?? "no answer"}` })
      yield* w.exec(
        `insert into job_scores (job_id, relevant, relevance_reason, relevance_by, relevance_model, relevance_prompt_version, relevance_input_hash, relevance_run_id, relevance_at, lexical_score)
         values ($1, $2, $3, 'llm', $4, $5, $6, $7, $8, $9)
         on conflict (job_id) do update set relevant = excluded.relevant, relevance_reason = excluded.relevance_reason, relevance_by = excluded.relevance_by,
           relevance_model = excluded.relevance_model, relevance_prompt_version = excluded.relevance_prompt_version, relevance_input_hash = excluded.relevance_input_hash,
           relevance_run_id = excluded.relevance_run_id, relevance_at = excluded.relevance_at, lexical_score = excluded.lexical_score`,
        [job.id, r.out.relevant, r.out.reason, r.model, task.promptVersion, item.hash, runId, now, lexicalScore(profile, job).score])
      results.relevance = { relevant: r.out.relevant, reason: r.out.reason, model: r.model, cached: r.cached }
      progress({ op: "relevance", phase: "model", status: "done", message: r.out.reason, partial: results.relevance })
    }

    if (ops.includes("fit")) {
      progress({ op: "fit", phase: "model", status: "started", message: `scoring fit (${tier} tier)` })
      const rt = yield* llmRuntime({ dag: o.dag, runId, node: "fit_score" }, tier)
      if (!rt.available) return yield* new Fatal({ reason: "Config", message: rt.note })
      const task = fitTask(profile, hash)
      const item = makeItem(job.id, renderJob(job, FIT_DESCRIPTION))
      const report = yield* runBatched(task, [item], { tier, batchSize: 1, settings: rt.settings, runId, node: "fit_score", budget: rt.budget }).pipe(Effect.provide(rt.layer))
      usd += report.stats.usd
      const r = report.results.get(job.id)
      if (!r) return yield* new Fatal({ reason: "Internal", message: `fit score for ${jobId}: ${report.failed.get(job.id) ?? report.budgetExceeded?.message ?? "no answer"}` })
      progress({ op: "fit", phase: "write", status: "started", message: `score ${r.out.score}`, partial: { score: r.out.score } })
      yield* w.exec(
        `insert into job_scores (job_id, fit_score, fit_category, tier, fit_rationale, fit_quote, scored_by, model, prompt_version, input_hash, run_id, scored_at)
         values ($1, $2, $3, $4, $5, $6, 'llm', $7, $8, $9, $10, $11)
         on conflict (job_id) do update set fit_score = excluded.fit_score, fit_category = excluded.fit_category, tier = excluded.tier,
           fit_rationale = excluded.fit_rationale, fit_quote = excluded.fit_quote, scored_by = excluded.scored_by, model = excluded.model,
           prompt_version = excluded.prompt_version, input_hash = excluded.input_hash, run_id = excluded.run_id, scored_at = excluded.scored_at`,
        [job.id, r.out.score, fitCategoryOf(r.out.score), fitTierOf(r.out.score), r.out.rationale, r.out.quote, r.model, task.promptVersion, item.hash, runId, now])
      results.fit = { score: r.out.score, tier: fitTierOf(r.out.score), category: fitCategoryOf(r.out.score), rationale: r.out.rationale, quote: r.out.quote, model: r.model }
      progress({ op: "fit", phase: "write", status: "done", message: `fit ${r.out.score} (${fitTierOf(r.out.score)})`, partial: results.fit })
    }
    return { jobId, results, usd }
  })

/** Worst-case-free estimate: prompt tokens as rendered, the task's output tokens per item, list prices. */
const estimate: JobOpsRunner["estimate"] = (jobIds, ops, tierChoice, dag) =>
  Effect.gen(function* () {
    const { profile, hash } = yield* loadProfile(dag)
    const settingsRt = yield* llmRuntime({ dag, runId: "estimate", node: "estimate" }, resolveTier(tierChoice, "C"))
    let calls = 0, inputTokens = 0, outputTokens = 0, usd = 0
    for (const id of jobIds) {
      const job = yield* loadJob(id)
      const tier = resolveTier(tierChoice as TierChoice, fitTierOf(lexicalScore(profile, job).score))
      const model = settingsRt.available ? modelFor(settingsRt.settings, tier) : undefined
      const price = model && settingsRt.available ? priceOf(settingsRt.settings.prices, model.model) : undefined
      for (const [op, task, chars] of [["relevance", relevanceTask(profile, hash), RELEVANCE_SNIPPET], ["fit", fitTask(profile, hash), FIT_DESCRIPTION]] as const) {
        if (!ops.includes(op)) continue
        const inTok = estimateTokens(task.system) + estimateTokens(renderJob(job, chars)) + 20
        calls++; inputTokens += inTok; outputTokens += task.outputTokensPerItem
        if (price && !(price instanceof Fatal)) usd += (inTok * price.input + task.outputTokensPerItem * price.output) / 1e6
      }
    }
    return { calls, inputTokens, outputTokens, usd }
  }).pipe(Effect.orElseSucceed(() => ({ calls: 0, inputTokens: 0, outputTokens: 0, usd: 0 })))

export const rescoreRunner: JobOpsRunner = {
  name: "rescore",
  ops: ["relevance", "fit"],
  run,
  estimate: estimate as JobOpsRunner["estimate"]
}
