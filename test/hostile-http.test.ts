/**
 * A hostile world on loopback: decompression bombs, endless and silent servers, redirects that leak
 * credentials, loop or downgrade, Retry-After of days, invalid UTF-8, a 10 MB description, and
 * per-company hosts. Each ends its unit with a counted, typed error naming source and unit (or a
 * clean record), in bounded memory and time, while every other unit of the run lands.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { it as eit } from "@effect/vitest"
import { Effect, Fiber, Layer, TestClock } from "effect"
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type RequestListener,
  type Server
} from "node:http"
import { createServer as createHttpsServer } from "node:https"
import { execFileSync, spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { deflateSync, gzipSync } from "node:zlib"
import { Http, backoffMs, requestPolicy, sourcePolicy, type HttpRequest } from "../sources/http.ts"
import { makeDispatcher, send } from "../sources/transport.ts"
import { fixturesDir, startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { greenhouse } from "../sources/greenhouse/index.ts"
import { workday } from "../sources/workday/index.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { migrations } from "../app/index.ts"
import { MAX_DESCRIPTION_CHARS } from "../sources/postings.ts"
import { dagFrom, run, tempDir } from "./support/harness.ts"

const listen = async (handler: RequestListener, host = "127.0.0.1"): Promise<{ server: Server; url: string }> => {
  const server = createHttpServer(handler)
  await new Promise<void>((ok) => server.listen(0, host, ok))
  return { server, url: `http://${host}:${(server.address() as { port: number }).port}` }
}
const closeAll = (...servers: Server[]) => {
  for (const s of servers) {
    s.closeAllConnections()
    s.close()
  }
}

const noRetry = { times: 0, baseMs: 1, capMs: 1 }
const fail = (req: HttpRequest, layer = Http.layer({ timeoutMs: 30_000 })) =>
  Effect.runPromise(Effect.flatMap(Http, (http) => http.request(req)).pipe(Effect.flip, Effect.provide(layer)))

const MB = 1024 * 1024
const member = gzipSync(Buffer.alloc(16 * MB), { level: 9 })
const gzipOf = (gib: number) => Buffer.concat(Array.from({ length: gib * 64 }, () => member))

describe("decompression bombs and big bodies", () => {
  const bombs: Record<string, { encoding: string; bytes: Buffer }> = {
    "gzip-1gib": { encoding: "gzip", bytes: gzipOf(1) },
    "gzip-gzip-3gib": { encoding: "gzip, gzip", bytes: gzipSync(gzipOf(3)) },
    "br-2gib": { encoding: "br", bytes: readFileSync(join(fixturesDir, "hostile", "synthetic-zeros-2gib.br")) },
    "deflate-80mb": { encoding: "deflate", bytes: deflateSync(Buffer.alloc(80 * MB), { level: 9 }) }
  }
  let srv: { server: Server; url: string }
  beforeAll(async () => {
    srv = await listen((req, res) => {
      const name = req.url!.slice(1)
      if (name === "two-mb")
        return void res.writeHead(200, { "content-type": "application/json" }).end(Buffer.alloc(2 * MB, " "))
      res.writeHead(200, { "content-type": "application/json", "content-encoding": bombs[name].encoding })
      res.end(bombs[name].bytes)
    })
  })
  afterAll(() => closeAll(srv.server))

  it("each bomb ends in a skippable BodyTooLarge naming the unit at the 64 MB decoded default, never a crash", async () => {
    for (const name of Object.keys(bombs)) {
      const e = await fail({ url: `${srv.url}/${name}`, unit: `greenhouse board ${name}`, retry: noRetry })
      expect({ name, tag: e._tag, reason: e.reason }).toEqual({ name, tag: "Skippable", reason: "BodyTooLarge" })
      expect(e.message).toContain(
        `greenhouse board ${name}: GET ${srv.url}/${name}: decoded body larger than the 64 MB cap`
      )
    }
  }, 60_000)

  it("a source's with.max_body_mb caps the wire bytes of its requests", async () => {
    const req = { url: `${srv.url}/two-mb`, unit: "lever board big", retry: noRetry }
    const capped = Effect.flatMap(Http, (http) => http.request(req)).pipe(
      Effect.flip,
      Effect.locally(requestPolicy, sourcePolicy({ kind: "lever" }, { max_body_mb: 1 })),
      Effect.provide(Http.layer())
    )
    expect(await Effect.runPromise(capped)).toMatchObject({
      _tag: "Skippable",
      reason: "BodyTooLarge",
      unit: "lever board big"
    })
    const ok = await Effect.runPromise(
      Effect.flatMap(Http, (http) => http.request(req)).pipe(Effect.provide(Http.layer()))
    )
    expect(ok.bytes!.length).toBe(2 * MB)
  })

  it("a 2 GiB bomb (brotli, gzip, gzip-in-gzip) and an endless body stay under 400 MB of RSS in a child process", () => {
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "support", "bomb-child.ts")],
      { encoding: "utf8", timeout: 120_000 }
    )
    expect(child.stderr).toBe("")
    const out = JSON.parse(child.stdout.trim().split("\n").pop()!) as Record<
      string,
      { tag: string; reason: string; peakRssMb: number }
    >
    console.log("peak RSS (MB):", Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.peakRssMb])))
    for (const [name, r] of Object.entries(out)) {
      expect({ name, tag: r.tag, reason: r.reason }).toEqual({ name, tag: "Skippable", reason: "BodyTooLarge" })
      expect(r.peakRssMb).toBeLessThan(400)
    }
  }, 120_000)
})

describe("redirects", () => {
  const seen: Array<{ host: string; url: string; headers: IncomingHttpHeaders }> = []
  let a: { server: Server; url: string }
  let b: { server: Server; url: string }
  beforeAll(async () => {
    const record: RequestListener = (req, res) => {
      seen.push({ host: req.socket.localAddress!, url: req.url!, headers: req.headers })
      if (req.url === "/cross") return void res.writeHead(302, { location: `${b.url}/landed` }).end()
      if (req.url === "/same") return void res.writeHead(302, { location: "/landed" }).end()
      if (req.url === "/ping") return void res.writeHead(302, { location: `${b.url}/pong` }).end()
      if (req.url === "/pong") return void res.writeHead(302, { location: `${a.url}/ping` }).end()
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    }
    a = await listen(record, "127.0.0.1")
    b = await listen(record, "127.0.0.2")
  })
  afterAll(() => closeAll(a.server, b.server))
  const secrets = { authorization: "Bearer s3cret", cookie: "sid=abc", "proxy-authorization": "Basic eA==" }

  it("drops authorization, cookie and proxy-authorization on a cross-origin hop, keeps them on a same-origin one", async () => {
    seen.length = 0
    const r = await send(`${a.url}/cross`, {
      method: "GET",
      headers: { ...secrets, "x-keep": "1" },
      signal: new AbortController().signal
    })
    expect([r.status, r.url]).toEqual([200, `${b.url}/landed`])
    const landed = seen.find((s) => s.url === "/landed")!
    expect(landed.host).toBe("127.0.0.2")
    expect([
      landed.headers.authorization,
      landed.headers.cookie,
      landed.headers["proxy-authorization"],
      landed.headers["x-keep"]
    ]).toEqual([undefined, undefined, undefined, "1"])
    seen.length = 0
    await send(`${a.url}/same`, { method: "GET", headers: secrets, signal: new AbortController().signal })
    expect(seen.map((s) => [s.url, s.headers.authorization, s.headers.cookie])).toEqual([
      ["/same", "Bearer s3cret", "sid=abc"],
      ["/landed", "Bearer s3cret", "sid=abc"]
    ])
  })

  it("a loop across two hosts is a skippable BadRedirect naming the unit", async () => {
    const e = await fail({ url: `${a.url}/ping`, unit: "workday board loopy", retry: noRetry })
    expect(e).toMatchObject({ _tag: "Skippable", reason: "BadRedirect", unit: "workday board loopy" })
    expect(e.message).toMatch(/^workday board loopy: GET .*\/ping: redirect loop/)
  })

  it("refuses a redirect from https to http", async () => {
    const dir = tempDir()
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        join(dir, "k.pem"),
        "-out",
        join(dir, "c.pem"),
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1"
      ],
      { stdio: "ignore" }
    )
    const tls = createHttpsServer(
      { key: readFileSync(join(dir, "k.pem")), cert: readFileSync(join(dir, "c.pem")) },
      (_req, res) => void res.writeHead(302, { location: `${a.url}/landed` }).end()
    )
    await new Promise<void>((ok) => tls.listen(0, "127.0.0.1", ok))
    seen.length = 0
    try {
      await expect(
        send(`https://127.0.0.1:${(tls.address() as { port: number }).port}/`, {
          method: "GET",
          headers: secrets,
          signal: new AbortController().signal,
          dispatcher: makeDispatcher({ connect: { rejectUnauthorized: false } })
        })
      ).rejects.toMatchObject({ why: "Downgrade" })
      expect(seen).toEqual([])
    } finally {
      tls.closeAllConnections()
      tls.close()
    }
  })
})

describe("Retry-After", () => {
  let replay: ReplayServer
  beforeAll(async () => {
    replay = await startReplayServer([])
  })
  afterAll(() => replay.close())
  const hits = (p: string) => replay.requests.filter((r) => r.path === p).length

  eit.effect(
    "over the 120 s cap (seconds or an HTTP date in 2100) the unit gives up at once: Skippable/Exhausted, counted",
    () =>
      Effect.gen(function* () {
        const http = yield* Http
        for (const [path, value] of [
          ["/days", "999999"],
          ["/date", "Fri, 01 Jan 2100 00:00:00 GMT"]
        ]) {
          replay.script(path, [
            { status: 429, headers: { "retry-after": value }, body: "{}" },
            { status: 200, body: "{}" }
          ])
          const e = yield* Effect.flip(
            http.request({ url: `${replay.url}${path}`, unit: `ashby board ${path.slice(1)}` })
          )
          expect(e).toMatchObject({ _tag: "Skippable", reason: "Exhausted", unit: `ashby board ${path.slice(1)}` })
          expect(e.message).toMatch(/over the 120 s cap \(with\.max_retry_after_s\): gave up/)
          expect(hits(path)).toBe(1)
        }
        expect(http.stats.errors["Skippable/Exhausted"]).toBe(2)
      }).pipe(Effect.provide(Http.layer({ timeoutMs: 10_000 }))),
    10_000
  )

  eit.effect(
    "under the cap it is waited for exactly (test clock); with.max_retry_after_s lowers the cap",
    () =>
      Effect.gen(function* () {
        const http = yield* Http
        replay.script("/minute", [
          { status: 429, headers: { "retry-after": "60" }, body: "{}" },
          { status: 200, body: "{}" }
        ])
        const fiber = yield* Effect.fork(http.request({ url: `${replay.url}/minute`, unit: "u" }))
        for (let i = 0; i < 200 && hits("/minute") < 1; i++)
          yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
        yield* TestClock.adjust("60 seconds")
        expect((yield* Fiber.join(fiber)).status).toBe(200)
        expect(hits("/minute")).toBe(2)
        replay.script("/lowered", [{ status: 429, headers: { "retry-after": "60" }, body: "{}" }])
        const e = yield* Effect.flip(
          http
            .request({ url: `${replay.url}/lowered`, unit: "u" })
            .pipe(Effect.locally(requestPolicy, sourcePolicy({ kind: "lever" }, { max_retry_after_s: 30 })))
        )
        expect(e).toMatchObject({ _tag: "Skippable", reason: "Exhausted" })
      }).pipe(Effect.provide(Http.layer({ timeoutMs: 10_000 }))),
    10_000
  )

  it("backoff has jitter over the upper half of the exponential step; Retry-After still wins when longer", () => {
    const p = { times: 4, baseMs: 1000, capMs: 30_000 }
    expect([backoffMs(p, 2, undefined, 0), backoffMs(p, 2, undefined, 0.5), backoffMs(p, 2, undefined, 1)]).toEqual([
      2000, 3000, 4000
    ])
    expect(backoffMs(p, 0, 7000, 0.3)).toBe(7000)
  })
})

describe("per-host limits follow the real host", () => {
  it("Workday's 4 at once applies to each tenant host, not to the base URL's host (replayed with /_host/{host})", async () => {
    const tenants = ["acme", "globex", "initech"]
    const host = (t: string) => `${t}.wd5.myworkdayjobs.com`
    const postings = Array.from({ length: 12 }, (_, i) => ({
      title: `Engineer ${i}`,
      externalPath: `/job/${i}`,
      locationsText: "Remote",
      postedOn: "Posted Today"
    }))
    const replay = await startReplayServer([workday], {
      latencyMs: 40,
      extraRoutes: {
        workday: tenants.flatMap((t) => [
          {
            method: "POST" as const,
            path: `/${host(t)}/wday/cxs/${t}/site/jobs`,
            handler: () => ({ body: JSON.stringify({ total: 12, jobPostings: postings }) })
          },
          {
            path: `/${host(t)}/wday/cxs/${t}/site/job/`,
            handler: ({ url }: { url: URL }) => ({
              body: JSON.stringify({
                jobPostingInfo: { id: url.pathname, title: "Engineer", jobDescription: "<p>Build</p>" }
              })
            })
          }
        ])
      }
    })
    try {
      const dag = dagFrom(`version: 1
defaults: { retry: { times: 0 } }
nodes:
  wd: { source: workday, with: ${JSON.stringify({ base_url: replay.baseUrlFor("workday"), boards: tenants.map((t) => ({ tenant: t, site: "site", instance: "wd5" })), per_second: 1000 })} }
`)
      const db = join(tempDir(), "w.duckdb")
      const { summary } = await Effect.runPromise(
        Effect.scoped(
          run({ dag }).pipe(
            Effect.provide(Layer.mergeAll(Warehouse.layer({ path: db, migrations }), Http.layer({ timeoutMs: 10_000 })))
          )
        )
      )
      expect(summary.nodes[0]).toMatchObject({ status: "success", rowsOut: 36 })
      const max = replay.maxInFlight()
      expect(Object.keys(max).sort()).toEqual(tenants.map(host))
      for (const t of tenants) expect(max[host(t)]).toBe(4)
    } finally {
      await replay.close()
    }
  }, 30_000)

  it("a source declaring 16 at once gets at most 6 in flight per host by default", async () => {
    const boards = Array.from({ length: 12 }, (_, i) => `board${i}`)
    const replay = await startReplayServer([greenhouse], { latencyMs: 40 })
    for (const b of boards)
      replay.script(`/greenhouse/v1/boards/${b}/jobs`, [{ status: 200, body: JSON.stringify({ jobs: [] }) }])
    try {
      const dag = dagFrom(`version: 1
nodes:
  gh: { source: greenhouse, with: ${JSON.stringify({ base_url: replay.baseUrlFor("greenhouse"), boards, details: false, per_second: 1000 })} }
`)
      const { summary } = await Effect.runPromise(
        Effect.scoped(
          run({ dag }).pipe(
            Effect.provide(
              Layer.mergeAll(
                Warehouse.layer({ path: join(tempDir(), "w.duckdb"), migrations }),
                Http.layer({ timeoutMs: 10_000 })
              )
            )
          )
        )
      )
      expect(summary.nodes[0].status).toBe("success")
      expect(replay.maxInFlight()[""]).toBe(6)
    } finally {
      await replay.close()
    }
  }, 30_000)
})

describe("one hostile board among healthy ones", () => {
  it("bomb, endless body, silent server, redirect loop, Retry-After of days: each unit counted and typed; invalid UTF-8 and a 10 MB description land clean; the run closes", async () => {
    const replay = await startReplayServer([greenhouse])
    const listing = (b: string) => `/greenhouse/v1/boards/${b}/jobs`
    const gitlab = readFileSync(join(fixturesDir, "greenhouse/breteai-gitlab-jobs-content.json"), "utf8")
    const total = (JSON.parse(gitlab) as { jobs: unknown[] }).jobs.length
    const huge = JSON.parse(gitlab) as { jobs: Array<{ title: string; content: string }> }
    huge.jobs[0].content = "word ".repeat(2 * MB)
    const utf8 = JSON.parse(gitlab) as { jobs: Array<{ title: string }> }
    utf8.jobs[0].title = "Engineer @@BAD@@ Berlin"
    const [before, after] = JSON.stringify(utf8).split("@@BAD@@")
    replay.script(listing("gitlab"), [{ status: 200, body: gitlab }])
    replay.script(listing("huge"), [{ status: 200, body: JSON.stringify(huge) }])
    replay.script(listing("badutf8"), [
      { status: 200, bytes: Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(after)]) }
    ])
    replay.script(listing("bomb"), [{ status: 200, headers: { "content-encoding": "gzip" }, bytes: gzipOf(1) }])
    replay.script(listing("endless"), [{ status: 200, hostile: "endless" }])
    replay.script(listing("silent"), [
      { status: 200, hostile: "silent" },
      { status: 200, hostile: "silent" }
    ])
    replay.script(listing("loop"), [
      { status: 302, headers: { location: listing("loop") + "?content=true" } },
      { status: 302, headers: { location: listing("loop") + "?content=true" } }
    ])
    replay.script(listing("parked"), [{ status: 429, headers: { "retry-after": "999999" }, body: "{}" }])
    const boards = ["gitlab", "bomb", "huge", "endless", "silent", "badutf8", "loop", "parked"]
    const dag = dagFrom(`version: 1
defaults: { retry: { times: 0 } }
nodes:
  gh: { source: greenhouse, with: ${JSON.stringify({ base_url: replay.baseUrlFor("greenhouse"), boards, details: false, max_body_mb: 16, max_decoded_mb: 16 })} }
`)
    const db = join(tempDir(), "w.duckdb")
    const layer = Layer.mergeAll(
      Warehouse.layer({ path: db, migrations }),
      Http.layer({ timeoutMs: 2_000, retry: { times: 1, baseMs: 10, capMs: 10 } })
    )
    try {
      const out = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const { summary } = yield* run({ dag })
            const w = yield* Warehouse
            const errors = yield* w.query<{ unit: string; error_tag: string; reason: string; message: string }>(
              "select unit, error_tag, reason, message from source_errors where run_id = $1 order by unit",
              [summary.runId]
            )
            const rows = yield* w.query<{ unit: string; n: number; longest: number }>(
              "select unit, count(*)::int as n, max(length(description_text))::int as longest from stg_jobs where run_id = $1 group by 1 order by 1",
              [summary.runId]
            )
            const titles = yield* w.query<{ title: string }>(
              "select title from stg_jobs where run_id = $1 and unit = 'badutf8' and title like 'Engineer%'",
              [summary.runId]
            )
            const runs = yield* w.query<{ status: string }>("select status from runs where run_id = $1", [
              summary.runId
            ])
            return { summary, errors, rows, titles, runs }
          }).pipe(Effect.provide(layer))
        )
      )
      expect(out.summary.nodes[0]).toMatchObject({ status: "partial", rowsOut: 3 * total })
      expect(out.runs[0].status).not.toBe("running")
      expect(out.errors.map((e) => [e.unit, e.error_tag, e.reason])).toEqual([
        ["bomb", "Skippable", "BodyTooLarge"],
        ["endless", "Skippable", "BodyTooLarge"],
        ["loop", "Skippable", "BadRedirect"],
        ["parked", "Skippable", "Exhausted"],
        ["silent", "Retriable", "Timeout"]
      ])
      for (const e of out.errors) expect(e.message).toContain(`greenhouse board ${e.unit}: GET `)
      expect(out.errors.find((e) => e.unit === "bomb")!.message).toContain("decoded body larger than the 16 MB cap")
      expect(out.rows.map((r) => [r.unit, r.n])).toEqual([
        ["badutf8", total],
        ["gitlab", total],
        ["huge", total]
      ])
      expect(out.rows.find((r) => r.unit === "huge")!.longest).toBeLessThan(MAX_DESCRIPTION_CHARS + 100)
      expect(out.titles.map((t) => t.title)).toEqual(["Engineer \uFFFD\uFFFD\uFFFD Berlin"])
    } finally {
      await replay.close()
    }
  }, 60_000)
})
