import type { Agent, Dispatcher } from "undici"
import { lazyRequire } from "../core/lazy-require.ts"
import {
  brotliDecompress,
  createBrotliDecompress,
  createGunzip,
  createInflate,
  createInflateRaw,
  gunzip,
  inflate,
  inflateRaw
} from "node:zlib"
import type { Readable } from "node:stream"
import { promisify } from "node:util"

/** Response headers as sources read them; `fetch`'s `Headers` fits too, which tests use. */
export interface ResponseHeaders {
  get(name: string): string | null
}

export interface WireResponse {
  readonly status: number
  readonly headers: ResponseHeaders
  readonly url: string
  readonly bytes: Uint8Array
}

/**
 * How much of a body is read. Both caps are checked as the body streams in and the request is
 * aborted the moment one is passed, so a decompression bomb or an endless body costs at most the cap.
 * 64 MB: the biggest real ATS board seen (Greenhouse with content=true) is 10–30 MB decoded; twice
 * that is headroom, and 64 MB of JSON parses in well under the default heap.
 */
export interface BodyLimits {
  /** Bytes on the wire (still compressed). */
  readonly maxBodyBytes: number
  /** Bytes after undoing every content-coding (each stage is capped). */
  readonly maxDecodedBytes: number
}

const MB = 1024 * 1024
export const defaultBodyLimits: BodyLimits = { maxBodyBytes: 64 * MB, maxDecodedBytes: 64 * MB }

/** A body passed one of its caps; the request was aborted there. */
export class BodyTooLarge extends Error {
  constructor(
    readonly which: "body" | "decoded",
    readonly limitBytes: number,
    readonly seenBytes: number
  ) {
    super(
      `${which === "body" ? "body" : "decoded body"} larger than the ${Math.round((limitBytes / MB) * 10) / 10} MB cap (aborted after ${seenBytes} bytes)`
    )
  }
}

/** A redirect not followed: a loop, too many hops, or https → http (which would send the request in clear). */
export class RedirectRefused extends Error {
  constructor(
    readonly why: "Loop" | "TooMany" | "Downgrade",
    message: string
  ) {
    super(message)
  }
}

/** A content-coding we cannot undo, or a compressed body that is corrupt. */
export class BadEncoding extends Error {}

export const MAX_REDIRECTS = 5

// undici's `request` on one keep-alive pool rather than `fetch`: half the CPU per request
// (bench/ats-throughput, 0.85 → 0.44 ms), which is what a 3-job board costs beyond the wire.
// The composed redirect handler costs about 0.03 ms of that per request (loopback, gzip 3-job board).
// Redirects are undici's own RedirectHandler (it drops authorization, cookie and proxy-authorization
// on a cross-origin hop, and turns 303 / POST-301/302 into GET); this subclass only adds what it
// lacks: no https → http hop, a loop and a 6th hop end in a RedirectRefused.
//
// undici (730 KB) loads on the first request, not when a command merely knows the sources: `validate`, `plan`
// and `sql` never pay for it.
type Undici = typeof import("undici")
const undiciLib = lazyRequire<Undici>(import.meta.url, "undici")
let undici: ReturnType<typeof withGuardedRedirect> | undefined
const loadUndici = () => (undici ??= withGuardedRedirect(undiciLib()))

const withGuardedRedirect = (lib: Undici) => {
  const { RedirectHandler } = lib
  class GuardedRedirect extends RedirectHandler {
    onResponseStart(
      controller: unknown,
      status: number,
      headers: Record<string, string | string[] | undefined>,
      message: string
    ) {
      const self = this as unknown as { opts: { origin?: string; path: string }; history: URL[] }
      const location = headers.location
      if (status >= 300 && status < 400 && typeof location === "string" && self.opts.origin) {
        const from = new URL(self.opts.path, self.opts.origin)
        const to = new URL(location, from)
        if (from.protocol === "https:" && to.protocol === "http:")
          throw new RedirectRefused("Downgrade", `refused a redirect from https to http (${from.href} → ${to.href})`)
        if (to.href === from.href || self.history.some((u) => u.href === to.href))
          throw new RedirectRefused("Loop", `redirect loop: ${from.href} → ${to.href}, already visited`)
        if (self.history.length >= MAX_REDIRECTS)
          throw new RedirectRefused("TooMany", `more than ${MAX_REDIRECTS} redirects (last ${from.href} → ${to.href})`)
      }
      return (
        RedirectHandler.prototype as unknown as { onResponseStart: (...a: unknown[]) => void }
      ).onResponseStart.call(this, controller, status, headers, message)
    }
  }
  return { lib, GuardedRedirect: GuardedRedirect as unknown as new (...a: unknown[]) => Dispatcher.DispatchHandler }
}

const guarded = (d: Dispatcher): Dispatcher => {
  const { GuardedRedirect } = loadUndici()
  return d.compose(
    (dispatch) => (opts, handler) => dispatch(opts, new GuardedRedirect(dispatch, MAX_REDIRECTS + 1, opts, handler))
  )
}

/** A keep-alive pool that follows redirects as above; tests build one with their own TLS options. */
export const makeDispatcher = (options: Agent.Options = {}): Dispatcher =>
  guarded(new (loadUndici().lib.Agent)({ keepAliveTimeout: 4_000, ...options }))

let pool: Dispatcher | undefined
const proxyPools = new Map<string, Dispatcher>()

/**
 * A keep-alive pool through one HTTP proxy (`http://[user:pass@]host:port`; credentials become its
 * `proxy-authorization`), following redirects as above. An http:// target is sent to the proxy in absolute
 * form (each request visible to it), an https:// one tunnelled with CONNECT. One pool per proxy URL.
 */
export const proxyDispatcher = (uri: string): Dispatcher => {
  let d = proxyPools.get(uri)
  if (!d) {
    d = guarded(new (loadUndici().lib.ProxyAgent)({ uri, proxyTunnel: false, keepAliveTimeout: 4_000 }))
    proxyPools.set(uri, d)
  }
  return d
}

interface Sink {
  write(chunk: Buffer): void
  end(): void
}

const isZlibHeader = (b: Buffer) => b.length >= 2 && (b[0] & 0x0f) === 8 && ((b[0] << 8) | b[1]) % 31 === 0

type OneShot = (b: Buffer, o: { maxOutputLength: number }) => Promise<Buffer>
const gunzipAsync = promisify(gunzip) as OneShot
const oneShot: Record<string, OneShot> = {
  gzip: gunzipAsync,
  "x-gzip": gunzipAsync,
  br: promisify(brotliDecompress) as OneShot,
  deflate: (b, o) =>
    isZlibHeader(b) ? (promisify(inflate) as OneShot)(b, o) : (promisify(inflateRaw) as OneShot)(b, o)
}

/**
 * Bodies up to this many wire bytes are decoded in one call once received (capped by zlib's
 * `maxOutputLength`, which stops decoding at the cap, so a 5 KB bomb costs the cap, not 3 GiB);
 * bigger ones through zlib streams as they arrive, so an endless or huge compressed body is cut
 * off at the cap without waiting for its end. Small boards keep the one-call path they had.
 */
const STREAM_AFTER_BYTES = 256 * 1024

/**
 * Reads a body through its content-codings (last applied undone first), counting the wire bytes and
 * every stage's output against the caps; passing one destroys the body (aborting the request).
 */
const readBody = (
  body: Readable,
  encoding: string | null,
  contentLength: number,
  limits: BodyLimits
): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const streams: Array<{ destroy(): void }> = [body]
    let failed = false
    body.on("error", (e) => fail(e))
    const fail = (e: unknown) => {
      if (failed) return
      failed = true
      for (const s of streams) s.destroy()
      reject(e)
    }
    if (contentLength > limits.maxBodyBytes) return fail(new BodyTooLarge("body", limits.maxBodyBytes, 0))

    const out: Buffer[] = []
    let next: Sink = {
      write: (c) => {
        out.push(c)
      },
      end: () => {
        if (!failed) resolve(out.length === 1 ? out[0] : Buffer.concat(out))
      }
    }
    const zstage = (z: ReturnType<typeof createGunzip>, coding: string, down: Sink): Sink => {
      streams.push(z)
      let seen = 0
      z.on("data", (c: Buffer) => {
        seen += c.length
        if (seen > limits.maxDecodedBytes) return fail(new BodyTooLarge("decoded", limits.maxDecodedBytes, seen))
        down.write(c)
      })
      z.on("end", () => down.end())
      z.on("error", (e) => fail(new BadEncoding(`corrupt ${coding} body: ${e.message}`)))
      return {
        write: (c) => {
          z.write(c)
        },
        end: () => {
          z.end()
        }
      }
    }
    // "deflate" is meant to be zlib-wrapped, but some servers send it raw (as browsers tolerate): the header decides.
    const deflateStage = (down: Sink): Sink => {
      let inner: Sink | undefined
      const head: Buffer[] = []
      const pick = () => {
        const b = Buffer.concat(head)
        inner = zstage(isZlibHeader(b) ? createInflate() : createInflateRaw(), "deflate", down)
        inner.write(b)
      }
      return {
        write: (c) => {
          if (inner) return inner.write(c)
          head.push(c)
          if (head.reduce((n, h) => n + h.length, 0) >= 2) pick()
        },
        end: () => {
          if (!inner) pick()
          inner!.end()
        }
      }
    }
    const codings = (encoding ?? "")
      .split(",")
      .map((c) => c.trim().toLowerCase())
      .filter((c) => c && c !== "identity")
    const unknown = codings.find((c) => !oneShot[c])
    if (unknown) return fail(new BadEncoding(`unsupported content-encoding ${unknown}`))
    let first: Sink | undefined
    const stream = () => {
      for (const coding of codings) {
        if (coding === "deflate") next = deflateStage(next)
        else
          next = zstage(
            coding === "br" ? (createBrotliDecompress() as unknown as ReturnType<typeof createGunzip>) : createGunzip(),
            coding,
            next
          )
      }
      first = next
      for (const c of held) first.write(c)
      held.length = 0
    }
    const decodeHeld = async () => {
      let b = held.length === 1 ? held[0] : Buffer.concat(held)
      for (const coding of [...codings].reverse()) {
        try {
          b = await oneShot[coding](b, { maxOutputLength: limits.maxDecodedBytes })
        } catch (e) {
          throw (e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE"
            ? new BodyTooLarge("decoded", limits.maxDecodedBytes, limits.maxDecodedBytes)
            : new BadEncoding(`corrupt ${coding} body: ${(e as Error).message}`)
        }
      }
      return b
    }
    const held: Buffer[] = []
    let rawBytes = 0
    body.on("data", (c: Buffer) => {
      rawBytes += c.length
      if (rawBytes > limits.maxBodyBytes) return fail(new BodyTooLarge("body", limits.maxBodyBytes, rawBytes))
      if (first) return first.write(c)
      held.push(c)
      if (codings.length > 0 && rawBytes > STREAM_AFTER_BYTES) stream()
    })
    body.on("end", () => {
      if (first) return first.end()
      // An empty body has nothing to decode (a 204, or a server that labels nothing gzip).
      if (codings.length === 0 || rawBytes === 0) return resolve(held.length === 1 ? held[0] : Buffer.concat(held))
      decodeHeld().then(resolve, fail)
    })
  })

const headerGetter = (raw: Record<string, string | string[] | undefined>): ResponseHeaders => ({
  get: (name) => {
    const v = raw[name.toLowerCase()]
    return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v
  }
})

/**
 * One HTTP exchange: sends, follows up to 5 redirects (see GuardedRedirect), reads the body within
 * `limits` and decodes its content-encoding. Fails with BodyTooLarge, RedirectRefused or BadEncoding
 * for what retrying cannot fix, with undici's own errors for the wire.
 */
export const send = async (
  url: string,
  init: {
    method: "GET" | "POST"
    headers: Record<string, string>
    body?: string
    signal: AbortSignal
    limits?: BodyLimits
    dispatcher?: Dispatcher
  }
): Promise<WireResponse> => {
  const headers: Record<string, string> = { "accept-encoding": "gzip, deflate, br", ...init.headers }
  const res = await loadUndici().lib.request(url, {
    method: init.method,
    headers,
    body: init.body,
    signal: init.signal,
    dispatcher: init.dispatcher ?? (pool ??= makeDispatcher())
  })
  const h = headerGetter(res.headers)
  const history = (res.context as { history?: ReadonlyArray<URL> } | undefined)?.history
  const bytes = await readBody(
    res.body,
    h.get("content-encoding"),
    Number(h.get("content-length") ?? 0),
    init.limits ?? defaultBodyLimits
  )
  return {
    status: res.statusCode,
    headers: h,
    url: history && history.length > 0 ? history[history.length - 1].href : url,
    bytes
  }
}
