/** The one budgeted path every LLM call goes through: providers, batching, budget, cache, ledger. */
export {
  runBatched,
  everyCallFailed,
  type LlmTask,
  type BatchReport,
  type BatchOptions,
  type ItemResult
} from "./batching.ts"
export { BudgetExceeded, makeBudget, type LlmBudget } from "./budget.ts"
export { resolveLlmSettings, modelFor, LlmSpec, type LlmSettings } from "./config.ts"
export { LlmProviders, classifySdkError, type LlmClient, type CompletionRequest, type Completion } from "./provider.ts"
export { providersLayer, makeClient } from "./clients.ts"
export { AnthropicProvider, anthropicClient } from "./anthropic.ts"
export { OpenAiProvider, openaiClient } from "./openai.ts"
export { builtinPrices, priceOf, costUsd } from "./prices.ts"
export { Tier, TierChoice, fitTierOf, fitCategoryOf, tierForFit, resolveTier, cheaperTier } from "./tiers.ts"
export { llmRuntime, modeFor, nodeBatchOptions, type LlmRuntime } from "./runtime.ts"
export { llmMigration } from "./migration.ts"
