import type Anthropic from "@anthropic-ai/sdk"
import { Effect, Layer, Redacted } from "effect"
import type { ResolvedProvider } from "./config.ts"
import {
  classifySdkError,
  LlmProviders,
  type BatchApi,
  type BatchResult,
  type Completion,
  type CompletionRequest,
  type LlmClient
} from "./provider.ts"

/** The Messages API body for one request, the same online and in a Message Batch. */
const paramsOf = (p: ResolvedProvider, req: CompletionRequest): Anthropic.MessageCreateParamsNonStreaming => {
  const base = {
    model: req.model,
    max_tokens: req.maxTokens,
    // The system prompt (instructions + profile) is the prefix every call of a node shares: marked
    // cacheable, later calls read it at a tenth of the input price (once it is past the model's minimum).
    system: [{ type: "text" as const, text: req.system, cache_control: { type: "ephemeral" as const } }],
    messages: [{ role: "user" as const, content: req.user }]
  }
  return p.structured === "tool"
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
      ? ({
          ...base,
          output_config: { format: { type: "json_schema" as const, schema: req.jsonSchema } }
        } as Anthropic.MessageCreateParamsNonStreaming)
      : base
}

const completionOf = (res: Anthropic.Message): Completion => {
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
}

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
  const sdkCall = <A>(what: string, f: (sdk: Anthropic, signal: AbortSignal) => Promise<A>) =>
    Effect.tryPromise({
      try: async (signal) => f(await sdkOnce(), signal),
      catch: (e) => classifySdkError(p.name, what, e)
    })
  const complete = (req: CompletionRequest) =>
    sdkCall(req.model, async (sdk, signal) => completionOf(await sdk.messages.create(paramsOf(p, req), { signal })))

  /** Message Batches: one POST with every request, polled by id, results read as JSONL from `results_url`. */
  const batch: BatchApi = {
    submit: (requests) =>
      sdkCall(`message batch (${requests.length} requests)`, async (sdk, signal) => {
        const b = await sdk.messages.batches.create(
          { requests: requests.map((r) => ({ custom_id: r.customId, params: paramsOf(p, r.req) })) },
          { signal }
        )
        return b.id
      }),
    status: (id) =>
      sdkCall(`message batch ${id}`, async (sdk, signal) => {
        const b = await sdk.messages.batches.retrieve(id, {}, { signal })
        return b.processing_status === "ended" ? { state: "ended" as const } : { state: "in_progress" as const }
      }),
    results: (id) =>
      sdkCall(`message batch ${id} results`, async (sdk, signal) => {
        const out: BatchResult[] = []
        for await (const r of await sdk.messages.batches.results(id, {}, { signal })) {
          const res = r.result
          out.push(
            res.type === "succeeded"
              ? { customId: r.custom_id, completion: completionOf(res.message) }
              : {
                  customId: r.custom_id,
                  error:
                    res.type === "errored"
                      ? `errored: ${JSON.stringify(res.error?.error ?? res.error).slice(0, 200)}`
                      : res.type
                }
          )
        }
        return out
      }),
    cancel: (id) =>
      sdkCall(`message batch ${id} cancel`, async (sdk, signal) => {
        await sdk.messages.batches.cancel(id, {}, { signal })
      })
  }
  return { name: p.name, kind: p.kind, complete, batch }
}

export const AnthropicProvider = {
  layer: (p: ResolvedProvider, timeoutMs = 120_000) =>
    Layer.succeed(LlmProviders, { names: [p.name], get: () => Effect.succeed(anthropicClient(p, timeoutMs)) })
}
