import { Schema } from "effect"
import { defaultProviders, defaultTiers } from "../transforms/llm/config.ts"
import type { LoadedDag } from "../pipelines/load.ts"
import { findKind } from "../pipelines/registry.ts"
import { roleOf } from "../core/spec.ts"

// Read by `plan` as well as the dry-run estimates: only declarations and config, no connector or client.

const firstRef = (dag: LoadedDag, tier: string): string => {
  const tiers = (dag.spec.llm as { tiers?: Record<string, ReadonlyArray<string>> } | undefined)?.tiers
  return tiers?.[tier]?.[0] ?? defaultTiers[tier as keyof typeof defaultTiers]?.[0] ?? defaultTiers.fast[0]
}
const firstModel = (dag: LoadedDag, tier: string): string => {
  const ref = firstRef(dag, tier)
  return ref.slice(ref.indexOf("/") + 1)
}
/** Whether the tier's first model is served by a provider with a batch API (Anthropic, OpenAI itself). */
const hasBatchApi = (dag: LoadedDag, tier: string): boolean => {
  const ref = firstRef(dag, tier)
  const name = ref.slice(0, ref.indexOf("/"))
  const specs = {
    ...defaultProviders,
    ...((dag.spec.llm as { providers?: Record<string, { kind: string }> } | undefined)?.providers ?? {})
  }
  const kind = specs[name]?.kind
  return kind === "anthropic" || kind === "openai"
}

/**
 * The mode an LLM node runs in: its `with.mode`, else batch in a scheduled run and online in one someone
 * waits on (transforms/llm/runtime.ts `modeFor`); batch only where the tier's provider has a batch API.
 */
export const estimatedMode = (dag: LoadedDag, tier: string, mode: unknown, scheduled: boolean): "online" | "batch" =>
  (mode === "batch" || (mode === undefined && scheduled)) && hasBatchApi(dag, tier) ? "batch" : "online"

/** An LLM node as the estimates see it: decoded options, tier, the tier's first model, its mode per trigger. */
export const llmNodeOf = (dag: LoadedDag, n: string) => {
  const spec = dag.spec.nodes[n]
  const r = spec && roleOf(spec)
  const kind = r && findKind(dag.kinds, r.role, r.kind)
  if (!r || !kind) return undefined
  const decoded = Schema.decodeUnknownEither(kind.options)(spec.with ?? {})
  const o = (decoded._tag === "Right" ? decoded.right : {}) as Record<string, unknown>
  const tierChoice = o.tier
  if (typeof tierChoice !== "string" || o.use_llm === false) return undefined
  const tier = tierChoice === "auto" ? "balanced" : tierChoice
  // Only nodes with a `with.mode` option can batch (the intel layers always call online).
  const batchable = "mode" in ((kind.options as { fields?: object }).fields ?? {})
  return {
    role: r,
    options: o,
    tierChoice,
    tier,
    model: firstModel(dag, tier),
    modeOf: (scheduled: boolean) => (batchable ? estimatedMode(dag, tier, o.mode, scheduled) : "online")
  }
}
