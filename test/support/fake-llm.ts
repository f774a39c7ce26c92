/**
 * A loopback LLM API for tests and the bench: speaks the Anthropic Messages (`POST /v1/messages`)
 * and OpenAI Chat Completions (`POST /v1/chat/completions`) wire formats, usage fields included, so
 * the real SDK clients talk to it by base URL. It answers batches deterministically from the item
 * text, truncates honestly when max_tokens is too small, and plays scripted faults.
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

  const error = (
    res: ServerResponse,
    api: FakeRequest["api"],
    status: number,
    type: string,
    message: string,
    headers: Record<string, string> = {}
  ) =>
    send(
      res,
      status,
      api === "anthropic"
        ? { type: "error", error: { type, message } }
        : { error: { message, type, code: type, param: null } },
      headers
    )

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const api = req.url?.endsWith("/messages")
      ? "anthropic"
      : req.url?.endsWith("/chat/completions")
        ? "openai"
        : undefined
    if (!api) return send(res, 404, { error: { message: `no route ${req.url}` } })
    const body = JSON.parse(raw) as Record<string, any>
    const system =
      api === "anthropic"
        ? String(body.system ?? "")
        : String(body.messages?.find((m: any) => m.role === "system")?.content ?? "")
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
      ids: items.map((i) => i.id)
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
        return error(
          res,
          api,
          429,
          api === "anthropic" ? "rate_limit_error" : "rate_limit_exceeded",
          "Rate limit reached for requests",
          limited
        )
      case "overloaded":
        return error(res, api, 529, "overloaded_error", "Overloaded")
      case "server_error":
        return error(res, api, 500, "api_error", "Internal server error")
      case "out_of_credit":
        return api === "anthropic"
          ? error(
              res,
              api,
              400,
              "invalid_request_error",
              "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."
            )
          : error(
              res,
              api,
              429,
              "insufficient_quota",
              "You exceeded your current quota, please check your plan and billing details."
            )
      case "auth":
        return error(
          res,
          api,
          401,
          api === "anthropic" ? "authentication_error" : "invalid_api_key",
          "invalid x-api-key"
        )
      case "invalid_request":
        return error(res, api, 400, "invalid_request_error", "max_tokens: field required")
      case "transport":
        return void req.socket.destroy()
      case "timeout":
        return void setTimeout(() => {
          if (!res.writableEnded) error(res, api, 504, "timeout", "too late")
        }, fault.holdMs ?? 5_000).unref()
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
    const usage = { input: tokens(system) + tokens(user), output: Math.min(tokens(text), base.maxTokens) }

    if (api === "anthropic") {
      const content =
        structured === "tool" && !truncated && fault?.kind !== "malformed"
          ? [{ type: "tool_use", id: `toolu_${requests.length}`, name: schemaName, input: JSON.parse(text) }]
          : [{ type: "text", text }]
      return send(res, 200, {
        id: `msg_${requests.length}`,
        type: "message",
        role: "assistant",
        model: base.model,
        content,
        stop_reason: truncated ? "max_tokens" : structured === "tool" ? "tool_use" : "end_turn",
        stop_sequence: null,
        usage: {
          input_tokens: usage.input,
          output_tokens: usage.output,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0
        }
      })
    }
    send(res, 200, {
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
        prompt_tokens_details: { cached_tokens: 0 }
      }
    })
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
  return {
    anthropicUrl: `http://127.0.0.1:${port}`,
    openaiUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (fault, opts = {}) => void rules.push({ fault, times: opts.times ?? 1, when: opts.when }),
    respond: (schemaName, answer) => void responders.set(schemaName, answer),
    reset: () => {
      rules = []
      requests.length = 0
      responders.clear()
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
