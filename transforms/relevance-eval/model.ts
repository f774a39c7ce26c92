/**
 * The labelled set through the configured model, on the same budgeted path the relevance and
 * fit_score nodes use (runBatched: batching, budget, result cache, ledger rows in llm_calls), with
 * the nodes' options from the DAG. Without a key it measures the lexical scorer and says so.
 */
import { Effect, Schema } from "effect"
import type { LoadedDag } from "../../pipelines/load.ts"
import { FitScoreOptions, fitTask } from "../fit-score.ts"
import { renderJob } from "../job-prompt.ts"
import { lexicalScore, prefilter } from "../lexical.ts"
import type { Fatal } from "../../core/errors.ts"
import type { Warehouse, WarehouseError } from "../../sinks/warehouse.ts"
import {
  everyCallFailed,
  type LlmProviders,
  fitTierOf,
  llmRuntime,
  modelFor,
  resolveTier,
  runBatched,
  type BatchReport,
  type Tier,
  type TierChoice
} from "../llm/index.ts"
import { capFlagged, makeItem } from "../llm/prompt.ts"
import type { Profile } from "../profile.ts"
import { RelevanceOptions, relevanceTask } from "../relevance.ts"
import type { LabelledJob } from "./labels.ts"
import { confusion, measureLexical, precisionAtN, type Confusion } from "./measure.ts"

export type EvalKind = "relevance" | "fit"

export interface EvalFigures {
  readonly kind: EvalKind
  /** "llm" when a model judged, "lexical" when no key was configured for the tier. */
  readonly scorer: "llm" | "lexical"
  readonly note?: string
  readonly tiers: ReadonlyArray<string>
  readonly models: ReadonlyArray<string>
  readonly postings: number
  readonly relevant: number
  /** Postings the prefilter let through, the only ones any model sees. */
  readonly judged: number
  readonly prediction: Confusion
  /** fit only: precision among the 20 best scores. */
  readonly precision_at_20?: number
  readonly calls: number
  readonly cache_hits: number
  readonly input_tokens: number
  readonly output_tokens: number
  readonly usd: number
  readonly failed: number
  readonly unscored: number
  readonly budget_stopped?: string
  readonly misses: ReadonlyArray<string>
}

/** A fit score this high (tier A/B) counts as "the scorer says: look at this job". */
export const FIT_POSITIVE = 70

/** The options the DAG gives the node of this kind (its defaults when the DAG has none). */
const nodeOptions = <A, I>(dag: LoadedDag, kind: string, schema: Schema.Schema<A, I>) => {
  const node = Object.values(dag.spec.nodes).find((n) => (n as { transform?: string }).transform === kind) as
    | { with?: unknown }
    | undefined
  return Schema.decodeUnknownSync(schema)(node?.with ?? {})
}

const describe = (x: LabelledJob) =>
  `${x.label.source}:${x.label.source_id.slice(0, 60)} "${x.job.title.slice(0, 60)}" @ ${x.job.company.slice(0, 40)}`

export interface EvalRequest {
  readonly kind: EvalKind
  readonly dag: LoadedDag
  readonly profile: Profile
  readonly profileHash: string
  readonly set: ReadonlyArray<LabelledJob>
  /** Overrides the node's tier from the DAG. */
  readonly tier?: TierChoice
  readonly runId: string
  readonly env?: Record<string, string | undefined>
}

/** Runs the labelled set through the model the DAG and environment configure (Warehouse in context: ledger and weekly budget). */
export const evaluateWithModel = (req: EvalRequest) =>
  Effect.gen(function* () {
    const { kind, profile, set } = req
    const rel = nodeOptions(req.dag, "relevance", RelevanceOptions)
    const fit = nodeOptions(req.dag, "fit_score", FitScoreOptions)
    const choice: TierChoice = req.tier ?? (kind === "relevance" ? rel.tier : fit.tier)
    const node = `eval_${kind}`
    const relevant = set.filter((x) => x.label.relevant).length
    const survivors = set.filter((x) => prefilter(profile, x.job).pass)
    const lexical = new Map(set.map((x) => [x, lexicalScore(profile, x.job).score]))
    // `auto` picks each job's tier from its lexical fit tier, as fit_score does.
    const groups = new Map<Tier, LabelledJob[]>()
    for (const x of survivors) {
      const t = resolveTier(choice, fitTierOf(lexical.get(x)!))
      groups.set(t, [...(groups.get(t) ?? []), x])
    }
    const firstTier = resolveTier(choice, "C")
    const rt = yield* llmRuntime({ dag: req.dag, runId: req.runId, node }, firstTier, req.env)
    const base = {
      kind,
      postings: set.length,
      relevant,
      judged: survivors.length,
      calls: 0,
      cache_hits: 0,
      input_tokens: 0,
      output_tokens: 0,
      usd: 0,
      failed: 0,
      unscored: 0
    }
    if (!rt.available) {
      const lex = measureLexical(profile, set, rel.min_lexical_score)
      const scored = survivors.map((x) => ({ x, score: lexical.get(x)! }))
      return {
        // The runtime's note speaks of node rows; here nothing is written, only measured.
        ...base,
        scorer: "lexical",
        note: `${rt.note.replace(/: eval_\w+ used the lexical scorer.*$/, "")}: measured the lexical scorer instead`,
        tiers: [firstTier],
        models: [],
        prediction:
          kind === "relevance"
            ? lex.relevance
            : confusion(set, (x) => survivors.includes(x) && lexical.get(x)! >= FIT_POSITIVE),
        ...(kind === "fit" ? { precision_at_20: precisionAtN(scored, 20).precision } : {}),
        misses: set
          .filter(
            (x) =>
              x.label.relevant &&
              !(
                survivors.includes(x) &&
                lexical.get(x)! >= (kind === "relevance" ? rel.min_lexical_score : FIT_POSITIVE)
              )
          )
          .map(describe)
      } satisfies EvalFigures as EvalFigures
    }
    const relTask = relevanceTask(profile, req.profileHash),
      fitTaskFor = fitTask(profile, req.profileHash)
    const chars = kind === "relevance" ? rel.snippet_chars : fit.description_chars
    const batchSize = kind === "relevance" ? rel.batch_size : fit.batch_size
    const items = new Map(survivors.map((x) => [x, makeItem(x.job.id, renderJob(x.job, chars))]))
    const reports: Array<BatchReport<unknown>> = []
    const verdict = new Map<LabelledJob, { positive: boolean; score: number }>()
    const models = new Set<string>()
    for (const [tier, group] of groups) {
      if (!modelFor(rt.settings, tier)) continue
      const opts = { tier, batchSize, settings: rt.settings, runId: req.runId, node, budget: rt.budget }
      const batch = group.map((x) => items.get(x)!)
      const run: Effect.Effect<BatchReport<unknown>, Fatal | WarehouseError, Warehouse | LlmProviders> = kind ===
      "relevance"
        ? runBatched(relTask, batch, opts)
        : runBatched(fitTaskFor, batch, opts)
      const report = yield* run.pipe(Effect.provide(rt.layer))
      reports.push(report)
      for (const x of group) {
        const r = report.results.get(x.job.id)
        if (!r) continue
        models.add(`${r.provider}/${r.model}`)
        const flagged = items.get(x)!.injection.length > 0
        const ls = lexical.get(x)!
        if (kind === "relevance") {
          const yes = (r.out as { relevant: boolean }).relevant
          verdict.set(x, { positive: capFlagged.relevant(flagged, yes, ls, rel.min_lexical_score), score: yes ? 1 : 0 })
        } else {
          const s = (r.out as { score: number }).score
          const score = capFlagged.fit(flagged, s, ls)
          verdict.set(x, { positive: score >= FIT_POSITIVE, score })
        }
      }
    }
    const outage = everyCallFailed(node, reports)
    if (outage) return yield* outage
    const sum = (k: "calls" | "cacheHits" | "inputTokens" | "outputTokens" | "usd") =>
      reports.reduce((n, r) => n + r.stats[k], 0)
    const prediction = confusion(set, (x) => verdict.get(x)?.positive === true)
    const stopped = reports.find((r) => r.budgetExceeded)?.budgetExceeded
    return {
      ...base,
      scorer: "llm",
      tiers: [...groups.keys()],
      models: [...models],
      prediction,
      ...(kind === "fit"
        ? {
            precision_at_20: precisionAtN(
              [...verdict].map(([x, v]) => ({ x, score: v.score })),
              20
            ).precision
          }
        : {}),
      calls: sum("calls"),
      cache_hits: sum("cacheHits"),
      input_tokens: sum("inputTokens"),
      output_tokens: sum("outputTokens"),
      usd: sum("usd"),
      failed: reports.reduce((n, r) => n + r.failed.size, 0),
      unscored: reports.reduce((n, r) => n + r.unscored.length, 0),
      ...(stopped ? { budget_stopped: stopped.message } : {}),
      misses: set.filter((x) => x.label.relevant && verdict.get(x)?.positive !== true).map(describe)
    } satisfies EvalFigures as EvalFigures
  })
