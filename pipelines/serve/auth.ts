import { Redacted } from "effect"
import { randomBytes, timingSafeEqual } from "node:crypto"
import { Fatal } from "../../core/errors.ts"

/**
 * Who may use the API. On loopback without a token: only requests addressed to a loopback name
 * (a page on another site cannot reach the API through DNS rebinding). With a token: every API
 * request carries `authorization: Bearer <token>`. Exposing the server beyond loopback needs a token.
 *
 * Mutations (anything but GET/HEAD) also need the server's own origin, a JSON body and the per-server
 * request token in `x-jobsignal-token`: a form or script on another origin (another port on this
 * machine included) can send none of these without CORS, which this server never grants.
 */
export interface Access {
  readonly host: string
  readonly token?: Redacted.Redacted<string>
}

/** The header the dashboard sends its request token in; a plain HTML form cannot set headers. */
export const REQUEST_TOKEN_HEADER = "x-jobsignal-token"

/** A fresh request token per server start; the page reads it from `GET /api/session` (same origin only). */
export const newRequestToken = () => randomBytes(24).toString("base64url")

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"])
export const isLoopback = (host: string) => LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host)

/** A server bound beyond loopback without JOBSIGNAL_UI_TOKEN is a config error, caught before listening. */
export const checkBind = (a: Access): Fatal | undefined =>
  isLoopback(a.host) || a.token
    ? undefined
    : new Fatal({
        reason: "Config",
        message: `--host ${a.host} exposes the dashboard beyond this machine: set JOBSIGNAL_UI_TOKEN (every API request must then send "authorization: Bearer <token>"), or bind 127.0.0.1`
      })

const hostName = (hostHeader: string | undefined) => {
  if (!hostHeader) return ""
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1)
  return hostHeader.replace(/:\d+$/, "")
}

const hostPort = (hostHeader: string) => {
  const m = /:(\d+)$/.exec(hostHeader.startsWith("[") ? hostHeader.slice(hostHeader.indexOf("]") + 1) : hostHeader)
  return m ? Number(m[1]) : 80
}

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a),
    y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * Whether `origin` is exactly this server's own (scheme, host and port). The host is the Host header
 * (already checked to be loopback or token-protected); the port is the one the request arrived on,
 * so a page on 127.0.0.1:9999 is not this server on 127.0.0.1:8787.
 */
const isOwnOrigin = (origin: string, hostHeader: string | undefined, localPort: number | undefined) => {
  if (!hostHeader) return false
  if (localPort !== undefined && hostPort(hostHeader) !== localPort) return false
  return origin.toLowerCase() === `http://${hostHeader.toLowerCase()}`
}

export interface GuardedRequest {
  readonly method: string
  readonly headers: Record<string, string | undefined>
  /** The port the request arrived on (the server's own), when known. */
  readonly localPort?: number
}

/**
 * Why a request is refused (status and message), or undefined when it may proceed. `requestToken` is
 * the per-server token mutations must carry; without one (unit checks of the read rules) mutations are
 * judged on origin and content type only.
 */
export const refuse = (
  a: Access,
  req: GuardedRequest,
  requestToken?: string
): { status: number; message: string } | undefined => {
  const h = req.headers
  if (a.token) {
    const m = /^Bearer (.+)$/.exec(h.authorization ?? "")
    if (!m || !sameSecret(m[1], Redacted.value(a.token)))
      return { status: 401, message: "this dashboard needs its token: send authorization: Bearer <JOBSIGNAL_UI_TOKEN>" }
  } else if (!isLoopback(hostName(h.host))) {
    return {
      status: 403,
      message: `host ${JSON.stringify(h.host ?? "")} is not a loopback name; this server answers only 127.0.0.1 / localhost`
    }
  }
  // A browser says where a request comes from; any origin but ours (or "null": sandboxed frames, file:) is refused, reads too.
  if (h.origin !== undefined && !isOwnOrigin(h.origin, h.host, req.localPort))
    return {
      status: 403,
      message: `cross-origin ${req.method} from ${h.origin} refused: this server answers only its own origin`
    }
  const site = h["sec-fetch-site"]
  if (site !== undefined && site !== "same-origin" && site !== "none")
    return {
      status: 403,
      message: `${req.method} from a ${site} page refused: this server answers only its own origin`
    }
  if (req.method === "GET" || req.method === "HEAD") return undefined
  if (requestToken !== undefined && !sameSecret(h[REQUEST_TOKEN_HEADER] ?? "", requestToken))
    return {
      status: 403,
      message: `${req.method} needs the dashboard's request token in ${REQUEST_TOKEN_HEADER} (GET /api/session gives it to the page)`
    }
  if (!/^application\/json\s*(;|$)/i.test(h["content-type"] ?? ""))
    return {
      status: 415,
      message: `${req.method} needs content-type: application/json (got ${JSON.stringify(h["content-type"] ?? "")})`
    }
  return undefined
}
