/**
 * A loopback LLM API for tests and the bench: speaks the Anthropic Messages (`POST /v1/messages`)
 * and OpenAI Chat Completions (`POST /v1/chat/completions`) wire formats, usage fields included, so
 * the real SDK clients talk to it by base URL. It answers batches deterministically from the item
 * text, truncates honestly when max_tokens is too small, and plays scripted faults. It also speaks the
 * batch APIs (Anthropic Message Batches; OpenAI Files + Batch): create, poll (in progress, then ended),
 * per-request failures, expiry and cancellation, results as JSONL; and reports prompt-cache reads.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { Socket } from "node:net"
import { Clock, Duration, Effect } from "effect"

export type Fault =
  | { readonly kind: "rate_limit"; readonly retryAfterS?: number; readonly retryAfterMs?: number }
  | { readonly kind: "overloaded" }
  | { readonly kind: "server_error" }
  | { readonly kind: "timeout"; readonly holdMs?: number }
  | { readonly kind: "transport" }
  | { readonly kind: "truncate" }
  | { readonly kind: "drop_ids"; readonly count: number }
  | { readonly kind: "malformed" }
  | { readonly kind: "duplicate" }
  | { readonly kind: "invalid_item" }
  | { readonly kind: "out_of_credit" }
  | { readonly kind: "auth" }
  | { readonly kind: "invalid_request" }

export interface FakeRequest {
  readonly api: "anthropic" | "openai"
  readonly model: string
  readonly maxTokens: number
  readonly structured: "tool" | "json_schema" | "json_object" | "none"
  readonly schemaName: string
  readonly system: string
  readonly user: string
  readonly ids: ReadonlyArray<string>
  readonly fault?: Fault["kind"]
  /** Anthropic: the system prompt was marked `cache_control`. */
  readonly cacheControl: boolean
  /** Set when the request came in a provider batch. */
  readonly batchId?: string
  /** OpenAI: `reasoning_effort`, when sent. */
  readonly reasoningEffort?: string
}

/** How the next batches behave: polls before they end, requests past an index expire, or the whole batch fails. */
export interface BatchPlan {
  readonly pollsBeforeEnd?: number
  readonly expireAfter?: number
  readonly fail?: boolean
  /** The endpoint has no batch route: creating one answers 404. */
  readonly noBatchRoute?: boolean
}

type BatchOutcome =
  | { readonly customId: string; readonly kind: "succeeded"; readonly body: unknown }
  | { readonly customId: string; readonly kind: "errored"; readonly status: number; readonly body: unknown }
  | { readonly customId: string; readonly kind: "expired" | "canceled" }

interface FakeBatch {
  readonly id: string
  readonly api: FakeRequest["api"]
  readonly requests: ReadonlyArray<{ readonly customId: string; readonly body: Record<string, any> }>
  polls: number
  state: "in_progress" | "ended" | "expired" | "cancelled" | "failed"
  cancelled?: boolean
  plan: BatchPlan
  readonly createdAt: number
  readonly inputFileId?: string
  outcomes?: BatchOutcome[]
  outputFileId?: string
  errorFileId?: string
}

/** Results (each with its item id) for one request's items. */
export type Responder = (
  items: ReadonlyArray<{ id: string; text: string }>,
  req: FakeRequest
) => Array<Record<string, unknown>>

interface Rule {
  readonly fault: Fault
  times: number
  readonly when?: (r: FakeRequest) => boolean
}

export interface FakeLlm {
  /** Base URL for the Anthropic SDK (it appends /v1/messages). */
  readonly anthropicUrl: string
  /** Base URL for the OpenAI SDK (it appends /chat/completions). */
  readonly openaiUrl: string
  readonly requests: FakeRequest[]
  /** Plays `fault` on the next `times` requests that match `when` (default: the next one). */
  readonly script: (fault: Fault, opts?: { times?: number; when?: (r: FakeRequest) => boolean }) => void
  /** Answers requests for `schemaName` with `answer` instead of the built-in relevance/fit answers (cleared by reset). */
  readonly respond: (schemaName: string, answer: Responder) => void
  /** Every batch API call (create, retrieve, results, cancel, upload, content), in order. */
  readonly batchOps: Array<{ op: string; api: FakeRequest["api"]; id: string }>
  /** How batches created from now on behave (cleared by reset: they end on the first poll). */
  readonly planBatches: (plan: BatchPlan) => void
  /** Forgets the prompt prefixes seen, so the next call writes the cache again. */
  readonly forgetCache: () => void
  readonly reset: () => void
  readonly close: () => Promise<void>
}

const ITEM = /<item id="([^"]+)">\n([\s\S]*?)\n<\/item>/g
export const itemsOf = (user: string) => [...user.matchAll(ITEM)].map((m) => ({ id: m[1], text: m[2] }))
const tokens = (s: string) => Math.ceil(s.length / 4)
const fieldOf = (text: string, name: string) => new RegExp(`^${name}: (.*)$`, "m").exec(text)?.[1] ?? ""
const hash = (s: string) => {
  let h = 7
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0
  return h
}

/** A gullible model: an item that says so makes it answer the whole batch with yes / 100. */
const INJECTED = /ignore (all )?previous instructions/i

/** Deterministic answers from the item text, so tests can predict every result. */
export const fakeAnswer = (schemaName: string, items: ReadonlyArray<{ id: string; text: string }>) => {
  const obey = items.some((i) => INJECTED.test(i.text))
  return items.map(({ id, text }) => {
    const title = fieldOf(text, "title")
    if (schemaName === "relevance_results") {
      const relevant = obey || /sales|revenue|engineering|partnership|go-to-market/i.test(title)
      return { id, relevant, reason: relevant ? "title matches a target function" : "title outside target functions" }
    }
    const score = obey
      ? 100
      : Math.min(
          100,
          (/vp|head|director|chief|manager/i.test(title) ? 35 : 10) +
            (/sales|revenue|engineering/i.test(title) ? 30 : 0) +
            (/health|payer/i.test(text) ? 20 : 0) +
            (hash(text) % 15)
        )
    return { id, score, rationale: `The posting is for ${title}; fit judged from its stated scope.`, quote: title }
  })
}

export const startFakeLlm = async (): Promise<FakeLlm> => {
  const requests: FakeRequest[] = []
  let rules: Rule[] = []
  const responders = new Map<string, Responder>()
  const sockets = new Set<Socket>()
  const batches = new Map<string, FakeBatch>()
  const files = new Map<string, string>()
  const batchOps: FakeLlm["batchOps"] = []
  let batchPlan: BatchPlan = {}
  let baseUrl = () => ""

  const pick = (r: FakeRequest) => {
    const rule = rules.find((x) => x.times > 0 && (!x.when || x.when(r)))
    if (!rule) return undefined
    rule.times--
    return rule.fault
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers })
    res.end(JSON.stringify(body))
  }

  /** What the server answers one Messages / Chat Completions body with: a reply, a dropped connection, or a late one. */
  type Reply =
    | { readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> }
    | { readonly transport: true }
    | { readonly holdMs: number; readonly api: FakeRequest["api"] }

  const errorBody = (api: FakeRequest["api"], type: string, message: string) =>
    api === "anthropic"
      ? { type: "error", error: { type, message } }
      : { error: { message, type, code: type, param: null } }
  const errorReply = (
    api: FakeRequest["api"],
    status: number,
    type: string,
    message: string,
    headers: Record<string, string> = {}
  ): Reply => ({ status, body: errorBody(api, type, message), headers })

  /**
   * Prompt caching as the providers document it: a prefix seen before is read from the cache. Anthropic
   * caches only what is marked `cache_control` and at least 1,024 tokens (2,048 on Haiku); OpenAI caches
   * prompts of 1,024 tokens or more in 128-token steps; DeepSeek caches any prefix in 64-token units.
   */
  const seenPrefixes = new Set<string>()
  const cachedOf = (api: FakeRequest["api"], model: string, system: string, marked: boolean) => {
    const t = tokens(system)
    const seen = seenPrefixes.has(`${model}\n${system}`)
    seenPrefixes.add(`${model}\n${system}`)
    if (api === "anthropic") {
      const min = /haiku/.test(model) ? 2048 : 1024
      if (!marked || t < min) return { read: 0, write: 0 }
      return seen ? { read: t, write: 0 } : { read: 0, write: t }
    }
    if (/deepseek/.test(model)) return { read: seen ? Math.floor(t / 64) * 64 : 0, write: 0 }
    return { read: seen && t >= 1024 ? Math.floor(t / 128) * 128 : 0, write: 0 }
  }

  const answer = (api: FakeRequest["api"], body: Record<string, any>, batchId?: string): Reply => {
    const systemBlocks = Array.isArray(body.system)
      ? (body.system as Array<{ text?: string; cache_control?: unknown }>)
      : []
    const system =
      api === "anthropic"
        ? Array.isArray(body.system)
          ? systemBlocks.map((b) => b.text ?? "").join("")
          : String(body.system ?? "")
        : String(body.messages?.find((m: any) => m.role === "system")?.content ?? "")
    const cacheControl = systemBlocks.some((b) => b.cache_control !== undefined)
    const user = String(body.messages?.find((m: any) => m.role === "user")?.content ?? "")
    const structured: FakeRequest["structured"] =
      api === "anthropic"
        ? body.tools
          ? "tool"
          : body.output_config?.format
            ? "json_schema"
            : "none"
        : (body.response_format?.type ?? "none")
    const schemaName =
      api === "anthropic"
        ? (body.tools?.[0]?.name ?? "")
        : (body.response_format?.json_schema?.name ?? (/"score"/.test(system) ? "fit_results" : "relevance_results"))
    const items = itemsOf(user)
    const base = {
      api,
      model: String(body.model),
      maxTokens: Number(body.max_tokens ?? body.max_completion_tokens),
      structured,
      schemaName,
      system,
      user,
      ids: items.map((i) => i.id),
      cacheControl,
      ...(batchId ? { batchId } : {}),
      ...(body.reasoning_effort ? { reasoningEffort: String(body.reasoning_effort) } : {})
    } as const
    const fault = pick(base)
    requests.push({ ...base, fault: fault?.kind })

    const limited = {
      "retry-after": String((fault as { retryAfterS?: number })?.retryAfterS ?? 1),
      ...((fault as { retryAfterMs?: number })?.retryAfterMs !== undefined
        ? { "retry-after-ms": String((fault as { retryAfterMs: number }).retryAfterMs) }
        : {})
    }
    switch (fault?.kind) {
      case "rate_limit":
        return errorReply(
          api,
          429,
          api === "anthropic" ? "rate_limit_error" : "rate_limit_exceeded",
          "Rate limit reached for requests",
          limited
        )
      case "overloaded":
        return errorReply(api, 529, "overloaded_error", "Overloaded")
      case "server_error":
        return errorReply(api, 500, "api_error", "Internal server error")
      case "out_of_credit":
        return api === "anthropic"
          ? errorReply(
              api,
              400,
              "invalid_request_error",
              "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."
            )
          : errorReply(
              api,
              429,
              "insufficient_quota",
              "You exceeded your current quota, please check your plan and billing details."
            )
      case "auth":
        return errorReply(
          api,
          401,
          api === "anthropic" ? "authentication_error" : "invalid_api_key",
          "invalid x-api-key"
        )
      case "invalid_request":
        return errorReply(api, 400, "invalid_request_error", "max_tokens: field required")
      case "transport":
        return { transport: true }
      case "timeout":
        return { holdMs: fault.holdMs ?? 5_000, api }
    }

    const responder = responders.get(schemaName)
    let answers: Array<Record<string, unknown>> = responder
      ? responder(items, { ...base, fault: fault?.kind })
      : fakeAnswer(schemaName, items)
    if (fault?.kind === "drop_ids") answers = answers.slice(0, Math.max(0, answers.length - fault.count))
    if (fault?.kind === "duplicate" && answers.length > 0) answers = [...answers, { ...answers[0] }]
    if (fault?.kind === "invalid_item" && answers.length > 0)
      answers = [{ ...answers[0], score: "high", relevant: "maybe" }, ...answers.slice(1)]
    let text =
      fault?.kind === "malformed"
        ? `Sure! Here are the results: {"results": [${answers.map((a) => JSON.stringify(a)).join(", ")}`
        : JSON.stringify({ results: answers })
    // Honest truncation: an answer longer than max_tokens is cut, as a real model's would be.
    const truncated = fault?.kind === "truncate" || tokens(text) > base.maxTokens
    if (truncated) text = text.slice(0, Math.min(text.length - 5, base.maxTokens * 4))
    const cache = cachedOf(api, base.model, system, cacheControl)
    const usage = { input: tokens(system) + tokens(user), output: Math.min(tokens(text), base.maxTokens) }

    if (api === "anthropic") {
      const content =
        structured === "tool" && !truncated && fault?.kind !== "malformed"
          ? [{ type: "tool_use", id: `toolu_${requests.length}`, name: schemaName, input: JSON.parse(text) }]
          : [{ type: "text", text }]
      return {
        status: 200,
        body: {
          id: `msg_${requests.length}`,
          type: "message",
          role: "assistant",
          model: base.model,
          content,
          stop_reason: truncated ? "max_tokens" : structured === "tool" ? "tool_use" : "end_turn",
          stop_sequence: null,
          usage: {
            input_tokens: usage.input - cache.read - cache.write,
            output_tokens: usage.output,
            cache_creation_input_tokens: cache.write,
            cache_read_input_tokens: cache.read
          }
        }
      }
    }
    return {
      status: 200,
      body: {
        id: `chatcmpl-${requests.length}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: base.model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: text, refusal: null },
            finish_reason: truncated ? "length" : "stop",
            logprobs: null
          }
        ],
        usage: {
          prompt_tokens: usage.input,
          completion_tokens: usage.output,
          total_tokens: usage.input + usage.output,
          prompt_tokens_details: { cached_tokens: cache.read }
        }
      }
    }
  }

  const deliver = (req: IncomingMessage, res: ServerResponse, reply: Reply) => {
    if ("transport" in reply) return void req.socket.destroy()
    if ("holdMs" in reply)
      return void setTimeout(() => {
        if (!res.writableEnded) send(res, 504, errorBody(reply.api, "timeout", "too late"))
      }, reply.holdMs).unref()
    send(res, reply.status, reply.body, reply.headers)
  }

  // ---- batch APIs: Anthropic Message Batches, OpenAI Files + Batch ----
  const now = () => Math.floor(Date.now() / 1000)
  const anthropicBatchView = (b: FakeBatch) => {
    const ended = b.state !== "in_progress"
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 }
    if (!ended) counts.processing = b.requests.length
    else for (const r of b.outcomes ?? []) counts[r.kind === "succeeded" ? "succeeded" : r.kind]++
    return {
      id: b.id,
      type: "message_batch",
      processing_status: ended ? "ended" : b.cancelled ? "canceling" : "in_progress",
      request_counts: counts,
      created_at: new Date(b.createdAt * 1000).toISOString(),
      expires_at: new Date((b.createdAt + 86_400) * 1000).toISOString(),
      ended_at: ended ? new Date().toISOString() : null,
      archived_at: null,
      cancel_initiated_at: b.cancelled ? new Date().toISOString() : null,
      results_url: ended ? `${baseUrl()}/v1/messages/batches/${b.id}/results` : null
    }
  }
  const openaiBatchView = (b: FakeBatch) => ({
    id: b.id,
    object: "batch",
    endpoint: "/v1/chat/completions",
    errors:
      b.state === "failed"
        ? { object: "list", data: [{ code: "invalid_jsonl", message: "bad input file", line: 1 }] }
        : null,
    input_file_id: b.inputFileId,
    completion_window: "24h",
    status: b.state === "ended" ? "completed" : b.state,
    output_file_id: b.outputFileId ?? null,
    error_file_id: b.errorFileId ?? null,
    created_at: b.createdAt,
    request_counts: {
      total: b.requests.length,
      completed: (b.outcomes ?? []).filter((o) => o.kind === "succeeded").length,
      failed: (b.outcomes ?? []).filter((o) => o.kind !== "succeeded").length
    }
  })

  /** Runs every request of a batch through the online answer (scripted faults included), then files the results. */
  const finish = (b: FakeBatch, state: FakeBatch["state"]) => {
    const expireFrom = b.plan.expireAfter ?? (state === "expired" || b.cancelled ? 0 : Number.POSITIVE_INFINITY)
    b.outcomes = b.requests.map((r, n) => {
      if (n >= expireFrom) return { customId: r.customId, kind: b.cancelled ? "canceled" : "expired" } as const
      const reply = answer(b.api, r.body, b.id)
      if ("status" in reply && reply.status === 200)
        return { customId: r.customId, kind: "succeeded", body: reply.body } as const
      return {
        customId: r.customId,
        kind: "errored",
        status: "status" in reply ? reply.status : 500,
        body: "status" in reply ? reply.body : errorBody(b.api, "api_error", "Internal server error")
      } as const
    })
    b.state = state
    if (b.api === "openai") {
      const out = b.outcomes.filter((o) => o.kind === "succeeded")
      const err = b.outcomes.filter((o) => o.kind !== "succeeded")
      const line = (o: BatchOutcome, n: number) =>
        JSON.stringify(
          o.kind === "succeeded" || o.kind === "errored"
            ? {
                id: `batch_req_${n}`,
                custom_id: o.customId,
                response: {
                  status_code: o.kind === "succeeded" ? 200 : o.status,
                  request_id: `req_${n}`,
                  body: o.body
                },
                error: null
              }
            : {
                id: `batch_req_${n}`,
                custom_id: o.customId,
                response: null,
                error: {
                  code: o.kind === "expired" ? "batch_expired" : "batch_cancelled",
                  message: "This request could not be executed before the completion window expired."
                }
              }
        )
      if (out.length > 0) b.outputFileId = storeFile(out.map(line).join("\n") + "\n")
      if (err.length > 0) b.errorFileId = storeFile(err.map(line).join("\n") + "\n")
    }
  }
  const storeFile = (content: string) => {
    const id = `file-${files.size + 1}`
    files.set(id, content)
    return id
  }
  const poll = (b: FakeBatch) => {
    b.polls++
    if (b.state !== "in_progress") return
    if (b.plan.fail) b.state = "failed"
    else if (b.polls >= (b.plan.pollsBeforeEnd ?? 1)) finish(b, b.plan.expireAfter !== undefined ? "expired" : "ended")
  }

  const handleBatchApi = (req: IncomingMessage, res: ServerResponse, raw: string): boolean => {
    const url = (req.url ?? "").split("?")[0]
    const method = req.method ?? "GET"
    let m: RegExpExecArray | null
    const notFound = (id: string) => send(res, 404, { error: { message: `no batch ${id}`, type: "not_found_error" } })
    if (batchPlan.noBatchRoute && /batches|files/.test(url)) {
      send(res, 404, { error: { message: `no route ${url}`, type: "not_found_error" } })
      return true
    }
    if (method === "POST" && url === "/v1/messages/batches") {
      const body = JSON.parse(raw) as { requests: Array<{ custom_id: string; params: Record<string, unknown> }> }
      const b = newBatch(
        "anthropic",
        body.requests.map((r) => ({ customId: r.custom_id, body: r.params }))
      )
      batchOps.push({ op: "create", api: "anthropic", id: b.id })
      send(res, 200, anthropicBatchView(b))
      return true
    }
    if ((m = /^\/v1\/messages\/batches\/([^/]+)(\/results|\/cancel)?$/.exec(url))) {
      const b = batches.get(m[1])
      if (!b) return (notFound(m[1]), true)
      if (m[2] === "/results") {
        batchOps.push({ op: "results", api: "anthropic", id: b.id })
        res.writeHead(200, { "content-type": "application/binary" })
        res.end(
          (b.outcomes ?? [])
            .map((o) =>
              JSON.stringify({
                custom_id: o.customId,
                result:
                  o.kind === "succeeded"
                    ? { type: "succeeded", message: o.body }
                    : o.kind === "errored"
                      ? { type: "errored", error: o.body }
                      : { type: o.kind }
              })
            )
            .join("\n") + "\n"
        )
        return true
      }
      if (m[2] === "/cancel") {
        batchOps.push({ op: "cancel", api: "anthropic", id: b.id })
        b.cancelled = true
        send(res, 200, anthropicBatchView(b))
        return true
      }
      batchOps.push({ op: "retrieve", api: "anthropic", id: b.id })
      poll(b)
      send(res, 200, anthropicBatchView(b))
      return true
    }
    if (method === "POST" && url === "/v1/files") {
      // Multipart upload: the JSONL lines are the part's body; every line is one request.
      const lines = raw.split(/\r?\n/).filter((l) => l.startsWith('{"custom_id"'))
      const id = storeFile(lines.join("\n") + "\n")
      batchOps.push({ op: "upload", api: "openai", id })
      send(res, 200, {
        id,
        object: "file",
        bytes: raw.length,
        created_at: now(),
        filename: "batch.jsonl",
        purpose: "batch",
        status: "processed"
      })
      return true
    }
    if ((m = /^\/v1\/files\/([^/]+)\/content$/.exec(url))) {
      batchOps.push({ op: "content", api: "openai", id: m[1] })
      const content = files.get(m[1])
      if (content === undefined) return (notFound(m[1]), true)
      res.writeHead(200, { "content-type": "application/octet-stream" })
      res.end(content)
      return true
    }
    if (method === "POST" && url === "/v1/batches") {
      const body = JSON.parse(raw) as { input_file_id: string }
      const lines = (files.get(body.input_file_id) ?? "")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as { custom_id: string; body: Record<string, unknown> })
      const b = newBatch(
        "openai",
        lines.map((l) => ({ customId: l.custom_id, body: l.body })),
        body.input_file_id
      )
      batchOps.push({ op: "create", api: "openai", id: b.id })
      send(res, 200, { ...openaiBatchView(b), status: "validating" })
      return true
    }
    if ((m = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(url))) {
      const b = batches.get(m[1])
      if (!b) return (notFound(m[1]), true)
      if (m[2]) {
        batchOps.push({ op: "cancel", api: "openai", id: b.id })
        b.cancelled = true
        if (b.state === "in_progress") finish(b, "cancelled")
        send(res, 200, openaiBatchView(b))
        return true
      }
      batchOps.push({ op: "retrieve", api: "openai", id: b.id })
      poll(b)
      send(res, 200, openaiBatchView(b))
      return true
    }
    return false
  }
  const newBatch = (api: FakeRequest["api"], reqs: FakeBatch["requests"], inputFileId?: string): FakeBatch => {
    const b: FakeBatch = {
      id: api === "anthropic" ? `msgbatch_${batches.size + 1}` : `batch_${batches.size + 1}`,
      api,
      requests: reqs,
      polls: 0,
      state: "in_progress",
      plan: { ...batchPlan },
      createdAt: now(),
      inputFileId
    }
    batches.set(b.id, b)
    return b
  }

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    if (handleBatchApi(req, res, raw)) return
    const api = req.url?.endsWith("/messages")
      ? "anthropic"
      : req.url?.endsWith("/chat/completions")
        ? "openai"
        : undefined
    if (!api) return send(res, 404, { error: { message: `no route ${req.url}` } })
    deliver(req, res, answer(api, JSON.parse(raw) as Record<string, any>))
  }

  const server = createServer((req, res) => {
    let raw = ""
    req.setEncoding("utf8")
    req.on("data", (c) => (raw += c))
    req.on("end", () => {
      try {
        handle(req, res, raw)
      } catch (e) {
        send(res, 500, { error: { message: String(e) } })
      }
    })
  })
  server.on("connection", (s) => {
    sockets.add(s)
    s.on("close", () => sockets.delete(s))
  })
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok))
  const port = (server.address() as { port: number }).port
  baseUrl = () => `http://127.0.0.1:${port}`
  return {
    anthropicUrl: `http://127.0.0.1:${port}`,
    openaiUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (fault, opts = {}) => void rules.push({ fault, times: opts.times ?? 1, when: opts.when }),
    respond: (schemaName, answer) => void responders.set(schemaName, answer),
    batchOps,
    planBatches: (plan) => {
      batchPlan = plan
      for (const b of batches.values()) if (b.state === "in_progress") b.plan = { ...plan }
    },
    forgetCache: () => seenPrefixes.clear(),
    reset: () => {
      rules = []
      requests.length = 0
      responders.clear()
      batchOps.length = 0
      batchPlan = {}
      seenPrefixes.clear()
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy()
        server.close(() => ok())
      })
  }
}

/**
 * A clock whose sleeps return at once and are written down: retry delays (backoff, retry-after)
 * are asserted as numbers, and no test waits on the wall clock.
 */
export const recordingClock = () => {
  const sleeps: number[] = []
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => Date.now(),
    unsafeCurrentTimeNanos: () => BigInt(Date.now()) * 1_000_000n,
    currentTimeMillis: Effect.sync(() => Date.now()),
    currentTimeNanos: Effect.sync(() => BigInt(Date.now()) * 1_000_000n),
    sleep: (d: Duration.Duration) => Effect.sync(() => void sleeps.push(Duration.toMillis(d)))
  }
  return { clock, sleeps }
}

/** A recording clock whose time moves on by every sleep: deadlines pass as the polls back off, still without waiting. */
export const advancingClock = () => {
  const sleeps: number[] = []
  let offset = 0
  const nowMs = () => Date.now() + offset
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: nowMs,
    unsafeCurrentTimeNanos: () => BigInt(nowMs()) * 1_000_000n,
    currentTimeMillis: Effect.sync(nowMs),
    currentTimeNanos: Effect.sync(() => BigInt(nowMs()) * 1_000_000n),
    sleep: (d: Duration.Duration) =>
      Effect.sync(() => {
        sleeps.push(Duration.toMillis(d))
        offset += Duration.toMillis(d)
      })
  }
  return { clock, sleeps }
}
