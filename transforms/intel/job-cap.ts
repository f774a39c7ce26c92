import { Fatal } from "../../core/errors.ts"
import { modelFor, type LlmSettings } from "../llm/config.ts"
import { costUsd, priceOf } from "../llm/prices.ts"
import { cheaperTier, type Tier } from "../llm/tiers.ts"
import type { Estimate } from "./layer.ts"

export type TierPlan =
  | { readonly tier: Tier; readonly usd: number; readonly downgradedFrom?: Tier }
  | { readonly skip: string }

const fmt = (n: number) => `$${n.toFixed(4)}`

/**
 * A layer's estimated cost on a tier's model: list price, no cache reads, every output token the
 * layer may ask for, so the estimate errs high. Undefined when the tier has no usable model or price.
 */
export const layerUsd = (settings: LlmSettings, tier: Tier, e: Estimate): number | undefined => {
  const m = modelFor(settings, tier)
  if (!m) return undefined
  const p = priceOf(settings.prices, m.model)
  if (p instanceof Fatal) return undefined
  return costUsd(p, { inputTokens: e.inputTokens, cachedInputTokens: 0, outputTokens: e.outputTokens })
}

/**
 * The tier a layer runs at under `budgets.llm.per_job_usd`: the job's own tier when its estimate fits
 * what is left of the cap, else the next cheaper one (quality → balanced → fast); when even fast does
 * not fit, the layer is skipped with the figures that say why.
 */
export const planLayerTier = (
  settings: LlmSettings,
  start: Tier,
  e: Estimate,
  cap: { readonly capUsd: number; readonly spentUsd: number }
): TierPlan => {
  const left = cap.capUsd - cap.spentUsd
  let cheapest: { tier: Tier; usd: number } | undefined
  for (let t: Tier | undefined = start; t; t = cheaperTier(t)) {
    const usd = layerUsd(settings, t, e)
    // No model or price for this tier: the batcher reports that as the config error it is.
    if (usd === undefined && t === start) return { tier: t, usd: 0 }
    if (usd === undefined) continue
    if (usd <= left) return t === start ? { tier: t, usd } : { tier: t, usd, downgradedFrom: start }
    cheapest = { tier: t, usd }
  }
  const m = cheapest && modelFor(settings, cheapest.tier)
  return {
    skip: `per-job cap ${fmt(cap.capUsd)} reached (${fmt(cap.spentUsd)} spent on this job; ${cheapest ? `${cheapest.tier} (${m?.model}) would need ~${fmt(cheapest.usd)}` : "no cheaper tier"})`
  }
}
