import { Clock, Effect, Schema } from "effect"
import type { NodeKind, NodeOutcome } from "../pipelines/node.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import {
  everyCallFailed,
  fitCategoryOf,
  fitTierOf,
  llmRuntime,
  modeFor,
  modelFor,
  nodeBatchOptions,
  resolveTier,
  runBatched,
  type BatchReport,
  type LlmTask,
  type Tier
} from "./llm/index.ts"
import { capFlagged, describeSigns, makeItem, untrustedDataRules, type BatchItem } from "./llm/prompt.ts"
import { inputRunIds, JOB_COLUMNS, placeholders, renderJob, renderProfile } from "./job-prompt.ts"
import { LEXICAL_VERSION, lexicalScore, norm, type JobText } from "./lexical.ts"
import { loadProfile, type Profile } from "./profile.ts"
import { FitScoreOptions, fitScoreDeclaration } from "./fit-score-declaration.ts"
export { FitScoreOptions }

export const FIT_PROMPT = "fit-v1"

export const FitAnswer = Schema.Struct({
  score: Schema.Int.pipe(Schema.between(0, 100)),
  rationale: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1200)),
  /** A short verbatim phrase from the posting the rationale rests on. */
  quote: Schema.String.pipe(Schema.minLength(3), Schema.maxLength(300))
})
export type FitAnswer = typeof FitAnswer.Type

export const fitTask = (p: Profile, profileHash: string): LlmTask<FitAnswer> => ({
  name: "fit_score",
  promptVersion: `${FIT_PROMPT}:${profileHash}`,
  schemaName: "fit_results",
  system: `You are a senior executive recruiter scoring how well each job posting fits one candidate.
Work in four steps for each posting: map the posting's needs to the candidate's strengths, find gaps, judge strategic
alignment, then decide a score 0-100 (90-100 exceptional, 80-89 strong, 70-79 good, 60-69 moderate, below 60 weak).
rationale: 2-3 sentences citing the posting; never invent facts or metrics about the candidate or the company.
quote: a short phrase (3-15 words) copied verbatim from that posting's text, the evidence your rationale rests on.

${renderProfile(p)}
${untrustedDataRules('{"id": "<item id>", "score": <0-100>, "rationale": "<2-3 sentences>", "quote": "<verbatim phrase from the posting>"}')}`,
  itemSchema: FitAnswer,
  itemJsonProps: { score: { type: "integer" }, rationale: { type: "string" }, quote: { type: "string" } },
  outputTokensPerItem: 120,
  // A quote that is not in the posting means the rationale does not cite it: ask again.
  check: (out, item) => (norm(item.text).includes(norm(out.quote)) ? undefined : "quote does not occur in the posting")
})

interface FitRow {
  job_id: string
  fit_score: number | null
  fit_category: string | null
  tier: string | null
  fit_rationale: string
  fit_quote: string | null
  scored_by: string | null
  model: string | null
  prompt_version: string | null
  input_hash: string
  run_id: string
  scored_at: string
  injection_suspected: boolean | null
}

/**
 * `fit_score`: a 0–100 fit for every job relevance let through in its input run, with rationale,
 * category and tier A/B/C/D (Layer 4), batched ~40 descriptions a call. Unchanged jobs keep their score.
 */
export const scoreFit = (opts: FitScoreOptions, ctx: Parameters<NodeKind["run"]>[1]) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const startedAt = yield* Clock.currentTimeMillis
    const { profile, hash: profileHash } = yield* loadProfile(ctx.dag)
    const runIds = inputRunIds(ctx)
    const jobs = yield* w.query<
      JobText & { v: string | null; h: string | null; injection_suspected: boolean | null; prior_score: number | null }
    >(
      `select ${JOB_COLUMNS}, s.prompt_version as v, s.input_hash as h, s.injection_suspected, s.fit_score as prior_score from jobs j join job_scores s on s.job_id = j.id
       where s.relevant and s.relevance_run_id in (${placeholders(runIds.length)}) order by j.id`,
      runIds
    )
    const firstTier: Tier = opts.tier === "auto" ? "fast" : opts.tier
    const rt = opts.use_llm
      ? yield* llmRuntime(ctx, firstTier)
      : {
          available: false as const,
          note: `${ctx.node}: use_llm is false; the lexical scorer scored every job (scored_by = 'lexical')`
        }
    const task = fitTask(profile, profileHash)
    const version = rt.available ? task.promptVersion : `${FIT_PROMPT}-${LEXICAL_VERSION}:${profileHash}`
    const items = jobs.map((j) => ({
      job: j,
      item: flaggedByRelevance(j, makeItem(j.id, renderJob(j, opts.description_chars))),
      lexical: lexicalScore(profile, j)
    }))
    const suspected = (x: (typeof items)[number]) => x.item.injection.length > 0
    // A flagged job scored above the lexical scorer (before that was capped) is scored again; the result cache answers it.
    const uncapped = (x: (typeof items)[number]) => suspected(x) && (x.job.prior_score ?? 0) > x.lexical.score
    const todo = items.filter((x) => !(x.job.v === version && x.job.h === x.item.hash) || uncapped(x))
    const now = new Date().toISOString()
    const rows: FitRow[] = []
    const row = (x: (typeof items)[number], score: number | null, r: Partial<FitRow>): FitRow => ({
      job_id: x.job.id,
      fit_score: score,
      fit_category: score === null ? null : fitCategoryOf(score),
      tier: score === null ? null : fitTierOf(score),
      fit_rationale: "",
      fit_quote: null,
      scored_by: null,
      model: null,
      prompt_version: null,
      input_hash: x.item.hash,
      run_id: ctx.runId,
      scored_at: now,
      injection_suspected: suspected(x),
      ...r
    })
    const notes: string[] = []
    let partial = false
    let details: Record<string, unknown> = { relevant_jobs: jobs.length, unchanged: jobs.length - todo.length }
    if (!rt.available) {
      notes.push(rt.note)
      for (const x of todo)
        rows.push(
          row(x, x.lexical.score, { fit_rationale: x.lexical.reason, scored_by: "lexical", prompt_version: version })
        )
    } else {
      // `auto`: the lexical estimate's tier picks the model, so only likely A-tier jobs pay for the strongest one.
      const groups = new Map<Tier, typeof todo>()
      for (const x of todo) {
        const t = resolveTier(opts.tier, fitTierOf(x.lexical.score))
        groups.set(t, [...(groups.get(t) ?? []), x])
      }
      const reports: Array<BatchReport<FitAnswer>> = []
      for (const [tier, group] of groups) {
        if (!modelFor(rt.settings, tier)) {
          for (const x of group)
            rows.push(row(x, null, { fit_rationale: `not scored: no LLM model with a key for the ${tier} tier` }))
          continue
        }
        const report = yield* runBatched(
          task,
          group.map((x) => x.item),
          nodeBatchOptions(rt, ctx, opts, tier, startedAt)
        ).pipe(Effect.provide(rt.layer))
        reports.push(report)
        for (const x of group) {
          const r = report.results.get(x.job.id)
          if (r && suspected(x))
            rows.push(
              row(x, capFlagged.fit(true, r.out.score, x.lexical.score), {
                fit_rationale: capped(r.out.rationale, r.out.score, x),
                fit_quote: r.out.quote,
                scored_by: "llm",
                model: r.model,
                prompt_version: version
              })
            )
          else if (r)
            rows.push(
              row(x, r.out.score, {
                fit_rationale: r.out.rationale,
                fit_quote: r.out.quote,
                scored_by: "llm",
                model: r.model,
                prompt_version: version
              })
            )
          else
            rows.push(
              row(x, null, {
                fit_rationale:
                  report.failed.get(x.job.id) ??
                  report.pending.get(x.job.id) ??
                  "not scored: the LLM budget stopped this run"
              })
            )
        }
      }
      const outage = everyCallFailed(ctx.node, reports)
      if (outage) return yield* outage
      const stopped = reports.find((r) => r.budgetExceeded)?.budgetExceeded
      const failed = reports.reduce((n, r) => n + r.failed.size, 0)
      const unscored = reports.reduce((n, r) => n + r.unscored.length, 0)
      if (stopped) {
        partial = true
        notes.push(`BudgetExceeded: ${stopped.message}; ${unscored} job(s) left for the next run`)
      }
      notes.push(...new Set(reports.flatMap((r) => r.notes)))
      if (reports.some((r) => r.pending.size > 0)) partial = true
      if (failed > 0) {
        partial = true
        notes.push(`${failed} job(s) could not be scored (see job_scores.fit_rationale)`)
      }
      const sum = (
        k:
          | "calls"
          | "retries"
          | "splits"
          | "reasks"
          | "cacheHits"
          | "inputTokens"
          | "cachedInputTokens"
          | "outputTokens"
          | "usd"
          | "batchesSubmitted"
          | "batchesResumed"
          | "batchAnswered"
          | "batchFallbacks"
      ) => reports.reduce((n, r) => n + r.stats[k], 0)
      details = {
        ...details,
        outcome: stopped ? "BudgetExceeded" : "ok",
        calls: sum("calls"),
        retries: sum("retries"),
        splits: sum("splits"),
        reasks: sum("reasks"),
        cacheHits: sum("cacheHits"),
        inputTokens: sum("inputTokens"),
        cachedInputTokens: sum("cachedInputTokens"),
        outputTokens: sum("outputTokens"),
        usd: sum("usd"),
        mode: modeFor(opts.mode, ctx),
        batchesSubmitted: sum("batchesSubmitted"),
        batchesResumed: sum("batchesResumed"),
        batchAnswered: sum("batchAnswered"),
        batchFallbacks: sum("batchFallbacks"),
        failed,
        unscored,
        flagged: todo.filter(suspected).length
      }
    }
    yield* writeFit(rows)
    return {
      rowsIn: jobs.length,
      rowsOut: rows.filter((r) => r.fit_score !== null).length,
      partial,
      notes,
      details
    } satisfies NodeOutcome
  })

/**
 * A posting that talks to the model may have been obeyed: its answer can lower the lexical score,
 * never raise it (score and tier), and the row says so.
 */
const capped = (rationale: string, llmScore: number, x: { lexical: { score: number }; item: BatchItem }) => {
  const why = describeSigns(x.item.injection)
  const cap =
    llmScore > x.lexical.score
      ? `the model's ${llmScore} was capped at the lexical score ${x.lexical.score}`
      : `the model's ${llmScore} is at or below the lexical score ${x.lexical.score}`
  return `${rationale} [prompt injection suspected (${why}): ${cap}]`
}

/** A job relevance flagged (an earlier run, or signs that its snippet shows) is treated as flagged here too: sent alone, capped. */
const flaggedByRelevance = (job: { injection_suspected: boolean | null }, item: BatchItem): BatchItem =>
  job.injection_suspected === true && item.injection.length === 0
    ? { ...item, injection: [{ kind: "flagged_by_relevance", match: "" }] }
    : item

const writeFit = (rows: ReadonlyArray<FitRow>) =>
  Effect.gen(function* () {
    if (rows.length === 0) return
    const w = yield* Warehouse
    yield* w.transaction((tx) =>
      Effect.gen(function* () {
        yield* tx.exec(`create or replace temp table _fit_in as select job_id, fit_score, fit_category, tier, fit_rationale, fit_quote, scored_by, model, prompt_version,
          input_hash, run_id, scored_at, injection_suspected from job_scores limit 0`)
        yield* tx.insertRows("_fit_in", rows as unknown as ReadonlyArray<Record<string, unknown>>)
        yield* tx.exec(`insert into job_scores (job_id, fit_score, fit_category, tier, fit_rationale, fit_quote, scored_by, model, prompt_version, input_hash, run_id, scored_at, injection_suspected)
          select * from _fit_in
          on conflict (job_id) do update set fit_score = excluded.fit_score, fit_category = excluded.fit_category, tier = excluded.tier,
            fit_rationale = excluded.fit_rationale, fit_quote = excluded.fit_quote, scored_by = excluded.scored_by, model = excluded.model,
            prompt_version = excluded.prompt_version, input_hash = excluded.input_hash, run_id = excluded.run_id, scored_at = excluded.scored_at,
            injection_suspected = excluded.injection_suspected`)
        yield* tx.exec("drop table _fit_in")
      })
    )
  })

export const fitScore: NodeKind<FitScoreOptions> = {
  ...fitScoreDeclaration,
  run: (opts, ctx) => scoreFit(opts, ctx)
}
