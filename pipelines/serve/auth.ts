import { Redacted } from "effect"
import { timingSafeEqual } from "node:crypto"
import { Fatal } from "../errors.ts"

/**
 * Who may use the API. On loopback without a token: only requests addressed to a loopback name
 * (a page on another site cannot reach the API through DNS rebinding). With a token: every API
 * request carries `authorization: Bearer <token>`. Exposing the server beyond loopback needs a token.
 */
export interface Access {
  readonly host: string
  readonly token?: Redacted.Redacted<string>
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"])
export const isLoopback = (host: string) => LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host)

/** A server bound beyond loopback without JOBSIGNAL_UI_TOKEN is a config error, caught before listening. */
export const checkBind = (a: Access): Fatal | undefined =>
  isLoopback(a.host) || a.token
    ? undefined
    : new Fatal({ reason: "Config", message: `--host ${a.host} exposes the dashboard beyond this machine: set JOBSIGNAL_UI_TOKEN (every API request must then send "authorization: Bearer <token>"), or bind 127.0.0.1` })

const hostName = (hostHeader: string | undefined) => {
  if (!hostHeader) return ""
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1)
  return hostHeader.replace(/:\d+$/, "")
}

const originHost = (origin: string) => {
  try { return hostName(new URL(origin).host) } catch { return "(unparseable origin)" }
}

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a), y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Why a request is refused (status and message), or undefined when it may proceed. */
export const refuse = (a: Access, req: { readonly method: string; readonly headers: Record<string, string | undefined> }): { status: number; message: string } | undefined => {
  const h = req.headers
  if (a.token) {
    const m = /^Bearer (.+)$/.exec(h.authorization ?? "")
    if (!m || !sameSecret(m[1], Redacted.value(a.token))) return { status: 401, message: "this dashboard needs its token: send authorization: Bearer <JOBSIGNAL_UI_TOKEN>" }
  } else if (!isLoopback(hostName(h.host))) {
    return { status: 403, message: `host ${JSON.stringify(h.host ?? "")} is not a loopback name; this server answers only 127.0.0.1 / localhost` }
  }
  // A form or script on another origin must not start runs or spend LLM budget.
  if (req.method !== "GET" && h.origin && originHost(h.origin) !== hostName(h.host))
    return { status: 403, message: `cross-origin ${req.method} from ${h.origin} refused` }
  return undefined
}
