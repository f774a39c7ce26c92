import type OpenAI from "openai"
import { Effect, Layer, Redacted } from "effect"
import type { ResolvedProvider } from "./config.ts"
import { classifySdkError, LlmProviders, type Completion, type CompletionRequest, type LlmClient } from "./provider.ts"

/**
 * OpenAI Chat Completions, and every OpenAI-compatible endpoint by base URL (DeepSeek, MiniMax,
 * Kimi, OpenRouter). `json_schema` is OpenAI's strict structured output; compatible endpoints
 * mostly offer only JSON mode (`json_object`).
 */
export const openaiClient = (p: ResolvedProvider, timeoutMs: number): LlmClient => {
  // The SDK loads on the first call, so commands that call no model (validate, sql, report) never load it.
  let sdkLoad: Promise<OpenAI> | undefined
  const sdkOnce = () =>
    (sdkLoad ??= import("openai").then(
      (m) => new m.default({ apiKey: Redacted.value(p.apiKey), baseURL: p.baseURL, maxRetries: 0, timeout: timeoutMs })
    ))
  const complete = (req: CompletionRequest) =>
    Effect.tryPromise({
      try: async (signal): Promise<Completion> => {
        const response_format =
          p.structured === "json_schema"
            ? {
                type: "json_schema" as const,
                json_schema: { name: req.schemaName, schema: req.jsonSchema, strict: true }
              }
            : p.structured === "json_object"
              ? { type: "json_object" as const }
              : undefined
        const sdk = await sdkOnce()
        const res = await sdk.chat.completions.create(
          {
            model: req.model,
            messages: [
              { role: "system", content: req.system },
              { role: "user", content: req.user }
            ],
            // OpenAI's own newer models take max_completion_tokens; compatible servers know max_tokens.
            ...(p.kind === "openai" ? { max_completion_tokens: req.maxTokens } : { max_tokens: req.maxTokens }),
            ...(response_format ? { response_format } : {})
          },
          { signal }
        )
        const choice = res.choices[0]
        const u = res.usage
        return {
          text: choice?.message?.content ?? "",
          truncated: choice?.finish_reason === "length",
          usage: {
            inputTokens: u?.prompt_tokens ?? 0,
            cachedInputTokens: u?.prompt_tokens_details?.cached_tokens ?? 0,
            outputTokens: u?.completion_tokens ?? 0
          }
        }
      },
      catch: (e) => classifySdkError(p.name, req.model, e)
    })
  return { name: p.name, kind: p.kind, complete }
}

export const OpenAiProvider = {
  layer: (p: ResolvedProvider, timeoutMs = 120_000) =>
    Layer.succeed(LlmProviders, { names: [p.name], get: () => Effect.succeed(openaiClient(p, timeoutMs)) })
}
