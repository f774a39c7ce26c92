import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { AddressInfo } from "node:net"
import type { FixtureRoute, Source } from "./source.ts"

export const fixturesDir = join(import.meta.dirname, "..", "fixtures")

export interface ScriptedResponse {
  readonly status: number
  readonly body?: string
  readonly headers?: Record<string, string>
  readonly delayMs?: number
  /** Close the socket without answering (transport error). */
  readonly destroy?: boolean
  /** Body bytes as given (a compressed body with its content-encoding header, invalid UTF-8); wins over `body`. */
  readonly bytes?: Uint8Array
  /** Hostile servers: `endless` sends chunks of the body until the client goes; `silent` accepts and never answers. */
  readonly hostile?: "endless" | "silent"
}

export interface ReplayServer {
  readonly url: string
  /** Base URL for one source kind: `{url}/{kind}`. */
  readonly baseUrlFor: (kind: string) => string
  /** Responses served (in order) for requests whose path starts with `pathPrefix`, before the fixtures. */
  readonly script: (pathPrefix: string, responses: ReadonlyArray<ScriptedResponse>) => void
  /** `host` is the real host a `/_host/{host}/…` request stood for (see `hostRouted`). */
  readonly requests: Array<{ method: string; path: string; at: number; host?: string }>
  /** Most requests seen in flight at once, per real host (`""` for requests with no `/_host/` prefix). */
  readonly maxInFlight: () => Record<string, number>
  readonly setLatency: (ms: number) => void
  readonly close: () => Promise<void>
}

const guessType = (file: string) =>
  file.endsWith(".json")
    ? "application/json"
    : file.endsWith(".html")
      ? "text/html; charset=utf-8"
      : file.match(/\.(xml|atom|rss)$/)
        ? "application/xml"
        : "text/plain"

const matches = (route: FixtureRoute, method: string, url: URL, kindPath: string) =>
  (route.method ?? "GET") === method &&
  route.path === kindPath &&
  Object.entries(route.query ?? {}).every(([k, v]) => url.searchParams.get(k) === v)

/**
 * Serves every registered source's recorded responses on loopback, each under `/{kind}`.
 * The demo, the connector tests and the benchmarks all read real recordings through this one server.
 */
export const startReplayServer = async (
  sources: ReadonlyArray<Pick<Source, "kind" | "fixtures">>,
  opts: { latencyMs?: number; extraRoutes?: Record<string, ReadonlyArray<FixtureRoute>> } = {}
): Promise<ReplayServer> => {
  let latency = opts.latencyMs ?? 0
  const cache = new Map<string, string>()
  const read = (file: string) => {
    let body = cache.get(file)
    if (body === undefined) {
      body = readFileSync(join(fixturesDir, file), "utf8")
      cache.set(file, body)
    }
    return body
  }
  const routes = new Map<string, ReadonlyArray<FixtureRoute>>()
  for (const s of sources) routes.set(s.kind, s.fixtures)
  for (const [k, r] of Object.entries(opts.extraRoutes ?? {})) routes.set(k, [...(routes.get(k) ?? []), ...r])
  const scripts: Array<{ prefix: string; queue: ScriptedResponse[] }> = []
  const requests: ReplayServer["requests"] = []

  const inFlight = new Map<string, number>()
  const maxInFlight = new Map<string, number>()

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // `/_host/{host}/rest` stands for `https://{host}/rest` behind a proxy: served as `/rest`, counted per host.
    const marked = /^\/_host\/([^/]+)(\/.*)?$/.exec(req.url ?? "/")
    const host = marked?.[1]
    const n = (inFlight.get(host ?? "") ?? 0) + 1
    inFlight.set(host ?? "", n)
    maxInFlight.set(host ?? "", Math.max(n, maxInFlight.get(host ?? "") ?? 0))
    res.on("close", () => inFlight.set(host ?? "", (inFlight.get(host ?? "") ?? 1) - 1))
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks).toString("utf8")
    const url = new URL(marked ? (marked[2] ?? "/") : (req.url ?? "/"), "http://replay")
    const method = req.method ?? "GET"
    requests.push({ method, path: url.pathname + url.search, at: Date.now(), ...(host ? { host } : {}) })
    if (latency > 0) await new Promise((r) => setTimeout(r, latency))

    const scripted = scripts.find((s) => url.pathname.startsWith(s.prefix) && s.queue.length > 0)
    if (scripted) {
      const r = scripted.queue.shift()!
      if (r.delayMs) await new Promise((ok) => setTimeout(ok, r.delayMs))
      if (r.destroy) return void req.socket.destroy()
      if (r.hostile === "silent") return
      res.writeHead(r.status, { "content-type": "application/json", ...r.headers })
      if (r.hostile === "endless") {
        const chunk = Buffer.alloc(64 * 1024, r.body ?? " ")
        const more = () => {
          while (!res.destroyed && res.write(chunk));
        }
        res.on("drain", more)
        return more()
      }
      return void res.end(r.bytes ?? r.body ?? "")
    }

    const [, kind, ...rest] = url.pathname.split("/")
    const kindPath = "/" + rest.join("/")
    const route =
      (routes.get(kind) ?? []).find((r) => matches(r, method, url, kindPath)) ??
      (routes.get(kind) ?? []).find((r) => r.handler && (r.method ?? "GET") === method && kindPath.startsWith(r.path))
    if (!route) {
      res.writeHead(404, { "content-type": "application/json" })
      return void res.end(JSON.stringify({ error: "no recorded response", path: url.pathname }))
    }
    if (route.handler) {
      const out = route.handler({ url, body })
      if (out) {
        res.writeHead(out.status ?? 200, { "content-type": out.contentType ?? "application/json", ...out.headers })
        return void res.end(out.body)
      }
    }
    if (!route.file) {
      res.writeHead(route.status ?? 404, { "content-type": "application/json" })
      return void res.end("{}")
    }
    res.writeHead(route.status ?? 200, { "content-type": route.contentType ?? guessType(route.file) })
    res.end(read(route.file))
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      res.writeHead(500)
      res.end(String(e))
    })
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    baseUrlFor: (kind) => `${url}/${kind}`,
    script: (prefix, responses) => scripts.push({ prefix, queue: [...responses] }),
    requests,
    maxInFlight: () => Object.fromEntries(maxInFlight),
    setLatency: (ms) => {
      latency = ms
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections()
        server.close(() => ok())
      })
  }
}

/**
 * `sourceOverrides` for a run against the replay server: each source node reads its recordings. A source
 * with `replayFor` keeps the node's own watch list where recordings exist and `say`s what it cannot replay.
 */
export const replayOverrides = (
  sources: ReadonlyArray<Source>,
  replay: Pick<ReplayServer, "baseUrlFor">,
  nodes: Readonly<Record<string, { source?: string; with?: Record<string, unknown>; enabled?: boolean }>>,
  say: (line: string) => void
) => {
  const byKind = new Map(sources.map((s) => [s.kind, s]))
  const said = new Set<string>()
  return (kind: string): Record<string, unknown> | undefined => {
    const src = byKind.get(kind)
    if (!src) return undefined
    const node = Object.values(nodes).find((n) => n.source === kind && n.enabled !== false)
    if (!src.replayFor || !node) return { ...src.replayOptions, base_url: replay.baseUrlFor(kind) }
    const r = src.replayFor(node.with ?? {})
    if (r.note && !said.has(kind)) {
      said.add(kind)
      say(r.note)
    }
    return { ...r.options, base_url: replay.baseUrlFor(kind) }
  }
}
