import { Clock, Context, Duration, Effect, Either, FiberRef, Layer, ParseResult, Schema } from "effect"
import { Fatal, Retriable, Skippable } from "../pipelines/errors.ts"
import { type ResponseHeaders, send } from "./transport.ts"

/** Politeness per host: how many requests at once and how many per second at most. */
export interface HostLimits {
  readonly concurrency: number
  readonly perSecond?: number
}

export interface HttpRequest {
  readonly url: string
  readonly method?: "GET" | "POST"
  readonly headers?: Record<string, string>
  readonly body?: unknown
  readonly timeoutMs?: number
  /** Label used in error messages: the board, feed or search this request serves. */
  readonly unit?: string
  /** Overrides the default retry policy for this request (e.g. a paging probe that must not wait long). */
  readonly retry?: RetryPolicy
}

export interface HttpResponse {
  readonly status: number
  readonly headers: ResponseHeaders
  readonly text: string
  readonly url: string
  /** The body as received, for sources that decode a declared charset themselves (ISO-8859-1 feeds). */
  readonly bytes?: Uint8Array
}

export interface RetryPolicy {
  readonly times: number
  readonly baseMs: number
  readonly capMs: number
}

export const defaultRetry: RetryPolicy = { times: 4, baseMs: 500, capMs: 30_000 }

/**
 * Requests made by the fibers under `countRequests`: the Http service is shared by every node of a run,
 * so a node's own count cannot be read off the service's totals while other nodes run beside it.
 */
const requestCounter = FiberRef.unsafeMake<{ n: number } | null>(null)

export const countRequests = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const counter = { n: 0 }
    return Effect.locally(effect, requestCounter, counter).pipe(Effect.map((a) => [a, counter.n] as const))
  })

export interface HttpStats {
  requests: number
  retries: number
  errors: Record<string, number>
}

/**
 * The connector base every HTTP source uses: per-host concurrency and rate limits, timeouts,
 * `Retry-After`, and status codes turned into errors named by what to do about them.
 */
export class Http extends Context.Tag("jobsignal/Http")<Http, {
  readonly request: (req: HttpRequest) => Effect.Effect<HttpResponse, Retriable | Skippable | Fatal>
  readonly setHostLimits: (host: string, limits: HostLimits) => void
  readonly stats: HttpStats
}>() {
  static layer = (config: { userAgent?: string; timeoutMs?: number; defaultLimits?: HostLimits } = {}) =>
    Layer.sync(Http, () => makeHttp(config))
}

const parseRetryAfter = (value: string | null, nowMs: number): number | undefined => {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}

const utf8 = new TextDecoder()

const where = (req: HttpRequest) => (req.unit ? `${req.unit}: ` : "") + `${req.method ?? "GET"} ${req.url}`

export const classifyStatus = (
  req: HttpRequest,
  res: HttpResponse,
  nowMs: number
): Retriable | Skippable | Fatal | undefined => {
  const s = res.status
  if (s >= 200 && s < 300) return undefined
  const msg = `${where(req)} answered HTTP ${s}`
  const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), nowMs)
  if (s === 429) return new Retriable({ reason: "RateLimited", message: msg, retryAfterMs })
  if (s === 529) return new Retriable({ reason: "Overloaded", message: msg, retryAfterMs })
  if (s >= 500) return new Retriable({ reason: "ServerError", message: msg, retryAfterMs })
  if (s === 404 || s === 410) return new Skippable({ reason: "NotFound", message: msg, unit: req.unit })
  if (s === 401) return new Fatal({ reason: "Auth", message: msg })
  if (s === 403) return new Skippable({ reason: "Blocked", message: msg, unit: req.unit })
  return new Skippable({ reason: "BadRequest", message: msg, unit: req.unit })
}

const TIMED_OUT = Symbol("timed out")

/** Why a request failed on the wire, as a retriable error naming the request. */
const transportError = (req: HttpRequest, e: unknown, timeoutMs: number) =>
  e === TIMED_OUT
    ? new Retriable({ reason: "Timeout", message: `${where(req)} timed out after ${timeoutMs} ms` })
    : new Retriable({ reason: "Transport", message: `${where(req)} failed: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}` })

const makeHttp = (config: { userAgent?: string; timeoutMs?: number; defaultLimits?: HostLimits }) => {
  const limits = new Map<string, HostLimits>()
  const gates = new Map<string, { sem: Effect.Semaphore; nextAt: number }>()
  const stats: HttpStats = { requests: 0, retries: 0, errors: {} }
  const defaults = config.defaultLimits ?? { concurrency: 8 }
  const userAgent = config.userAgent ?? "jobsignal/0.1 (+https://github.com/jobsignal)"

  const gate = (host: string) => {
    let g = gates.get(host)
    if (!g) {
      const l = limits.get(host) ?? defaults
      g = { sem: Effect.unsafeMakeSemaphore(l.concurrency), nextAt: 0 }
      gates.set(host, g)
    }
    return g
  }

  // `new URL` per request shows in the fan-out profile; the host of a URL prefix is looked up once.
  const hosts = new Map<string, string>()
  const hostOf = (url: string) => {
    const end = url.indexOf("/", url.indexOf("//") + 2)
    const origin = end === -1 ? url : url.slice(0, end)
    let host = hosts.get(origin)
    if (host === undefined) {
      host = new URL(url).host
      if (hosts.size < 10_000) hosts.set(origin, host)
    }
    return host
  }

  const countError = (e: Retriable | Skippable | Fatal) => {
    const k = `${e._tag}/${e.reason}`
    stats.errors[k] = (stats.errors[k] ?? 0) + 1
    return e
  }

  /**
   * One exchange, failing with the error its status calls for. The timeout is a timer on the
   * request's own abort controller, and the whole exchange one async step: racing a sleeping
   * fiber per request, or a chain of steps, cost more than the request (bench/ats-throughput).
   */
  const exchange = (req: HttpRequest, counter: { n: number } | null) =>
    Effect.async<HttpResponse, Retriable | Skippable | Fatal>((resume) => {
      stats.requests++
      if (counter) counter.n++
      const headers: Record<string, string> = { "user-agent": userAgent, accept: "application/json, text/html;q=0.9, */*;q=0.8", ...req.headers }
      let body: string | undefined
      if (req.body !== undefined) {
        body = typeof req.body === "string" ? req.body : JSON.stringify(req.body)
        headers["content-type"] ??= "application/json"
      }
      const timeoutMs = req.timeoutMs ?? config.timeoutMs ?? 30_000
      const ctrl = new AbortController()
      const timer = setTimeout(() => ctrl.abort(TIMED_OUT), Math.min(timeoutMs, 2_147_483_647))
      send(req.url, { method: req.method ?? "GET", headers, body, signal: ctrl.signal }).then(
        (r) => {
          clearTimeout(timer)
          const res: HttpResponse = { status: r.status, headers: r.headers, text: utf8.decode(r.bytes), url: r.url, bytes: r.bytes }
          const err = classifyStatus(req, res, Date.now())
          resume(err ? Effect.fail(countError(err)) : Effect.succeed(res))
        },
        (e) => {
          clearTimeout(timer)
          resume(Effect.fail(countError(transportError(req, ctrl.signal.aborted && ctrl.signal.reason === TIMED_OUT ? TIMED_OUT : e, timeoutMs))))
        }
      )
      return Effect.sync(() => {
        clearTimeout(timer)
        ctrl.abort()
      })
    })

  // Requests are spaced by 1/perSecond per host: each reserves the next slot, then waits for it.
  const paced = (host: string, req: HttpRequest) => {
    const perSecond = (limits.get(host) ?? defaults).perSecond
    const go = Effect.withFiberRuntime<HttpResponse, Retriable | Skippable | Fatal>((fiber) => exchange(req, fiber.getFiberRef(requestCounter)))
    if (!perSecond) return go
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const g = gate(host)
      const at = Math.max(now, g.nextAt)
      g.nextAt = at + 1000 / perSecond
      // Timers cannot wait under a millisecond; a sub-millisecond gap (a lifted per_second) is no wait.
      return at - now >= 1 ? Effect.zipRight(Effect.sleep(Duration.millis(at - now)), go) : go
    })
  }

  const once = (req: HttpRequest) =>
    Effect.suspend(() => {
      const host = hostOf(req.url)
      return gate(host).sem.withPermits(1)(paced(host, req))
    })

  return {
    request: (req: HttpRequest) => withRetry(once(req), req.retry ?? defaultRetry, () => { stats.retries++ }),
    setHostLimits: (host: string, l: HostLimits) => {
      limits.set(host, l)
      // Resized, not replaced: requests of another node already waiting on this host keep one gate.
      const g = gates.get(host)
      if (g) Effect.runSync(g.sem.resize(l.concurrency))
    },
    stats
  }
}

/** Exponential backoff with a cap; a server's `Retry-After` wins when it asks for longer. */
export const backoffMs = (policy: RetryPolicy, attempt: number, retryAfterMs?: number) =>
  Math.max(Math.min(policy.capMs, policy.baseMs * 2 ** attempt), retryAfterMs ?? 0)

/** Retries only `Retriable` failures; everything else passes straight through. */
export const withRetry = <A, E extends { readonly _tag: string }, R>(
  effect: Effect.Effect<A, E, R>,
  policy: RetryPolicy,
  onRetry: (e: Retriable, attempt: number, delayMs: number) => void = () => {}
): Effect.Effect<A, E, R> => {
  const loop = (attempt: number): Effect.Effect<A, E, R> =>
    effect.pipe(
      Effect.catchIf(
        (e): e is E => (e as { _tag: string })._tag === "Retriable" && attempt < policy.times,
        (e) => {
          const r = e as unknown as Retriable
          const delay = backoffMs(policy, attempt, r.retryAfterMs)
          onRetry(r, attempt + 1, delay)
          return Effect.sleep(Duration.millis(delay)).pipe(Effect.zipRight(loop(attempt + 1)))
        }
      )
    )
  return loop(0)
}

const snippet = (text: string) => JSON.stringify(text.slice(0, 80))

/** Parses a JSON body; HTML or a truncated body becomes a skippable error naming the unit. */
export const parseJson = (req: HttpRequest, res: HttpResponse): Effect.Effect<unknown, Skippable> =>
  Effect.try({
    try: () => JSON.parse(res.text) as unknown,
    catch: (e) => {
      const looksHtml = /^\s*</.test(res.text)
      return new Skippable({
        reason: "BadBody",
        unit: req.unit,
        message: looksHtml
          ? `${where(req)} returned HTML where JSON was expected (${res.text.length} bytes, starts ${snippet(res.text)})`
          : `${where(req)} returned a body that is not valid JSON (${res.text.length} bytes): ${(e as Error).message}`
      })
    }
  })

// One synchronous decoder per schema, built once: the Effect decoder costs more per board than the board.
const decoders = new WeakMap<object, (u: unknown) => Either.Either<unknown, ParseResult.ParseError>>()
export const decoderFor = <A, I>(schema: Schema.Schema<A, I>) => {
  let d = decoders.get(schema)
  if (!d) {
    d = Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" }) as (u: unknown) => Either.Either<unknown, ParseResult.ParseError>
    decoders.set(schema, d)
  }
  return d as (u: unknown) => Either.Either<A, ParseResult.ParseError>
}

/** GET/POST and decode with a schema: a body of the wrong shape is skippable, named by unit and field. */
export const fetchJson = <A, I>(req: HttpRequest, schema: Schema.Schema<A, I>): Effect.Effect<A, Retriable | Skippable | Fatal, Http> =>
  Effect.flatMap(Http, (http) =>
    Effect.flatMap(http.request(req), (res) =>
      Effect.flatMap(parseJson(req, res), (json) => {
        const r = decoderFor(schema)(json)
        return Either.isRight(r)
          ? Effect.succeed(r.right)
          : Effect.fail(new Skippable({ reason: "BadBody", unit: req.unit, message: `${where(req)}: unexpected response shape: ${ParseResult.TreeFormatter.formatErrorSync(r.left)}` }))
      })
    )
  )
