import { Effect, type Layer } from "effect"
import type { NodeContext } from "../../pipelines/node.ts"
import { makeBudget, type LlmBudget } from "./budget.ts"
import { providersLayer } from "./clients.ts"
import { modelFor, resolveLlmSettings, type LlmSettings } from "./config.ts"
import type { LlmProviders } from "./provider.ts"
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
 * provider clients. `available: false` (no key for any model of the tier) is the lexical fallback.
 */
export const llmRuntime = (
  ctx: Pick<NodeContext, "dag" | "runId" | "node">,
  tier: Tier,
  env: Record<string, string | undefined> = process.env
) =>
  Effect.gen(function* () {
    const settings = yield* resolveLlmSettings(ctx.dag, env)
    if (!modelFor(settings, tier))
      return {
        available: false,
        note: `no LLM provider key for the ${tier} tier (set one of: ${settings.missingKeys.join(", ") || "a provider in llm.providers"}): ${ctx.node} used the lexical scorer; rows are marked scored_by = 'lexical'`
      } satisfies LlmRuntime as LlmRuntime
    const budget = yield* makeBudget({
      runId: ctx.runId,
      perRunUsd: settings.budget.perRunUsd,
      perWeekUsd: settings.budget.perWeekUsd
    })
    return { available: true, settings, budget, layer: providersLayer(settings) } satisfies LlmRuntime as LlmRuntime
  })
