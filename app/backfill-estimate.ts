import { Effect, Schema } from "effect"
import { Warehouse } from "../sinks/warehouse.ts"
import { sources } from "./sources.ts"
import { llmNodeOf } from "./llm-nodes.ts"
import type { SourceContext } from "../sources/source.ts"
import { sourceTargets } from "./targets.ts"
import { builtinPrices, costUsd, priceOf, type ModelPrice } from "../transforms/llm/prices.ts"
import { Fatal } from "../core/errors.ts"
import type { LoadedDag } from "../pipelines/load.ts"
import { downstreamOf, enabledNodes } from "../pipelines/plan.ts"
import { roleOf } from "../core/spec.ts"

/**
 * What `jobsignal backfill NODE --dry-run` prints before anything is fetched: per source, its units
 * and requests against its rate limit; per downstream LLM node, tokens and USD. Past runs of the
 * same node in the warehouse calibrate the figures; without history the constants below are used.
 */
export const ASSUME = {
  /** Requests per unit when no past run says otherwise (one page per board or feed). */
  requestsPerUnit: 1,
  /** Seconds one request takes when the source has no per-second limit. */
  secondsPerRequest: 1,
  /** Jobs per unit without history. */
  jobsPerUnit: 25,
  /** Share of jobs the relevance pass keeps, without history. */
  relevantShare: 0.5,
  /** Tokens per job and per batch (system prompt, profile) by LLM node kind, without llm_calls history. */
  tokens: {
    relevance: { inPerJob: 250, outPerJob: 30, inPerBatch: 700 },
    fit_score: { inPerJob: 1_600, outPerJob: 160, inPerBatch: 1_200 },
    /** The layers' own estimates summed for a 4,000-character posting, 3 CV roles and 5 contact types. */
    intel: { inPerJob: 13_600, outPerJob: 9_400, inPerBatch: 0 },
    other: { inPerJob: 1_000, outPerJob: 150, inPerBatch: 1_000 }
  }
} as const

export interface SourceEstimate {
  node: string
  kind: string
  units: number
  requests: number
  limit: string
  minutes: number
  jobs: number
  basis: string
  timeDimension: string
}
export interface LlmEstimate {
  node: string
  kind: string
  tier: string
  model: string
  jobs: number
  batches: number
  inputTokens: number
  outputTokens: number
  usd: number
  /** `batch` when the node runs in batch mode on a provider with a batch API (priced at the batch discount). */
  mode: "online" | "batch"
  /** The mode of the same node in a scheduled run (`schedule`, `up`), where an unset `with.mode` means batch. */
  scheduledMode: "online" | "batch"
  basis: string
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v))

export const estimateBackfill = (
  dag: LoadedDag,
  backfill: { node: string; since: string; until?: string },
  trigger: { readonly scheduled?: boolean } = {}
) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const nodes = enabledNodes(dag.spec)
    const spec = nodes[backfill.node]
    const role = spec ? roleOf(spec) : undefined
    if (!spec || role?.role !== "source")
      return yield* Effect.fail(
        new Fatal({
          reason: "Config",
          message: `backfill takes a source node of ${dag.path}; ${backfill.node} is ${spec ? `a ${role?.role}` : "not a node"}`
        })
      )
    const src = sources.find((s) => s.kind === role.kind)!
    const opts = yield* Schema.decodeUnknown(src.options)(spec.with ?? {}).pipe(
      Effect.mapError((e) => new Fatal({ reason: "Config", message: `nodes.${backfill.node}.with: ${e.message}` }))
    )
    const sctx: SourceContext = {
      node: backfill.node,
      runId: "(dry run)",
      baseUrl: String(opts.base_url ?? src.defaultBaseUrl),
      window: backfill,
      cursor: null,
      skip: () => Effect.void,
      log: () => Effect.void,
      ...sourceTargets(dag, opts),
      profilePath: dag.resolvePath(dag.spec.profile ?? "profile.yaml")
    }
    const units = (yield* src.units(opts, sctx)).length
    const until = backfill.until ?? new Date().toISOString().slice(0, 10)

    // History: the last successful runs of this node, and how much of what they staged fell in the window.
    const [h] = yield* w.query<Record<string, unknown>>(
      `select count(*)::int as runs, sum(try_cast(json_extract_string(details, '$.requests') as double)) as requests,
              sum(try_cast(json_extract_string(details, '$.units') as double)) as units, sum(rows_out)::double as rows,
              sum(epoch(ended_at - started_at))::double as seconds
       from (select * from node_runs where node = $1 and status in ('success', 'partial') order by ended_at desc limit 5)`,
      [backfill.node]
    )
    const hasHistory = num(h.runs) > 0 && num(h.units) > 0
    const [win] = yield* w.query<Record<string, unknown>>(
      `select count(*)::double as staged, count(*) filter (where coalesce(posted_at, updated_at) >= $2::date and coalesce(posted_at, updated_at) < $3::date + interval 1 day)::double as in_window
       from stg_jobs where node = $1 and run_id = (select run_id from node_runs where node = $1 and status in ('success', 'partial') order by ended_at desc limit 1)`,
      [backfill.node, backfill.since, until]
    )
    const share = num(win.staged) > 0 && src.timeDimension !== "none" ? num(win.in_window) / num(win.staged) : 1
    const requestsPerUnit = hasHistory && num(h.requests) > 0 ? num(h.requests) / num(h.units) : ASSUME.requestsPerUnit
    const jobsPerUnit = hasHistory ? num(h.rows) / num(h.units) : ASSUME.jobsPerUnit
    const requests = Math.ceil(units * requestsPerUnit)
    const perSecond: number | undefined = opts.per_second ?? src.hostLimits?.perSecond
    const concurrency: number = opts.concurrency ?? src.hostLimits?.concurrency ?? 8
    const seconds = Math.max(perSecond ? requests / perSecond : 0, (requests * ASSUME.secondsPerRequest) / concurrency)
    const jobs = Math.round(units * jobsPerUnit * share)
    const source: SourceEstimate = {
      node: backfill.node,
      kind: role.kind,
      units,
      requests,
      limit: `${perSecond ? `${perSecond}/s` : "no rate limit"}, ${concurrency} at once`,
      minutes: Math.round((seconds / 60) * 10) / 10,
      jobs,
      basis: hasHistory
        ? `last ${num(h.runs)} run(s); ${Math.round(share * 100)}% of the last run's jobs fall in the window`
        : "no past run: assumed constants",
      timeDimension: src.timeDimension ?? "none"
    }

    // Downstream nodes that call an LLM: their decoded options carry a `tier`.
    const prices: Record<string, ModelPrice> = {
      ...builtinPrices,
      ...((dag.spec.llm as { prices?: Record<string, ModelPrice> } | undefined)?.prices ?? {})
    }
    const [rel] = yield* w.query<Record<string, unknown>>(
      "select count(*) filter (where relevant)::double as kept, count(relevant)::double as judged from job_scores"
    )
    const relevantShare = num(rel.judged) > 0 ? num(rel.kept) / num(rel.judged) : ASSUME.relevantShare
    const llm: LlmEstimate[] = []
    for (const n of [...downstreamOf(nodes, backfill.node)].filter((n) => n !== backfill.node)) {
      const l = llmNodeOf(dag, n)
      if (!l) continue
      const { role: r, options: o, tierChoice, tier, model, modeOf } = l
      const mode = modeOf(trigger.scheduled ?? false)
      const perKind =
        r.kind === "relevance"
          ? ASSUME.tokens.relevance
          : r.kind === "fit_score"
            ? ASSUME.tokens.fit_score
            : r.kind === "intel"
              ? ASSUME.tokens.intel
              : ASSUME.tokens.other
      const [past] = yield* w.query<Record<string, unknown>>(
        "select sum(items)::double as items, sum(input_tokens)::double as input, sum(output_tokens)::double as output, count(*)::double as calls from llm_calls where node = $1 and outcome = 'ok'",
        [n]
      )
      const measured = num(past.items) > 0
      const inPerJob = measured
        ? num(past.input) / num(past.items)
        : perKind.inPerJob + perKind.inPerBatch / Math.max(1, Number((o as { batch_size?: number }).batch_size ?? 50))
      const outPerJob = measured ? num(past.output) / num(past.items) : perKind.outPerJob
      const maxJobs = (o as { max_jobs?: number }).max_jobs
      const jobsIn = Math.min(
        Math.round(r.kind === "relevance" ? jobs : jobs * relevantShare),
        r.kind === "intel" && maxJobs !== undefined ? maxJobs : Number.POSITIVE_INFINITY
      )
      const batches = Math.ceil(jobsIn / Math.max(1, Number((o as { batch_size?: number }).batch_size ?? 50)))
      const price = priceOf(prices, model)
      const inputTokens = Math.round(jobsIn * inPerJob)
      const outputTokens = Math.round(jobsIn * outPerJob)
      const listUsd =
        price instanceof Fatal
          ? Number.NaN
          : costUsd(price, { inputTokens, cachedInputTokens: 0, outputTokens }, mode === "batch")
      // The intel layers downgrade or skip to stay within budgets.llm.per_job_usd: no more than that per job.
      const perJob = r.kind === "intel" ? dag.spec.budgets?.llm?.per_job_usd : undefined
      const capped = perJob !== undefined && listUsd > jobsIn * perJob
      llm.push({
        node: n,
        kind: r.kind,
        tier: tierChoice === "auto" ? "auto (≈balanced)" : tier,
        model,
        jobs: jobsIn,
        batches,
        inputTokens,
        outputTokens,
        usd: Math.round((capped ? jobsIn * perJob : listUsd) * 10_000) / 10_000,
        mode,
        scheduledMode: modeOf(true),
        basis: `${
          measured
            ? `llm_calls history (${num(past.calls)} calls)`
            : `assumed ${perKind.inPerJob}+${perKind.outPerJob} tokens/job${price instanceof Fatal ? "; no price for the model" : ""}`
        }${capped ? `; capped at $${perJob}/job (budgets.llm.per_job_usd)` : ""}`
      })
    }
    return { source, llm, window: { since: backfill.since, until }, perRunUsd: dag.spec.budgets?.llm?.per_run_usd }
  })
