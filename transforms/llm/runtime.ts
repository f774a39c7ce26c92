import { Effect, type Layer } from "effect"
import { parseDuration } from "../../core/spec.ts"
import type { NodeContext } from "../../pipelines/node.ts"
import type { BatchOptions } from "./batching.ts"
import { makeBudget, type LlmBudget } from "./budget.ts"
import { providersLayer } from "./clients.ts"
import { modelFor, providerNames, resolveLlmSettings, type LlmSettings } from "./config.ts"
import type { LlmProviders } from "./provider.ts"
import { providersOnWorkers, remoteProvidersLayer, remoteTasksOf } from "./remote.ts"
import type { LlmMode, Tier } from "./tiers.ts"

export const modeFor = (mode: LlmMode | undefined, ctx: Pick<NodeContext, "scheduled">): LlmMode =>
  mode ?? (ctx.scheduled ? "batch" : "online")

export type LlmRuntime =
  | {
      readonly available: true
      readonly settings: LlmSettings
      readonly budget: LlmBudget
      readonly layer: Layer.Layer<LlmProviders>
    }
  | { readonly available: false; readonly note: string }

/**
 * What an LLM node runs with: settings from dag.yaml + environment, the budget for this run, and the
 * provider clients. `available: false` (no key for any model of the tier) is the lexical fallback. On the BullMQ
 * executor a provider is there when a live worker holds its key (said as the node starts), and its calls go to the
 * workers; budget, cache and ledger stay here.
 */
export const llmRuntime = (
  ctx: Pick<NodeContext, "dag" | "runId" | "node"> & Partial<Pick<NodeContext, "remote">>,
  tier: Tier,
  env: Record<string, string | undefined> = process.env
) =>
  Effect.gen(function* () {
    const tasks = remoteTasksOf(ctx.remote?.executor)
    const onWorkers = tasks ? yield* providersOnWorkers(tasks, providerNames(ctx.dag)) : undefined
    const settings = yield* resolveLlmSettings(ctx.dag, env, onWorkers)
    if (!modelFor(settings, tier))
      return {
        available: false,
        note: `no LLM provider key for the ${tier} tier${tasks ? " here or on any live jobsignal worker" : ""} (set one of: ${settings.missingKeys.join(", ") || "a provider in llm.providers"}${tasks ? " in a worker's environment" : ""}): ${ctx.node} used the lexical scorer; rows are marked scored_by = 'lexical'`
      } satisfies LlmRuntime as LlmRuntime
    const budget = yield* makeBudget({
      runId: ctx.runId,
      perRunUsd: settings.budget.perRunUsd,
      perWeekUsd: settings.budget.perWeekUsd
    })
    const layer = tasks ? remoteProvidersLayer(settings, tasks, ctx.node) : providersLayer(settings)
    return { available: true, settings, budget, layer } satisfies LlmRuntime as LlmRuntime
  })

/**
 * The batching a scoring node (relevance, fit_score) runs with for one tier: its own batch size, mode and batch
 * deadline, this run's settings and budget, a stop at the node's timeout, and progress on the node's events.
 */
export const nodeBatchOptions = (
  rt: Extract<LlmRuntime, { available: true }>,
  ctx: Pick<NodeContext, "runId" | "node" | "scheduled" | "timeoutMs" | "events">,
  opts: { readonly batch_size: number; readonly mode?: LlmMode; readonly batch_deadline: string },
  tier: Tier,
  startedAt: number
): BatchOptions => ({
  tier,
  batchSize: opts.batch_size,
  settings: rt.settings,
  runId: ctx.runId,
  node: ctx.node,
  budget: rt.budget,
  mode: modeFor(opts.mode, ctx),
  stopWaitingAtMs: ctx.timeoutMs === undefined ? undefined : startedAt + ctx.timeoutMs,
  batchDeadlineMs: parseDuration(opts.batch_deadline),
  onProgress: (done, total) => ctx.events.emit({ type: "node_progress", node: ctx.node, done, total })
})
