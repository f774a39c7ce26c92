import {
  Clock,
  Context,
  Duration,
  Effect,
  Either,
  FiberRef,
  Layer,
  ParseResult,
  Random,
  Redacted,
  Schema
} from "effect"
import { Fatal, Retriable, Skippable } from "../core/errors.ts"
import {
  BadEncoding,
  type BodyLimits,
  BodyTooLarge,
  defaultBodyLimits,
  proxyDispatcher,
  RedirectRefused,
  type ResponseHeaders,
  send
} from "./transport.ts"

/**
 * A per-company host (a Workday tenant) under `with.base_url` (a proxy or the replay server):
 * `{origin}/_host/{host}{base path}`, so politeness still keys on the real host and the server
 * knows which host the request stands for.
 */
export const hostRouted = (baseUrl: string, host: string) => {
  const u = new URL(baseUrl)
  return `${u.origin}/_host/${host}${u.pathname.replace(/\/+$/, "")}`
}

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
  /** A `Retry-After` longer than this is not waited for: the request gives up (Skippable/Exhausted). */
  readonly maxRetryAfterMs?: number
}

export const defaultRetry: RetryPolicy = { times: 4, baseMs: 500, capMs: 30_000 }

/**
 * Longest `Retry-After` honoured. Rate limits that clear within two minutes are worth waiting for; a
 * server asking for hours (or a date in 2100) would park a unit until the node's timeout.
 */
export const DEFAULT_MAX_RETRY_AFTER_MS = 120_000

/** In flight per real host when the source declares nothing lower (DESIGN.md: 20 made boards look dead). */
export const DEFAULT_HOST_CONCURRENCY = 6

/**
 * What one source node asks of every request it makes, whatever host it goes to: its politeness
 * (declared limits, capped at the per-host default; the user's `with.concurrency`/`per_second` win),
 * its body caps and its Retry-After cap. Set for a node's fibers with `Effect.locallyScoped(requestPolicy, …)`.
 */
export interface RequestPolicy {
  readonly source: string
  readonly declared?: HostLimits
  readonly override?: Partial<HostLimits>
  readonly body?: Partial<BodyLimits>
  readonly maxRetryAfterMs?: number
  /** Proxies taken in turn, one per request (JobSpy's `proxies`); none: direct. */
  readonly proxies?: ProxyRotation
}

/** The proxies of a node and whose turn is next. URLs stay `Redacted`: they may carry credentials. */
export interface ProxyRotation {
  readonly urls: ReadonlyArray<Redacted.Redacted<string>>
  next: number
}

/** A proxy as it may be printed: its host and port, never its credentials. */
export const proxyLabel = (url: Redacted.Redacted<string>): string => {
  try {
    return new URL(proxyUrl(url)).host
  } catch {
    return "(unparsable proxy URL)"
  }
}

/** JobSpy's proxies may omit the scheme (`user:pass@host:port`): those are http. */
const proxyUrl = (url: Redacted.Redacted<string>) => {
  const u = Redacted.value(url)
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(u) ? u : `http://${u}`
}

export const requestPolicy = FiberRef.unsafeMake<RequestPolicy | null>(null)

const MB = 1024 * 1024

/** The policy of a source node from its declared limits and its `with.` options. */
export const sourcePolicy = (
  src: { readonly kind: string; readonly hostLimits?: HostLimits },
  opts: {
    concurrency?: number
    per_second?: number
    max_body_mb?: number
    max_decoded_mb?: number
    max_retry_after_s?: number
    proxies?: ReadonlyArray<Redacted.Redacted<string>>
  }
): RequestPolicy => ({
  ...(opts.proxies && opts.proxies.length > 0 ? { proxies: { urls: opts.proxies, next: 0 } } : {}),
  source: src.kind,
  declared: src.hostLimits,
  override: { concurrency: opts.concurrency, perSecond: opts.per_second },
  body: {
    maxBodyBytes: opts.max_body_mb !== undefined ? opts.max_body_mb * MB : undefined,
    maxDecodedBytes: opts.max_decoded_mb !== undefined ? opts.max_decoded_mb * MB : undefined
  },
  maxRetryAfterMs: opts.max_retry_after_s !== undefined ? opts.max_retry_after_s * 1000 : undefined
})

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
export class Http extends Context.Tag("jobsignal/Http")<
  Http,
  {
    readonly request: (req: HttpRequest) => Effect.Effect<HttpResponse, Retriable | Skippable | Fatal>
    readonly setHostLimits: (host: string, limits: HostLimits) => void
    readonly stats: HttpStats
  }
>() {
  static layer = (config: HttpConfig = {}) => Layer.sync(Http, () => makeHttp(config))
}

export interface HttpConfig {
  readonly userAgent?: string
  readonly timeoutMs?: number
  /** Per real host, for requests of no source node or a source that declares nothing lower. */
  readonly defaultLimits?: HostLimits
  readonly body?: Partial<BodyLimits>
  readonly retry?: RetryPolicy
  readonly maxRetryAfterMs?: number
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
  if (s === 407) return new Fatal({ reason: "Auth", message: `${msg}: the proxy refused its credentials` })
  if (s === 403) return new Skippable({ reason: "Blocked", message: msg, unit: req.unit })
  return new Skippable({ reason: "BadRequest", message: msg, unit: req.unit })
}

const TIMED_OUT = Symbol("timed out")

/** Why a request failed on the wire, as a retriable error naming the request (and its proxy, by host:port). */
const transportError = (req: HttpRequest, e: unknown, timeoutMs: number, proxy?: Redacted.Redacted<string>) => {
  const via = proxy ? ` via proxy ${proxyLabel(proxy)}` : ""
  if (e === TIMED_OUT)
    return new Retriable({ reason: "Timeout", message: `${where(req)}${via} timed out after ${timeoutMs} ms` })
  let why = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)
  if (proxy) why = why.split(Redacted.value(proxy)).join(proxyLabel(proxy))
  return new Retriable({ reason: "Transport", message: `${where(req)}${via} failed: ${why}` })
}

/** The source's name before a message, unless the unit's own label already starts with it. */
const sourcePrefix = (req: HttpRequest, policy: RequestPolicy | null) =>
  policy && !(req.unit ?? "").toLowerCase().startsWith(policy.source.toLowerCase()) ? `${policy.source}: ` : ""

/** Why a body or a redirect was refused: retrying gets the same answer, so the unit is skipped. */
const refusal = (req: HttpRequest, e: BodyTooLarge | RedirectRefused | BadEncoding, policy: RequestPolicy | null) =>
  e instanceof BodyTooLarge
    ? new Skippable({
        reason: "BodyTooLarge",
        unit: req.unit,
        message: `${sourcePrefix(req, policy)}${where(req)}: ${e.message}; raise with.${e.which === "body" ? "max_body_mb" : "max_decoded_mb"} if the source is really that big`
      })
    : e instanceof RedirectRefused
      ? new Skippable({
          reason: "BadRedirect",
          unit: req.unit,
          message: `${sourcePrefix(req, policy)}${where(req)}: ${e.message}`
        })
      : new Skippable({
          reason: "BadBody",
          unit: req.unit,
          message: `${sourcePrefix(req, policy)}${where(req)}: ${e.message}`
        })

interface Gate {
  readonly sem: Effect.Semaphore
  readonly limits: HostLimits
  nextAt: number
}

const makeHttp = (config: HttpConfig) => {
  const limits = new Map<string, HostLimits>()
  const gates = new Map<string, Gate>()
  const stats: HttpStats = { requests: 0, retries: 0, errors: {} }
  const defaults = config.defaultLimits ?? { concurrency: DEFAULT_HOST_CONCURRENCY }
  const userAgent = config.userAgent ?? "jobsignal/0.1 (+https://github.com/jobsignal)"

  const limitsOf = (p: RequestPolicy): HostLimits => ({
    concurrency:
      p.override?.concurrency ?? Math.min(p.declared?.concurrency ?? defaults.concurrency, defaults.concurrency),
    perSecond: p.override?.perSecond ?? p.declared?.perSecond ?? defaults.perSecond
  })

  // One gate per real host and source: the source's limits follow each request to the host it goes
  // to (every Workday tenant host gets Workday's 4 at once / 5 a second). Two sources on one host
  // (the replay server) keep their own limits; `setHostLimits` makes one gate for every source.
  const gate = (host: string, policy: RequestPolicy | null): Gate => {
    const explicit = limits.get(host)
    const key = explicit || !policy ? host : `${policy.source} ${host}`
    let g = gates.get(key)
    if (!g) {
      const l = explicit ?? (policy ? limitsOf(policy) : defaults)
      g = { sem: Effect.unsafeMakeSemaphore(l.concurrency), limits: l, nextAt: 0 }
      gates.set(key, g)
    }
    return g
  }

  // `new URL` per request shows in the fan-out profile; the host of a URL prefix is looked up once.
  // Under a proxy or the replay server, `/_host/{host}/` in the path names the real host.
  const hosts = new Map<string, string>()
  const hostOf = (url: string) => {
    const marked = url.indexOf("/_host/")
    if (marked !== -1) {
      const end = url.indexOf("/", marked + 7)
      return url.slice(marked + 7, end === -1 ? undefined : end)
    }
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
  const exchange = (req: HttpRequest, counter: { n: number } | null, policy: RequestPolicy | null) =>
    Effect.async<HttpResponse, Retriable | Skippable | Fatal>((resume) => {
      stats.requests++
      if (counter) counter.n++
      const headers: Record<string, string> = {
        "user-agent": userAgent,
        accept: "application/json, text/html;q=0.9, */*;q=0.8",
        ...req.headers
      }
      let body: string | undefined
      if (req.body !== undefined) {
        body = typeof req.body === "string" ? req.body : JSON.stringify(req.body)
        headers["content-type"] ??= "application/json"
      }
      const timeoutMs = req.timeoutMs ?? config.timeoutMs ?? 30_000
      const ctrl = new AbortController()
      const timer = setTimeout(() => ctrl.abort(TIMED_OUT), Math.min(timeoutMs, 2_147_483_647))
      const limits: BodyLimits = {
        maxBodyBytes: policy?.body?.maxBodyBytes ?? config.body?.maxBodyBytes ?? defaultBodyLimits.maxBodyBytes,
        maxDecodedBytes:
          policy?.body?.maxDecodedBytes ?? config.body?.maxDecodedBytes ?? defaultBodyLimits.maxDecodedBytes
      }
      // Round-robin: each request (a retry too) takes the next proxy, as JobSpy's rotating session does.
      const rotation = policy?.proxies
      const proxy = rotation ? rotation.urls[rotation.next++ % rotation.urls.length] : undefined
      const dispatcher = proxy ? proxyDispatcher(proxyUrl(proxy)) : undefined
      send(req.url, { method: req.method ?? "GET", headers, body, signal: ctrl.signal, limits, dispatcher }).then(
        (r) => {
          clearTimeout(timer)
          const res: HttpResponse = {
            status: r.status,
            headers: r.headers,
            text: utf8.decode(r.bytes),
            url: r.url,
            bytes: r.bytes
          }
          const err = classifyStatus(req, res, Date.now())
          resume(err ? Effect.fail(countError(err)) : Effect.succeed(res))
        },
        (e) => {
          clearTimeout(timer)
          const timedOut = ctrl.signal.aborted && ctrl.signal.reason === TIMED_OUT
          const refused =
            !timedOut && (e instanceof BodyTooLarge || e instanceof RedirectRefused || e instanceof BadEncoding)
          resume(
            Effect.fail(
              countError(
                refused ? refusal(req, e, policy) : transportError(req, timedOut ? TIMED_OUT : e, timeoutMs, proxy)
              )
            )
          )
        }
      )
      return Effect.sync(() => {
        clearTimeout(timer)
        ctrl.abort()
      })
    })

  // Requests are spaced by 1/perSecond per host: each reserves the next slot, then waits for it.
  const paced = (g: Gate, req: HttpRequest, policy: RequestPolicy | null) => {
    const perSecond = g.limits.perSecond
    const go = Effect.withFiberRuntime<HttpResponse, Retriable | Skippable | Fatal>((fiber) =>
      exchange(req, fiber.getFiberRef(requestCounter), policy)
    )
    if (!perSecond) return go
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const at = Math.max(now, g.nextAt)
      g.nextAt = at + 1000 / perSecond
      // Timers cannot wait under a millisecond; a sub-millisecond gap (a lifted per_second) is no wait.
      return at - now >= 1 ? Effect.zipRight(Effect.sleep(Duration.millis(at - now)), go) : go
    })
  }

  const once = (req: HttpRequest, policy: RequestPolicy | null) =>
    Effect.suspend(() => {
      const g = gate(hostOf(req.url), policy)
      return g.sem.withPermits(1)(paced(g, req, policy))
    })

  return {
    request: (req: HttpRequest) =>
      FiberRef.getWith(requestPolicy, (policy) => {
        const retry = req.retry ?? config.retry ?? defaultRetry
        const maxRetryAfterMs =
          policy?.maxRetryAfterMs ?? retry.maxRetryAfterMs ?? config.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS
        return withRetry(once(req, policy), { ...retry, maxRetryAfterMs }, () => {
          stats.retries++
        }).pipe(
          Effect.mapError((e) =>
            e._tag === "Skippable" && e.reason === "Exhausted" && e.unit === undefined
              ? countError(
                  new Skippable({
                    reason: e.reason,
                    unit: req.unit,
                    message: `${sourcePrefix(req, policy)}${e.message}`
                  })
                )
              : e
          )
        )
      }),
    setHostLimits: (host: string, l: HostLimits) => {
      limits.set(host, l)
      // Resized, not replaced: requests of another node already waiting on this host keep one gate.
      const g = gates.get(host)
      if (g) {
        Effect.runSync(g.sem.resize(l.concurrency))
        ;(g as { limits: HostLimits }).limits = l
      }
    },
    stats
  }
}

/**
 * Exponential backoff with a cap; a server's `Retry-After` wins when it asks for longer. With `jitter`
 * (0..1) the exponential part is spread over its upper half, so units that failed together do not
 * come back together.
 */
export const backoffMs = (policy: RetryPolicy, attempt: number, retryAfterMs?: number, jitter?: number) => {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** attempt)
  return Math.max(jitter === undefined ? exp : exp / 2 + (exp / 2) * jitter, retryAfterMs ?? 0)
}

/**
 * Retries only `Retriable` failures; everything else passes straight through. A `Retry-After` over
 * `policy.maxRetryAfterMs` is not waited for: it ends as Skippable/Exhausted, so the unit is given
 * up and counted while the rest goes on.
 */
export const withRetry = <A, E extends { readonly _tag: string }, R>(
  effect: Effect.Effect<A, E, R>,
  policy: RetryPolicy,
  onRetry: (e: Retriable, attempt: number, delayMs: number) => void = () => {}
): Effect.Effect<A, E | Skippable, R> => {
  const loop = (attempt: number): Effect.Effect<A, E | Skippable, R> =>
    effect.pipe(
      Effect.catchIf(
        (e): e is E => (e as { _tag: string })._tag === "Retriable",
        (e): Effect.Effect<A, E | Skippable, R> => {
          const r = e as unknown as Retriable
          const cap = policy.maxRetryAfterMs
          if (cap !== undefined && r.retryAfterMs !== undefined && r.retryAfterMs > cap)
            return Effect.fail(
              new Skippable({
                reason: "Exhausted",
                message: `${r.message}; it asked to wait ${Math.round(r.retryAfterMs / 1000)} s (Retry-After), over the ${Math.round(cap / 1000)} s cap (with.max_retry_after_s): gave up`
              })
            )
          if (attempt >= policy.times) return Effect.fail(e)
          return Effect.flatMap(Random.next, (jitter) => {
            const delay = backoffMs(policy, attempt, r.retryAfterMs, jitter)
            onRetry(r, attempt + 1, delay)
            return Effect.sleep(Duration.millis(delay)).pipe(Effect.zipRight(loop(attempt + 1)))
          })
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
    d = Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" }) as (
      u: unknown
    ) => Either.Either<unknown, ParseResult.ParseError>
    decoders.set(schema, d)
  }
  return d as (u: unknown) => Either.Either<A, ParseResult.ParseError>
}

/** GET/POST and decode with a schema: a body of the wrong shape is skippable, named by unit and field. */
export const fetchJson = <A, I>(
  req: HttpRequest,
  schema: Schema.Schema<A, I>
): Effect.Effect<A, Retriable | Skippable | Fatal, Http> =>
  Effect.flatMap(Http, (http) =>
    Effect.flatMap(http.request(req), (res) =>
      Effect.flatMap(parseJson(req, res), (json) => {
        const r = decoderFor(schema)(json)
        return Either.isRight(r)
          ? Effect.succeed(r.right)
          : Effect.fail(
              new Skippable({
                reason: "BadBody",
                unit: req.unit,
                message: `${where(req)}: unexpected response shape: ${ParseResult.TreeFormatter.formatErrorSync(r.left)}`
              })
            )
      })
    )
  )
