import type OpenAI from "openai"
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

/**
 * The Chat Completions body for one request, the same online and as a line of a Batch input file. The
 * system prompt (instructions + profile) comes first and the items last: OpenAI's and DeepSeek's
 * automatic prompt caching match on the longest shared prefix, so every call of a node reuses it.
 */
const bodyOf = (p: ResolvedProvider, req: CompletionRequest): OpenAI.ChatCompletionCreateParamsNonStreaming => {
  const response_format =
    p.structured === "json_schema"
      ? {
          type: "json_schema" as const,
          json_schema: { name: req.schemaName, schema: req.jsonSchema, strict: true }
        }
      : p.structured === "json_object"
        ? { type: "json_object" as const }
        : undefined
  return {
    model: req.model,
    messages: [
      { role: "system", content: req.system },
      { role: "user", content: req.user }
    ],
    // OpenAI's own newer models take max_completion_tokens; compatible servers know max_tokens.
    ...(p.kind === "openai" ? { max_completion_tokens: req.maxTokens } : { max_tokens: req.maxTokens }),
    // A reasoning model would spend max_tokens thinking before the first result: as little as the model allows.
    ...(p.kind === "openai" && /^gpt-5/.test(req.model) ? { reasoning_effort: "minimal" as const } : {}),
    ...(response_format ? { response_format } : {})
  }
}

const completionOf = (res: OpenAI.ChatCompletion): Completion => {
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
}

interface BatchLine {
  readonly custom_id?: string
  readonly response?: { readonly status_code?: number; readonly body?: unknown } | null
  readonly error?: { readonly code?: string; readonly message?: string } | null
}

const jsonl = (text: string): BatchLine[] =>
  text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as BatchLine)

/**
 * OpenAI Chat Completions, and every OpenAI-compatible endpoint by base URL (DeepSeek, MiniMax,
 * Kimi, OpenRouter). `json_schema` is OpenAI's strict structured output; compatible endpoints
 * mostly offer only JSON mode (`json_object`). Only OpenAI itself (`kind: openai`) has the Batch API.
 */
export const openaiClient = (p: ResolvedProvider, timeoutMs: number): LlmClient => {
  // The SDK loads on the first call, so commands that call no model (validate, sql, report) never load it.
  let sdkLoad: Promise<{ sdk: OpenAI; toFile: typeof import("openai").toFile }> | undefined
  const sdkOnce = () =>
    (sdkLoad ??= import("openai").then((m) => ({
      sdk: new m.default({ apiKey: Redacted.value(p.apiKey), baseURL: p.baseURL, maxRetries: 0, timeout: timeoutMs }),
      toFile: m.toFile
    })))
  const sdkCall = <A>(
    what: string,
    f: (sdk: OpenAI, signal: AbortSignal, toFile: typeof import("openai").toFile) => Promise<A>
  ) =>
    Effect.tryPromise({
      try: async (signal) => {
        const { sdk, toFile } = await sdkOnce()
        return f(sdk, signal, toFile)
      },
      catch: (e) => classifySdkError(p.name, what, e)
    })
  const complete = (req: CompletionRequest) =>
    sdkCall(req.model, async (sdk, signal) =>
      completionOf(await sdk.chat.completions.create(bodyOf(p, req), { signal }))
    )

  /** Batch API: the requests uploaded as a JSONL file (purpose "batch"), a batch over it, its output and error files read back. */
  const batch: BatchApi = {
    submit: (requests) =>
      sdkCall(`batch (${requests.length} requests)`, async (sdk, signal, toFile) => {
        const lines = requests.map((r) =>
          JSON.stringify({ custom_id: r.customId, method: "POST", url: "/v1/chat/completions", body: bodyOf(p, r.req) })
        )
        const file = await sdk.files.create(
          { file: await toFile(Buffer.from(`${lines.join("\n")}\n`), "jobsignal-batch.jsonl"), purpose: "batch" },
          { signal }
        )
        const b = await sdk.batches.create(
          { input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" },
          { signal }
        )
        return b.id
      }),
    status: (id) =>
      sdkCall(`batch ${id}`, async (sdk, signal) => {
        const b = await sdk.batches.retrieve(id, { signal })
        if (b.status === "completed" || b.status === "expired" || b.status === "cancelled")
          return { state: "ended" as const }
        if (b.status === "failed")
          return {
            state: "failed" as const,
            message: (b.errors?.data ?? []).map((e) => `${e.code}: ${e.message}`).join("; ") || "batch failed"
          }
        return { state: "in_progress" as const }
      }),
    results: (id) =>
      sdkCall(`batch ${id} results`, async (sdk, signal) => {
        const b = await sdk.batches.retrieve(id, { signal })
        const read = async (fileId: string | null | undefined) =>
          fileId ? jsonl(await (await sdk.files.content(fileId, { signal })).text()) : []
        const out: BatchResult[] = []
        for (const line of [...(await read(b.output_file_id)), ...(await read(b.error_file_id))]) {
          if (!line.custom_id) continue
          const status = line.response?.status_code
          out.push(
            status === 200 && line.response?.body
              ? { customId: line.custom_id, completion: completionOf(line.response.body as OpenAI.ChatCompletion) }
              : {
                  customId: line.custom_id,
                  error: line.error
                    ? `${line.error.code ?? "error"}: ${line.error.message ?? ""}`.slice(0, 200)
                    : `HTTP ${status}: ${JSON.stringify(line.response?.body ?? "").slice(0, 200)}`
                }
          )
        }
        return out
      }),
    cancel: (id) =>
      sdkCall(`batch ${id} cancel`, async (sdk, signal) => {
        await sdk.batches.cancel(id, { signal })
      })
  }
  return { name: p.name, kind: p.kind, complete, ...(p.kind === "openai" ? { batch } : {}) }
}

export const OpenAiProvider = {
  layer: (p: ResolvedProvider, timeoutMs = 120_000) =>
    Layer.succeed(LlmProviders, { names: [p.name], get: () => Effect.succeed(openaiClient(p, timeoutMs)) })
}
