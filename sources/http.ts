import { Clock, Context, Duration, Effect, FiberRef, Layer, Schema } from "effect"
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

class RequestTimedOut extends Error {}

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

const makeHttp = (config: { userAgent?: string; timeoutMs?: number; defaultLimits?: HostLimits }) => {
  const limits = new Map<string, HostLimits>()
  const gates = new Map<string, { sem: Effect.Semaphore; nextAt: number }>()
  const stats: HttpStats = { requests: 0, retries: 0, errors: {} }
  const defaults = config.defaultLimits ?? { concurrency: 8 }

  const gate = (host: string) => {
    let g = gates.get(host)
    if (!g) {
      const l = limits.get(host) ?? defaults
      g = { sem: Effect.unsafeMakeSemaphore(l.concurrency), nextAt: 0 }
      gates.set(host, g)
    }
    return g
  }

  // Reserve the next slot for this host so requests are spaced by 1/perSecond, then wait for it.
  const pace = (host: string) => {
    const perSecond = (limits.get(host) ?? defaults).perSecond
    return !perSecond ? Effect.void : Effect.gen(function* () {
      const g = gate(host)
      const now = yield* Clock.currentTimeMillis
      const at = Math.max(now, g.nextAt)
      g.nextAt = at + 1000 / perSecond
      // Timers cannot wait under a millisecond; a sub-millisecond gap (a lifted per_second) is no wait.
      if (at - now >= 1) yield* Effect.sleep(Duration.millis(at - now))
    })
  }

  const once = (req: HttpRequest) =>
    Effect.gen(function* () {
      const host = new URL(req.url).host
      const g = gate(host)
      return yield* g.sem.withPermits(1)(
        Effect.gen(function* () {
          yield* pace(host)
          stats.requests++
          const counter = yield* FiberRef.get(requestCounter)
          if (counter) counter.n++
          const headers: Record<string, string> = {
            "user-agent": config.userAgent ?? "jobsignal/0.1 (+https://github.com/jobsignal)",
            accept: "application/json, text/html;q=0.9, */*;q=0.8",
            ...req.headers
          }
          let body: string | undefined
          if (req.body !== undefined) {
            body = typeof req.body === "string" ? req.body : JSON.stringify(req.body)
            headers["content-type"] ??= "application/json"
          }
          const timeoutMs = req.timeoutMs ?? config.timeoutMs ?? 30_000
          // The timeout is a timer on the request's own abort controller rather than Effect.timeout:
          // racing a sleeping fiber per request cost more than the request (bench/ats-throughput).
          const res = yield* Effect.tryPromise({
            try: async (signal) => {
              const ctrl = new AbortController()
              const interrupt = () => ctrl.abort(signal.reason)
              signal.addEventListener("abort", interrupt, { once: true })
              const timer = setTimeout(() => ctrl.abort(new RequestTimedOut()), Math.min(timeoutMs, 2_147_483_647))
              try {
                const r = await send(req.url, { method: req.method ?? "GET", headers, body, signal: ctrl.signal })
                return { status: r.status, headers: r.headers, text: utf8.decode(r.bytes), url: r.url, bytes: r.bytes } satisfies HttpResponse
              } catch (e) {
                throw ctrl.signal.reason instanceof RequestTimedOut ? ctrl.signal.reason : e
              } finally {
                clearTimeout(timer)
                signal.removeEventListener("abort", interrupt)
              }
            },
            catch: (e) =>
              e instanceof RequestTimedOut
                ? new Retriable({ reason: "Timeout", message: `${where(req)} timed out after ${timeoutMs} ms` })
                : new Retriable({ reason: "Transport", message: `${where(req)} failed: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}` })
          })
          const now = yield* Clock.currentTimeMillis
          const err = classifyStatus(req, res, now)
          if (err) return yield* Effect.fail(err)
          return res
        })
      )
    }).pipe(
      Effect.tapError((e) => Effect.sync(() => {
        const k = `${e._tag}/${e.reason}`
        stats.errors[k] = (stats.errors[k] ?? 0) + 1
      }))
    )

  return {
    request: (req: HttpRequest) => withRetry(once(req), req.retry ?? defaultRetry, () => { stats.retries++ }),
    setHostLimits: (host: string, l: HostLimits) => {
      limits.set(host, l)
      gates.delete(host)
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

/** GET/POST and decode with a schema: a body of the wrong shape is skippable, named by unit and field. */
export const fetchJson = <A, I>(req: HttpRequest, schema: Schema.Schema<A, I>) =>
  Effect.gen(function* () {
    const http = yield* Http
    const res = yield* http.request(req)
    const json = yield* parseJson(req, res)
    return yield* Schema.decodeUnknown(schema)(json, { onExcessProperty: "ignore" }).pipe(
      Effect.mapError((e) => new Skippable({ reason: "BadBody", unit: req.unit, message: `${where(req)}: unexpected response shape: ${e.message}` }))
    )
  })
