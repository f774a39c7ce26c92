import { Fatal } from "../../core/errors.ts"

/** USD per million tokens. `cached_input` is the price of prompt-cache reads, when the provider has one. */
export interface ModelPrice {
  readonly input: number
  readonly output: number
  readonly cached_input?: number
}

/**
 * When the built-in prices below were read from the providers' published price pages (they were
 * written into this table then and not re-checked since); `jobsignal plan` shows it beside the estimates.
 */
export const PRICES_READ_AT = "2026-11-21"

/**
 * Anthropic Message Batches and OpenAI Batch bill every token (input, cache reads, output) at half
 * the online price. Providers without a batch API (DeepSeek and most OpenAI-compatible endpoints) stay online.
 */
export const BATCH_DISCOUNT = 0.5

/**
 * Published list prices of common models at the time of writing; dag.yaml's `llm.prices` overrides
 * or extends them. Prices change: the ledger's USD is an estimate from these numbers. Sources: OpenAI
 * https://openai.com/api/pricing (gpt-5-nano $0.05 / $0.40, cached $0.005: the default fast tier),
 * Anthropic https://docs.anthropic.com/en/docs/about-claude/pricing, DeepSeek
 * https://api-docs.deepseek.com/quick_start/pricing (list price, not the off-peak discount).
 */
export const builtinPrices: Readonly<Record<string, ModelPrice>> = {
  "claude-haiku-4-5": { input: 1, output: 5, cached_input: 0.1 },
  "claude-3-5-haiku-latest": { input: 0.8, output: 4, cached_input: 0.08 },
  // Sonnet 4.5 reached end of life on 2026-11-30 (kept to price older ledger rows). The default balanced Anthropic
  // model is 4.6, not 5.x: Sonnet 5 and later refuse the forced tool use anthropic.ts asks structured answers with.
  "claude-sonnet-4-6": { input: 3, output: 15, cached_input: 0.3 },
  "claude-sonnet-4-5": { input: 3, output: 15, cached_input: 0.3 },
  "claude-sonnet-4-0": { input: 3, output: 15, cached_input: 0.3 },
  "claude-opus-4-5": { input: 5, output: 25, cached_input: 0.5 },
  "claude-opus-4-1": { input: 15, output: 75, cached_input: 1.5 },
  "gpt-4o-mini": { input: 0.15, output: 0.6, cached_input: 0.075 },
  "gpt-4o": { input: 2.5, output: 10, cached_input: 1.25 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4, cached_input: 0.025 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, cached_input: 0.1 },
  "gpt-4.1": { input: 2, output: 8, cached_input: 0.5 },
  "gpt-5-nano": { input: 0.05, output: 0.4, cached_input: 0.005 },
  "gpt-5-mini": { input: 0.25, output: 2, cached_input: 0.025 },
  "gpt-5": { input: 1.25, output: 10, cached_input: 0.125 },
  "deepseek-chat": { input: 0.28, output: 0.42, cached_input: 0.028 },
  "deepseek-reasoner": { input: 0.28, output: 0.42, cached_input: 0.028 },
  "MiniMax-M2": { input: 0.3, output: 1.2, cached_input: 0.03 },
  "kimi-k2-0905-preview": { input: 0.6, output: 2.5, cached_input: 0.15 }
}

export type PriceTable = Readonly<Record<string, ModelPrice>>

/**
 * The price of a model: exact name first, then without an OpenRouter-style `vendor/` prefix and
 * without a date suffix. An unpriced model is a config error: spending without a price would make
 * the budget meaningless.
 */
export const priceOf = (table: PriceTable, model: string): ModelPrice | Fatal => {
  const bare = model.includes("/") ? model.slice(model.lastIndexOf("/") + 1) : model
  const undated = bare.replace(/-\d{8}$/, "").replace(/-latest$/, "")
  const found = table[model] ?? table[bare] ?? table[undated] ?? table[`${undated}-latest`]
  if (found) return found
  return new Fatal({
    reason: "Config",
    message: `no price for LLM model ${JSON.stringify(model)}: add it to dag.yaml under llm.prices, e.g.\n  llm:\n    prices:\n      ${JSON.stringify(model)}: { input: 0.5, output: 1.5 }   # USD per million tokens`
  })
}

export interface Usage {
  readonly inputTokens: number
  readonly cachedInputTokens: number
  readonly outputTokens: number
}

/**
 * `inputTokens` counts every prompt token, cached ones included (as both SDKs report after our
 * normalization). `batch`: the call went through the provider's batch API, at BATCH_DISCOUNT.
 */
export const costUsd = (p: ModelPrice, u: Usage, batch = false): number =>
  (((u.inputTokens - u.cachedInputTokens) * p.input +
    u.cachedInputTokens * (p.cached_input ?? p.input) +
    u.outputTokens * p.output) /
    1e6) *
  (batch ? BATCH_DISCOUNT : 1)

/** The line `jobsignal plan` and the dry runs print under their estimates: where the prices come from and how old they are. */
export const pricesNote = (overrides: Readonly<Record<string, unknown>> | undefined): string => {
  const n = Object.keys(overrides ?? {}).length
  return `prices: built-in list prices read ${PRICES_READ_AT} (USD per 1M tokens; batch APIs at ${BATCH_DISCOUNT * 100} %)${n > 0 ? `, ${n} overridden in dag.yaml llm.prices` : "; override them in dag.yaml llm.prices"}`
}
