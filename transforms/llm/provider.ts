import { Context, Effect, Layer } from "effect"
import { Fatal, Retriable } from "../../core/errors.ts"
import type { Usage } from "./prices.ts"
import type { LlmSettings, ResolvedProvider } from "./config.ts"

/** One model call: a system prompt (ours), a user message (the delimited items) and the JSON shape wanted back. */
export interface CompletionRequest {
  readonly model: string
  readonly system: string
  readonly user: string
  readonly maxTokens: number
  /** Name of the output shape: the tool name (Anthropic) or the json_schema name (OpenAI). */
  readonly schemaName: string
  /** JSON Schema of the whole answer object (`{ results: [...] }`). */
  readonly jsonSchema: Record<string, unknown>
}

export interface Completion {
  /** The answer as JSON text, unparsed: decoding and id checks are the batcher's job. */
  readonly text: string
  /** The model stopped at max_tokens: the answer is incomplete and must not be repaired. */
  readonly truncated: boolean
  readonly usage: Usage
  /** Attempts a worker started and lost (killed mid-call) before another answered: the provider may bill them. */
  readonly lostAttempts?: number
}

export type LlmError = Retriable | Fatal

/** One request of a provider batch: our id for it (echoed in its result) and the call it stands for. */
export interface BatchRequest {
  readonly customId: string
  readonly req: CompletionRequest
}

/** A batch's state as we act on it: wait, read its results (ended, expired and cancelled batches all have some), or give up on it. */
export type BatchState =
  | { readonly state: "in_progress" }
  | { readonly state: "ended" }
  | { readonly state: "failed"; readonly message: string }

/** One request's outcome in a finished batch: an answer, or why there is none (errored, expired, cancelled). */
export type BatchResult =
  | { readonly customId: string; readonly completion: Completion }
  | { readonly customId: string; readonly error: string }

/**
 * A provider's batch API (Anthropic Message Batches, OpenAI Batch + Files): half price, answered within
 * a day. Absent for providers without one (most OpenAI-compatible endpoints): their calls stay online.
 */
export interface BatchApi {
  readonly submit: (requests: ReadonlyArray<BatchRequest>) => Effect.Effect<string, LlmError>
  readonly status: (batchId: string) => Effect.Effect<BatchState, LlmError>
  readonly results: (batchId: string) => Effect.Effect<ReadonlyArray<BatchResult>, LlmError>
  readonly cancel: (batchId: string) => Effect.Effect<void, LlmError>
}

/** One provider's client. SDK-internal retries are off; retries happen in our typed loop. */
export interface LlmClient {
  readonly name: string
  readonly kind: ResolvedProvider["kind"]
  readonly complete: (req: CompletionRequest) => Effect.Effect<Completion, LlmError>
  readonly batch?: BatchApi
  /** Why there is no `batch` when the provider has a batch API (its key is on the workers only). */
  readonly noBatch?: string
}

/** The configured providers, by name (those with a key). */
export class LlmProviders extends Context.Tag("jobsignal/LlmProviders")<
  LlmProviders,
  {
    readonly get: (name: string) => Effect.Effect<LlmClient, Fatal>
    readonly names: ReadonlyArray<string>
  }
>() {
  static layer = (
    settings: Pick<LlmSettings, "providers" | "timeoutMs">,
    make: (p: ResolvedProvider, timeoutMs: number) => LlmClient
  ) =>
    Layer.sync(LlmProviders, () => {
      const clients = new Map<string, LlmClient>()
      for (const [name, p] of settings.providers) clients.set(name, make(p, settings.timeoutMs))
      return {
        names: [...clients.keys()],
        get: (name: string) => {
          const c = clients.get(name)
          return c
            ? Effect.succeed(c)
            : Effect.fail(
                new Fatal({
                  reason: "Config",
                  message: `LLM provider ${JSON.stringify(name)} is not configured or has no key`
                })
              )
        }
      }
    })
}

interface SdkErrorLike {
  readonly status?: number
  readonly headers?: Headers | Record<string, string | null | undefined>
  readonly error?: unknown
  readonly message?: string
  readonly name?: string
  readonly constructor?: { name?: string }
}

const header = (h: SdkErrorLike["headers"], name: string): string | undefined => {
  if (!h) return undefined
  if (typeof (h as Headers).get === "function") return (h as Headers).get(name) ?? undefined
  return (h as Record<string, string | undefined>)[name] ?? undefined
}

/** `retry-after-ms` (both SDKs' servers send it) wins; else `retry-after` in seconds or as an HTTP date. */
export const retryAfterMs = (h: SdkErrorLike["headers"], nowMs = Date.now()): number | undefined => {
  const ms = Number(header(h, "retry-after-ms"))
  if (header(h, "retry-after-ms") !== undefined && Number.isFinite(ms)) return Math.max(0, ms)
  const v = header(h, "retry-after")
  if (v === undefined) return undefined
  const s = Number(v)
  if (Number.isFinite(s)) return Math.max(0, s * 1000)
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}

const OUT_OF_CREDIT =
  /insufficient_quota|credit balance|out of credit|billing|spend(ing)?[ _-]?(limit|cap)|quota exceeded|exceeded your current quota|insufficient (credit|balance|funds)/i

/**
 * Turns an SDK error into what we should do about it: retry (rate limited, overloaded, timeout,
 * transport, 5xx) or stop (out of credit / spend cap, auth, invalid request).
 */
export const classifySdkError = (provider: string, model: string, e: unknown): LlmError => {
  const err = (e ?? {}) as SdkErrorLike
  const cls = err.constructor?.name ?? err.name ?? ""
  const where = `${provider} ${model}`
  const body = JSON.stringify(err.error ?? "") + " " + (err.message ?? "")
  const msg = `${where}: ${(err.message ?? String(e)).slice(0, 300)}`
  if (/Timeout/.test(cls)) return new Retriable({ reason: "Timeout", message: msg })
  if (err.status === undefined) {
    if (/Connection|Fetch|Abort/.test(cls) || e instanceof TypeError)
      return new Retriable({ reason: "Transport", message: msg })
    return new Fatal({ reason: "Internal", message: msg })
  }
  const s = err.status
  if (s === 402 || ((s === 429 || s === 400 || s === 403) && OUT_OF_CREDIT.test(body)))
    return new Fatal({
      reason: "Budget",
      message: `${where}: out of credit or over the provider's spend cap (HTTP ${s}): ${(err.message ?? "").slice(0, 200)}`
    })
  if (s === 429) return new Retriable({ reason: "RateLimited", message: msg, retryAfterMs: retryAfterMs(err.headers) })
  if (s === 529) return new Retriable({ reason: "Overloaded", message: msg, retryAfterMs: retryAfterMs(err.headers) })
  if (s === 408) return new Retriable({ reason: "Timeout", message: msg })
  if (s >= 500) return new Retriable({ reason: "ServerError", message: msg, retryAfterMs: retryAfterMs(err.headers) })
  if (s === 401 || s === 403)
    return new Fatal({
      reason: "Auth",
      message: `${where}: the provider refused the key (HTTP ${s}); check the API key variable`
    })
  return new Fatal({ reason: "InvalidRequest", message: msg })
}
