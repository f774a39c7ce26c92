import { Clock, Effect, Schema } from "effect"
import type { NodeKind, NodeOutcome } from "../pipelines/node.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { everyCallFailed, runBatched, llmRuntime, nodeBatchOptions, resolveTier, type LlmTask } from "./llm/index.ts"
import { capFlagged, describeSigns, makeItem, untrustedDataRules } from "./llm/prompt.ts"
import { inputRunIds, jobsTouchedBy, placeholders, renderJob, renderProfile } from "./job-prompt.ts"
import { LEXICAL_VERSION, lexicalScore, prefilter } from "./lexical.ts"
import { loadProfile, type Profile } from "./profile.ts"
import { RelevanceOptions, relevanceDeclaration } from "./relevance-declaration.ts"
export { RelevanceOptions }

export const RELEVANCE_PROMPT = "relevance-v1"

export const RelevanceAnswer = Schema.Struct({
  relevant: Schema.Boolean,
  reason: Schema.String.pipe(Schema.maxLength(300))
})
export type RelevanceAnswer = typeof RelevanceAnswer.Type

export const relevanceTask = (p: Profile, profileHash: string): LlmTask<RelevanceAnswer> => ({
  name: "relevance",
  promptVersion: `${RELEVANCE_PROMPT}:${profileHash}`,
  schemaName: "relevance_results",
  system: `You screen job postings for one job seeker. Decide for each posting whether it is worth their closer look:
relevant = true when the role plausibly matches their target titles, seniority and domains; false otherwise.
Give a reason of at most 12 words.

${renderProfile(p)}
${untrustedDataRules('{"id": "<item id>", "relevant": true|false, "reason": "<at most 12 words>"}')}`,
  itemSchema: RelevanceAnswer,
  itemJsonProps: { relevant: { type: "boolean" }, reason: { type: "string" } },
  outputTokensPerItem: 32
})

interface RelevanceRow {
  job_id: string
  relevant: boolean | null
  relevance_reason: string
  relevance_by: string | null
  relevance_model: string | null
  relevance_prompt_version: string | null
  relevance_input_hash: string
  relevance_run_id: string
  relevance_at: string
  lexical_score: number
  injection_suspected: boolean
}

/**
 * `relevance`: the profile's free lexical rules first, then a yes/no pass by the fast model tier on
 * the survivors, batched. Jobs whose content and prompt are unchanged keep their judgement.
 */
export const judgeRelevance = (opts: RelevanceOptions, ctx: Parameters<NodeKind["run"]>[1]) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const startedAt = yield* Clock.currentTimeMillis
    const { profile, hash: profileHash } = yield* loadProfile(ctx.dag)
    const jobs = yield* jobsTouchedBy(inputRunIds(ctx))
    const tier = resolveTier(opts.tier)
    const rt = opts.use_llm
      ? yield* llmRuntime(ctx, tier)
      : {
          available: false as const,
          note: `${ctx.node}: use_llm is false; the lexical scorer judged every job (scored_by = 'lexical')`
        }
    const task = relevanceTask(profile, profileHash)
    const version = rt.available
      ? task.promptVersion
      : `${RELEVANCE_PROMPT}-${LEXICAL_VERSION}:${profileHash}:${opts.min_lexical_score}`
    const items = jobs.map((j) => ({ job: j, item: makeItem(j.id, renderJob(j, opts.snippet_chars)) }))

    const prior = new Map<
      string,
      { v: string | null; h: string | null; relevant: boolean | null; lexical: number | null }
    >()
    for (let i = 0; i < jobs.length; i += 1000) {
      const ids = jobs.slice(i, i + 1000).map((j) => j.id)
      const rows = yield* w.query<{
        job_id: string
        v: string | null
        h: string | null
        relevant: boolean | null
        lexical: number | null
      }>(
        `select job_id, relevance_prompt_version as v, relevance_input_hash as h, relevant, lexical_score as lexical from job_scores where job_id in (${placeholders(ids.length)})`,
        ids
      )
      for (const r of rows) prior.set(r.job_id, r)
    }
    const now = new Date().toISOString()
    // A flagged job judged relevant above its lexical judgement (before that was capped) is judged again; the result cache answers it.
    const uncapped = (p: { relevant: boolean | null; lexical: number | null }, x: (typeof items)[number]) =>
      rt.available && x.item.injection.length > 0 && p.relevant === true && (p.lexical ?? 0) < opts.min_lexical_score
    const unchanged = items.filter((x) => {
      const p = prior.get(x.job.id)
      return p?.v === version && p.h === x.item.hash && !uncapped(p, x)
    })
    const todo = items.filter((x) => !unchanged.includes(x))
    const rows: RelevanceRow[] = []
    const row = (x: (typeof items)[number], r: Partial<RelevanceRow>): RelevanceRow => ({
      job_id: x.job.id,
      relevant: null,
      relevance_reason: "",
      relevance_by: null,
      relevance_model: null,
      relevance_prompt_version: null,
      relevance_input_hash: x.item.hash,
      relevance_run_id: ctx.runId,
      relevance_at: now,
      lexical_score: lexicalScore(profile, x.job).score,
      injection_suspected: x.item.injection.length > 0,
      ...r
    })
    const survivors: typeof items = []
    for (const x of todo) {
      const pf = prefilter(profile, x.job)
      if (!pf.pass)
        rows.push(
          row(x, {
            relevant: false,
            relevance_reason: `prefilter: ${pf.reason}`,
            relevance_by: "lexical",
            relevance_prompt_version: version
          })
        )
      else survivors.push(x)
    }

    const notes: string[] = []
    let details: Record<string, unknown> = {
      jobs: jobs.length,
      unchanged: unchanged.length,
      prefiltered_out: todo.length - survivors.length,
      survivors: survivors.length
    }
    let partial = false
    if (!rt.available) {
      notes.push(rt.note)
      for (const x of survivors) {
        const ls = lexicalScore(profile, x.job)
        rows.push(
          row(x, {
            relevant: ls.score >= opts.min_lexical_score,
            relevance_reason: `${ls.reason} (score ${ls.score}, threshold ${opts.min_lexical_score})`,
            relevance_by: "lexical",
            relevance_prompt_version: version
          })
        )
      }
    } else {
      const report = yield* runBatched(
        task,
        survivors.map((x) => x.item),
        nodeBatchOptions(rt, ctx, opts, tier, startedAt)
      ).pipe(Effect.provide(rt.layer))
      for (const x of survivors) {
        const r = report.results.get(x.job.id)
        if (r && x.item.injection.length > 0) {
          // The model may have been obeyed: it can turn the lexical judgement down, never up.
          const ls = lexicalScore(profile, x.job)
          const lexical = ls.score >= opts.min_lexical_score
          const reason = `${r.out.reason} [prompt injection suspected (${describeSigns(x.item.injection)}): ${r.out.relevant && !lexical ? `the model's "relevant" was overruled by the lexical score ${ls.score} < ${opts.min_lexical_score}` : "the model's answer stands, at or below the lexical judgement"}]`
          rows.push(
            row(x, {
              relevant: capFlagged.relevant(true, r.out.relevant, ls.score, opts.min_lexical_score),
              relevance_reason: reason,
              relevance_by: "llm",
              relevance_model: r.model,
              relevance_prompt_version: version
            })
          )
        } else if (r)
          rows.push(
            row(x, {
              relevant: r.out.relevant,
              relevance_reason: r.out.reason,
              relevance_by: "llm",
              relevance_model: r.model,
              relevance_prompt_version: version
            })
          )
        else
          rows.push(
            row(x, {
              relevance_reason:
                report.failed.get(x.job.id) ??
                report.pending.get(x.job.id) ??
                "not judged: the LLM budget stopped this run"
            })
          )
      }
      const outage = everyCallFailed(ctx.node, [report])
      if (outage) return yield* outage
      if (report.budgetExceeded) {
        partial = true
        notes.push(
          `BudgetExceeded: ${report.budgetExceeded.message}; ${report.unscored.length} job(s) left for the next run`
        )
      }
      notes.push(...report.notes)
      if (report.pending.size > 0) partial = true
      if (report.failed.size > 0) {
        partial = true
        notes.push(`${report.failed.size} job(s) could not be judged (see job_scores.relevance_reason)`)
      }
      details = {
        ...details,
        outcome: report.budgetExceeded ? "BudgetExceeded" : "ok",
        ...report.stats,
        retryLog: undefined,
        flagged: survivors.filter((x) => x.item.injection.length > 0).length,
        failed: report.failed.size,
        unscored: report.unscored.length,
        final_tier: report.finalTier
      }
    }
    yield* writeRelevance(
      rows,
      unchanged.map((x) => x.job.id),
      ctx.runId
    )
    const relevant = rows.filter((r) => r.relevant === true).length
    return {
      rowsIn: jobs.length,
      rowsOut: rows.length,
      partial,
      notes,
      details: { ...details, relevant }
    } satisfies NodeOutcome
  })

/** Upserts the relevance columns, and marks unchanged jobs as read by this run (fit_score follows them). */
const writeRelevance = (rows: ReadonlyArray<RelevanceRow>, unchanged: ReadonlyArray<string>, runId: string) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    yield* w.transaction((tx) =>
      Effect.gen(function* () {
        yield* tx.exec(`create or replace temp table _relevance_in as select job_id, relevant, relevance_reason, relevance_by, relevance_model, relevance_prompt_version,
          relevance_input_hash, relevance_run_id, relevance_at, lexical_score, injection_suspected from job_scores limit 0`)
        yield* tx.insertRows("_relevance_in", rows as unknown as ReadonlyArray<Record<string, unknown>>)
        yield* tx.exec(`insert into job_scores (job_id, relevant, relevance_reason, relevance_by, relevance_model, relevance_prompt_version, relevance_input_hash, relevance_run_id, relevance_at, lexical_score, injection_suspected)
          select * from _relevance_in
          on conflict (job_id) do update set relevant = excluded.relevant, relevance_reason = excluded.relevance_reason, relevance_by = excluded.relevance_by,
            relevance_model = excluded.relevance_model, relevance_prompt_version = excluded.relevance_prompt_version, relevance_input_hash = excluded.relevance_input_hash,
            relevance_run_id = excluded.relevance_run_id, relevance_at = excluded.relevance_at, lexical_score = excluded.lexical_score, injection_suspected = excluded.injection_suspected`)
        yield* tx.exec("drop table _relevance_in")
        for (let i = 0; i < unchanged.length; i += 1000) {
          const ids = unchanged.slice(i, i + 1000)
          yield* tx.exec(
            `update job_scores set relevance_run_id = $1 where job_id in (${placeholders(ids.length, 2)})`,
            [runId, ...ids]
          )
        }
      })
    )
  })

export const relevance: NodeKind<RelevanceOptions> = {
  ...relevanceDeclaration,
  run: (opts, ctx) => judgeRelevance(opts, ctx)
}
