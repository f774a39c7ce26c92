import type Anthropic from "@anthropic-ai/sdk"
import { Effect, Layer, Redacted } from "effect"
import type { ResolvedProvider } from "./config.ts"
import { classifySdkError, LlmProviders, type Completion, type CompletionRequest, type LlmClient } from "./provider.ts"

/**
 * Anthropic Messages API (and Anthropic-compatible endpoints by base URL). Structured output is a
 * forced tool call (`structured: tool`, works everywhere the Messages API does), or
 * `output_config.format` (`json_schema`), or instructions only (`prompt`).
 */
export const anthropicClient = (p: ResolvedProvider, timeoutMs: number): LlmClient => {
  // The SDK loads on the first call, so commands that call no model (validate, sql, report) never load it.
  let sdkLoad: Promise<Anthropic> | undefined
  const sdkOnce = () =>
    (sdkLoad ??= import("@anthropic-ai/sdk").then(
      (m) => new m.default({ apiKey: Redacted.value(p.apiKey), baseURL: p.baseURL, maxRetries: 0, timeout: timeoutMs })
    ))
  const complete = (req: CompletionRequest) =>
    Effect.tryPromise({
      try: async (signal): Promise<Completion> => {
        const base = {
          model: req.model,
          max_tokens: req.maxTokens,
          system: req.system,
          messages: [{ role: "user" as const, content: req.user }]
        }
        const body =
          p.structured === "tool"
            ? {
                ...base,
                tools: [
                  {
                    name: req.schemaName,
                    description: "Record one result per item id.",
                    input_schema: req.jsonSchema as Anthropic.Tool.InputSchema
                  }
                ],
                tool_choice: { type: "tool" as const, name: req.schemaName }
              }
            : p.structured === "json_schema"
              ? { ...base, output_config: { format: { type: "json_schema" as const, schema: req.jsonSchema } } }
              : base
        const res = await (await sdkOnce()).messages.create(body, { signal })
        const tool = res.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use")
        const text = tool
          ? JSON.stringify(tool.input)
          : res.content
              .filter((b): b is Anthropic.TextBlock => b.type === "text")
              .map((b) => b.text)
              .join("")
        const u = res.usage
        const cached = u.cache_read_input_tokens ?? 0
        return {
          text,
          truncated: res.stop_reason === "max_tokens",
          // Anthropic reports cache reads and writes apart from input_tokens; we count them all as input.
          usage: {
            inputTokens: u.input_tokens + cached + (u.cache_creation_input_tokens ?? 0),
            cachedInputTokens: cached,
            outputTokens: u.output_tokens
          }
        }
      },
      catch: (e) => classifySdkError(p.name, req.model, e)
    })
  return { name: p.name, kind: p.kind, complete }
}

export const AnthropicProvider = {
  layer: (p: ResolvedProvider, timeoutMs = 120_000) =>
    Layer.succeed(LlmProviders, { names: [p.name], get: () => Effect.succeed(anthropicClient(p, timeoutMs)) })
}
