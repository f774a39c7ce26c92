import type { LlmSettings, ResolvedProvider } from "./config.ts"
import { anthropicClient } from "./anthropic.ts"
import { openaiClient } from "./openai.ts"
import { LlmProviders, type LlmClient } from "./provider.ts"

export const makeClient = (p: ResolvedProvider, timeoutMs: number): LlmClient =>
  p.kind === "anthropic" ? anthropicClient(p, timeoutMs) : openaiClient(p, timeoutMs)

/** Every configured provider with a key, as one service. */
export const providersLayer = (settings: Pick<LlmSettings, "providers" | "timeoutMs">) =>
  LlmProviders.layer(settings, makeClient)
