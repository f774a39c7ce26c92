/**
 * The dashboard's JSON API without a browser: every page's endpoint answers on an empty warehouse,
 * access rules (token, loopback host names, cross-origin writes, the per-server request token),
 * query-parameter validation, no database text in errors, and confirmation before mutation.
 */
import { type Context, Effect, Exit, Layer, Redacted, Scope } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadDag } from "../pipelines/load.ts"
import { checkBind, refuse } from "../pipelines/serve/auth.ts"
import { layersRunner, type JobOpsRunner } from "../pipelines/serve/job-ops.ts"
import { startServer } from "../pipelines/serve/server.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { postingsStaging } from "../sources/postings.ts"
import { safeHref } from "../ui/src/links.ts"
import { dagFrom, tempDir, testLayer } from "./support/harness.ts"
import { kinds } from "../app/index.ts"

const TOKEN = "s3cret-token-for-test"

/** node:http, so the Host and Origin headers can be set as a browser on another site would. */
const call = (
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown; raw?: string } = {}
) =>
  new Promise<{ status: number; json: any; type: string }>((resolve, reject) => {
    const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body))
    const req = request(
      url,
      {
        method: opts.method ?? "GET",
        headers: { ...(opts.body !== undefined ? { "content-type": "application/json" } : {}), ...opts.headers }
      },
      (res) => {
        let raw = ""
        res.setEncoding("utf8")
        res.on("data", (c) => (raw += c))
        res.on("end", () => {
          let json: unknown = raw
          try {
            json = JSON.parse(raw)
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, json, type: String(res.headers["content-type"] ?? "") })
        })
      }
    )
    req.on("error", reject)
    req.end(body)
  })

/** What the dashboard page does: read the request token from /api/session, then POST JSON from its own origin. */
const pagePost = async (base: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
  const session = await call(`${base}/api/session`, { headers })
  return call(`${base}${path}`, {
    method: "POST",
    body,
    headers: { origin: base, [session.json.header]: session.json.requestToken, ...headers }
  })
}

describe("dashboard API", () => {
  const scope = Effect.runSync(Scope.make())
  let open = "",
    locked = "",
    small = "",
    counted = ""
  const opsRan: string[] = []
  // The ops seam, counting: a refused request must not reach it.
  const countingRunner: JobOpsRunner = {
    name: "counting",
    ops: ["fit"],
    run: (jobId) =>
      Effect.sync(() => {
        opsRan.push(jobId)
        return { jobId, results: {}, usd: 0 }
      }),
    estimate: () => Effect.succeed({ calls: 0, inputTokens: 0, outputTokens: 0, usd: 0 })
  }
  let dossierDir = ""
  let ctx: Context.Context<any>

  beforeAll(async () => {
    ctx = await Effect.runPromise(
      Layer.buildWithScope(testLayer(join(tempDir("jobsignal-ui-api-"), "api.duckdb")), scope)
    )
    const dag = loadDag("dag.yaml", kinds)
    const distDir = tempDir("jobsignal-ui-dist-") // no front end built: the API alone is under test
    const start = (token?: string, d = dag, ops: JobOpsRunner = layersRunner) =>
      Effect.runPromise(
        startServer({
          port: 0,
          host: "127.0.0.1",
          token: token ? Redacted.make(token) : undefined,
          dag: d,
          ops,
          distDir
        }).pipe(Effect.provide(ctx), Scope.extend(scope))
      )
    open = (await start()).url
    counted = (await start(undefined, dag, countingRunner)).url
    locked = (await start(TOKEN)).url
    const dir = tempDir("jobsignal-ui-dag-")
    dossierDir = join(dir, "dossiers")
    small = (
      await start(
        undefined,
        dagFrom("version: 1\nnodes:\n  greenhouse:\n    source: greenhouse\n    with: { boards: [gitlab] }\n", dir)
      )
    ).url
  }, 60_000)

  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

  it("answers every page's endpoint on an empty warehouse", async () => {
    for (const path of [
      "/api/health",
      "/api/jobs?q=x&source=greenhouse&remote=remote&tier=A&relevant=yes&sort=salary&dir=asc",
      "/api/facets",
      "/api/dag",
      "/api/runs",
      "/api/signals",
      "/api/cost",
      "/api/tasks"
    ]) {
      const r = await call(`${open}${path}`)
      expect([path, r.status]).toEqual([path, 200])
    }
    const jobs = await call(`${open}/api/jobs`)
    expect(jobs.json).toEqual({ total: 0, rows: [] })
    const dag = await call(`${open}/api/dag`)
    expect(dag.json.nodes.find((n: any) => n.name === "dedupe").needs).toContain("greenhouse")
    expect(dag.json.sources).toContain("greenhouse")
    const cost = await call(`${open}/api/cost`)
    expect(cost.json.budget).toEqual({ perWeekUsd: 15, perRunUsd: 3 })
    expect((await call(`${open}/api/jobs/nope`)).status).toBe(404)
    expect((await call(`${open}/api/tasks/nope/events`)).status).toBe(404)
    expect((await call(`${open}/api/runs/nope`)).status).toBe(404)
  })

  it("the Today queue: read as of a day, and an action (confirmed) takes the job out", async () => {
    await Effect.runPromise(
      Effect.flatMap(Warehouse, (w) =>
        w.exec(`insert into jobs (id, source, source_id, title, company, first_seen, last_seen) values
          ('q-1', 'greenhouse', 'q:1', 'Senior Data Engineer', 'Acmeo Health', '2025-06-01', '2025-06-01')`)
      ).pipe(Effect.provide(ctx))
    )
    const before = await call(`${open}/api/today?asOf=2025-06-02`)
    expect(before.status).toBe(200)
    expect(before.json.asOf).toBe("2025-06-02")
    expect(before.json.items.map((i: { job_key: string }) => i.job_key)).toContain("q-1")
    const unconfirmed = await pagePost(open, "/api/queue/q-1/status", { status: "dismiss" })
    expect(unconfirmed.status).toBe(400)
    expect(unconfirmed.json.error).toMatch(/confirm: true/)
    const snoozeBare = await pagePost(open, "/api/queue/q-1/status", { status: "snooze", confirm: true })
    expect(snoozeBare.status).toBe(400)
    expect(snoozeBare.json.error).toMatch(/--until|until/)
    const missing = await pagePost(open, "/api/queue/nope/status", { status: "applied", confirm: true })
    expect(missing.status).toBe(404)
    const done = await pagePost(open, "/api/queue/q-1/status", { status: "dismiss", confirm: true })
    expect(done.status).toBe(200)
    expect(done.json).toMatchObject({ job_id: "q-1", status: "dismiss" })
    const after = await call(`${open}/api/today?asOf=2025-06-02`)
    expect(after.json.items.map((i: { job_key: string }) => i.job_key)).not.toContain("q-1")
    expect((await call(`${open}/api/today?asOf=June`)).status).toBe(400)
  })

  it("changes nothing without confirm: true", async () => {
    const run = await pagePost(open, "/api/runs", { mode: "run" })
    expect(run.status).toBe(400)
    expect(run.json.error).toMatch(/confirm: true/)
    const ops = await pagePost(open, "/api/ops", { jobIds: ["a"], ops: ["fit"], tier: "fast" })
    expect(ops.status).toBe(400)
    expect((await call(`${open}/api/runs`)).json.runs).toEqual([])
    const bad = await pagePost(open, "/api/ops", { jobIds: ["a"], ops: ["fit"], tier: "gold", confirm: true })
    expect(bad.status).toBe(400)
    const unknownOp = await pagePost(open, "/api/ops", {
      jobIds: ["a"],
      ops: ["teleport"],
      tier: "fast",
      confirm: true
    })
    expect(unknownOp.json.error).toMatch(/unknown operation/)
    const backfill = await pagePost(open, "/api/runs", { mode: "backfill", confirm: true })
    expect(backfill.json.error).toMatch(/needs node and since/)
  })

  it("refuses requests addressed to a non-loopback name, and cross-origin writes", async () => {
    expect((await call(`${open}/api/health`, { headers: { host: "evil.example:8787" } })).status).toBe(403)
    const xo = await call(`${open}/api/runs`, {
      method: "POST",
      headers: { origin: "http://evil.example" },
      body: { mode: "run", confirm: true }
    })
    expect(xo.status).toBe(403)
    expect((await call(`${open}/api/runs`)).json.runs).toEqual([])
  })

  it("with a token, every API request needs it", async () => {
    expect((await call(`${locked}/api/health`)).status).toBe(401)
    expect((await call(`${locked}/api/health`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401)
    const ok = await call(`${locked}/api/health`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(ok.status).toBe(200)
    expect(ok.json.opsRunner).toBe("layers")
    // The token also admits a non-loopback Host (that is what exposing the server is for).
    expect(
      (await call(`${locked}/api/jobs`, { headers: { authorization: `Bearer ${TOKEN}`, host: "jobs.lan:8787" } }))
        .status
    ).toBe(200)
    expect(JSON.stringify(ok.json)).not.toContain(TOKEN)
  })

  it("serves a job's dossier only from the dossiers folder next to the DAG", async () => {
    mkdirSync(dossierDir, { recursive: true })
    const inside = join(dossierDir, "job-1.md"),
      outside = join(dossierDir, "..", "secret.md")
    writeFileSync(inside, "# Dossier for job 1\n")
    writeFileSync(outside, "not for the web\n")
    await Effect.runPromise(
      Effect.gen(function* () {
        const w = yield* Warehouse
        yield* w.exec("insert into job_intel (job_id, dossier_path) values ('j1', $1), ('j2', $2)", [inside, outside])
      }).pipe(Effect.provide(ctx))
    )
    const ok = await call(`${small}/api/jobs/j1/dossier`)
    expect([ok.status, ok.json]).toEqual([200, "# Dossier for job 1\n"])
    expect((await call(`${small}/api/jobs/j2/dossier`)).status).toBe(404)
    expect((await call(`${small}/api/jobs/j3/dossier`)).status).toBe(404)
  })

  it("refuses every cross-site request shape with 403 and starts nothing", async () => {
    const port = new URL(counted).port
    const runBody = JSON.stringify({ mode: "run", confirm: true })
    const opsBody = { jobIds: ["j-1"], ops: ["fit"], tier: "fast", confirm: true }
    const { json: session } = await call(`${counted}/api/session`)
    const shapes: Array<[string, string, Parameters<typeof call>[1]]> = [
      // A plain HTML form on another local port: text/plain needs no preflight, and the old check ignored the port.
      [
        "text/plain form POST from another port",
        "/api/runs",
        { method: "POST", raw: runBody, headers: { origin: "http://127.0.0.1:9999", "content-type": "text/plain" } }
      ],
      [
        "text/plain form POST to ops",
        "/api/ops",
        {
          method: "POST",
          raw: JSON.stringify(opsBody),
          headers: { origin: "http://127.0.0.1:9999", "content-type": "text/plain" }
        }
      ],
      [
        "JSON from another port, even with the token",
        "/api/ops",
        {
          method: "POST",
          body: opsBody,
          headers: { origin: "http://127.0.0.1:9999", [session.header]: session.requestToken }
        }
      ],
      [
        "JSON from localhost on another port",
        "/api/ops",
        { method: "POST", body: opsBody, headers: { origin: `http://localhost:${Number(port) + 1}` } }
      ],
      [
        "https origin on our host and port",
        "/api/ops",
        {
          method: "POST",
          body: opsBody,
          headers: { origin: `https://127.0.0.1:${port}`, [session.header]: session.requestToken }
        }
      ],
      ["no origin and no token", "/api/ops", { method: "POST", body: opsBody }],
      ["no origin and no token, runs", "/api/runs", { method: "POST", body: { mode: "run", confirm: true } }],
      ["our origin without the token", "/api/ops", { method: "POST", body: opsBody, headers: { origin: counted } }],
      [
        "our origin with a wrong token",
        "/api/ops",
        { method: "POST", body: opsBody, headers: { origin: counted, [session.header]: "guessed" } }
      ],
      [
        "null origin (sandboxed frame, file:)",
        "/api/ops",
        { method: "POST", body: opsBody, headers: { origin: "null", [session.header]: session.requestToken } }
      ],
      [
        "a same-site page per sec-fetch-site",
        "/api/ops",
        {
          method: "POST",
          body: opsBody,
          headers: { "sec-fetch-site": "same-site", [session.header]: session.requestToken }
        }
      ],
      [
        "cancel from another port",
        "/api/tasks/t1/cancel",
        { method: "POST", body: { confirm: true }, headers: { origin: "http://127.0.0.1:9999" } }
      ]
    ]
    for (const [name, path, opts] of shapes) {
      const r = await call(`${counted}${path}`, opts)
      expect([name, r.status]).toEqual([name, 403])
    }
    // Another origin cannot read the token either: the session endpoint refuses it.
    expect((await call(`${counted}/api/session`, { headers: { origin: "http://127.0.0.1:9999" } })).status).toBe(403)
    expect(opsRan).toEqual([])
    expect((await call(`${counted}/api/tasks`)).json.tasks).toEqual([])
    expect((await call(`${counted}/api/runs`)).json.runs).toEqual([])
  })

  it("the page's own request (own origin, request token, JSON) starts the operation", async () => {
    const r = await pagePost(counted, "/api/ops", { jobIds: ["j-1"], ops: ["fit"], tier: "fast", confirm: true })
    expect(r.status).toBe(202)
    let task = r.json
    while (task.status === "running") task = (await call(`${counted}/api/tasks/${r.json.id}`)).json
    expect(opsRan).toEqual(["j-1"])
    // Same origin and token but a text/plain body is still not a mutation this server takes.
    const { json: session } = await call(`${counted}/api/session`)
    const plain = await call(`${counted}/api/ops`, {
      method: "POST",
      raw: "{}",
      headers: { origin: counted, "content-type": "text/plain", [session.header]: session.requestToken }
    })
    expect(plain.status).toBe(415)
    // Each server has its own token: another server's does not work here.
    const other = (await call(`${open}/api/session`)).json.requestToken
    expect(other).not.toBe(session.requestToken)
    const wrongServer = await call(`${counted}/api/ops`, {
      method: "POST",
      body: { jobIds: ["j-2"], ops: ["fit"], tier: "fast", confirm: true },
      headers: { origin: counted, [session.header]: other }
    })
    expect(wrongServer.status).toBe(403)
    expect(opsRan).toEqual(["j-1"])
  })

  it("with JOBSIGNAL_UI_TOKEN, mutations need both the bearer token and the request token", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` }
    expect((await call(`${locked}/api/session`)).status).toBe(401)
    const noRequestToken = await call(`${locked}/api/runs`, {
      method: "POST",
      body: { mode: "run" },
      headers: { ...auth, origin: locked }
    })
    expect(noRequestToken.status).toBe(403)
    const page = await pagePost(locked, "/api/runs", { mode: "run" }, auth)
    expect([page.status, page.json.error]).toEqual([400, expect.stringMatching(/confirm: true/)])
  })

  it("answers 400 naming the parameter for every bad query parameter", async () => {
    const bad: Array<[string, string]> = [
      ["sort=salary;drop table jobs", "sort"],
      ["sort=bogus", "sort"],
      ["dir=sideways", "dir"],
      ["dir=asc nulls first", "dir"],
      ["limit=abc", "limit"],
      ["limit=1.5", "limit"],
      ["limit=0", "limit"],
      ["limit=100000", "limit"],
      ["limit=-1", "limit"],
      ["limit=1e3", "limit"],
      ["offset=-5", "offset"],
      ["offset=x", "offset"],
      ["offset=99999999999999999999", "offset"],
      ["minFit=abc", "minFit"],
      ["minFit=101", "minFit"],
      ["minFit=-1", "minFit"],
      ["minFit=NaN", "minFit"],
      ["tier=Z", "tier"],
      ["relevant=maybe", "relevant"],
      ["remote=mars", "remote"],
      [`q=${"x".repeat(300)}`, "q"],
      ["q=a%00b", "q"],
      ["posted_since=2026-01-01", "posted_since"],
      ["postedSince=yesterday", "postedSince"],
      ["postedSince=2026-13-45", "postedSince"],
      ["minSalary=lots", "minSalary"],
      [`company=${"x".repeat(300)}`, "company"]
    ]
    for (const [qs, name] of bad) {
      const r = await call(`${open}/api/jobs?${qs}`)
      expect([qs, r.status]).toEqual([qs, 400])
      expect([qs, r.json.error]).toEqual([qs, expect.stringContaining(name)])
    }
    const good = await call(
      `${open}/api/jobs?sort=posted&dir=asc&limit=5&offset=0&minFit=70.5&tier=none&relevant=unscored&remote=hybrid&q=eng`
    )
    expect([good.status, good.json]).toEqual([200, { total: 0, rows: [] }])
  })

  it("never sends database error text to the client: a generic 500 with an id", async () => {
    const rename = (from: string, to: string) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const w = yield* Warehouse
          yield* w.exec(`alter table ${from} rename to ${to}`)
        }).pipe(Effect.provide(ctx))
      )
    await rename("llm_calls", "llm_calls_hidden")
    try {
      const r = await call(`${open}/api/cost`)
      expect(r.status).toBe(500)
      expect(r.json.error).toMatch(/^internal error [0-9a-f]{8} /)
      expect(JSON.stringify(r.json)).not.toMatch(/llm_calls|Catalog|Binder|Parser|duckdb|select/i)
    } finally {
      await rename("llm_calls_hidden", "llm_calls")
    }
  })

  it("Jobs: company, salary and posted-since filters and paging with the true total", async () => {
    await Effect.runPromise(
      Effect.flatMap(Warehouse, (w) =>
        w.exec(`insert into jobs (id, source, source_id, title, company, salary_min, salary_max, posted_at, first_seen, last_seen)
          select 'synthetic-f' || i, 'synthetic', 'f:' || i, 'Engineer ' || i, if(i % 2 = 0, 'Evenly Synthetic', 'Oddly Synthetic'),
                 100000 + i * 1000, 120000 + i * 1000, timestamp '2026-11-01' + to_days(i), now(), now()
          from range(30) t(i)`)
      ).pipe(Effect.provide(ctx))
    )
    const q = async (qs: string) => (await call(`${open}/api/jobs?q=ly%20synthetic&${qs}`)).json
    expect((await q("company=evenly")).total).toBe(15)
    // salary_max = 120000 + i * 1000 >= 140000 for i >= 20
    expect((await q("minSalary=140000")).total).toBe(10)
    expect((await q("postedSince=2026-11-25")).total).toBe(6)
    const page = await q("sort=title&dir=asc&limit=7&offset=28")
    expect(page.total).toBe(30)
    expect(page.rows.length).toBe(2)
  })

  it("Schedules: listed with next fires; pause and resume need confirm: true and persist", async () => {
    const s = await call(`${open}/api/schedules`)
    expect(s.status).toBe(200)
    expect(s.json.scheduling).toBe(false) // `serve`: nothing fires in this process
    const gh = s.json.triggers.find((t: { name: string }) => t.name === "greenhouse")
    expect(gh).toMatchObject({ cron: "0 6 */2 * *", paused: null, lastFireAt: null })
    expect(gh.runs).toContain("dedupe")
    expect(gh.next.length).toBe(3)
    const bare = await pagePost(open, "/api/schedules/greenhouse/pause", {})
    expect([bare.status, bare.json.error]).toEqual([400, expect.stringContaining("confirm: true")])
    expect((await pagePost(open, "/api/schedules/nope/pause", { confirm: true })).status).toBe(404)
    expect((await pagePost(open, "/api/schedules/greenhouse/pause", { confirm: true })).json.changed).toBe(true)
    expect((await pagePost(open, "/api/schedules/greenhouse/pause", { confirm: true })).json.changed).toBe(false)
    const paused = (await call(`${open}/api/schedules`)).json.triggers.find(
      (t: { name: string }) => t.name === "greenhouse"
    )
    expect(paused.paused.paused_by).toBe("dashboard")
    expect((await pagePost(open, "/api/schedules/greenhouse/resume", { confirm: true })).json.changed).toBe(true)
    expect(
      (await call(`${open}/api/schedules`)).json.triggers.find((t: { name: string }) => t.name === "greenhouse").paused
    ).toBeNull()
    // "Run now" is jobsignal up's: serve has no scheduler, and says so; an unknown schedule is 404 either way.
    const fire = await pagePost(open, "/api/schedules/greenhouse/fire", { confirm: true })
    expect([fire.status, fire.json.error]).toEqual([409, expect.stringContaining("nothing fires here")])
    expect((await pagePost(open, "/api/schedules/nope/fire", { confirm: true })).status).toBe(404)
    // The Runs page's cost line: the dry run of this server's own DAG (no `dag` in the body).
    const dry = await pagePost(open, "/api/cli/dry-run", { only: ["greenhouse"] })
    expect(dry.status).toBe(200)
    expect(dry.json.text).toMatch(/— dry run, nothing fetched or written\nwould run: greenhouse\n/)
    // The CLI's pause is recorded as the CLI's.
    await pagePost(open, "/api/schedules/greenhouse/pause", { confirm: true, by: "cli" })
    expect(
      (await call(`${open}/api/schedules`)).json.triggers.find((t: { name: string }) => t.name === "greenhouse").paused
    ).toMatchObject({ paused_by: "cli" })
    await pagePost(open, "/api/schedules/greenhouse/resume", { confirm: true })
  })

  it("Source health: per source the last run, units failed, records skipped, blocked and 429 counts", async () => {
    await Effect.runPromise(
      Effect.flatMap(Warehouse, (w) =>
        w.exec(`insert into node_runs (run_id, node, kind, status, started_at, ended_at, rows_out) values
            ('synthetic-r1', 'lever', 'lever', 'success', now() - interval 2 hour, now() - interval 2 hour, 40),
            ('synthetic-r2', 'lever', 'lever', 'partial', now() - interval 1 hour, now() - interval 1 hour, 12);
          insert into source_errors (run_id, node, unit, error_tag, reason, message, occurred_at) values
            ('synthetic-r2', 'lever', 'acme', 'Retriable', 'RateLimited', '429', now()),
            ('synthetic-r2', 'lever', 'acme', 'Retriable', 'RateLimited', '429', now()),
            ('synthetic-r2', 'lever', 'globex', 'Skippable', 'Blocked', '403', now()),
            ('synthetic-r2', 'lever', 'initech', 'Skippable', 'InvalidRecord', 'no title', now()),
            ('synthetic-r1', 'lever', 'old', 'Skippable', 'NotFound', '404', now() - interval 30 day)`)
      ).pipe(Effect.provide(ctx))
    )
    const r = await call(`${open}/api/source-health`)
    expect(r.status).toBe(200)
    const lever = r.json.sources.find((s: { name: string }) => s.name === "lever")
    expect(lever).toMatchObject({
      runs: 2,
      lastRunId: "synthetic-r2",
      lastStatus: "partial",
      lastRows: 12,
      unitsFailed: 2,
      recordsSkipped: 1,
      blocked: 1,
      rateLimited: 2
    })
    expect(lever.lastSuccess).not.toBeNull()
    // The 30-day-old NotFound is outside the 7 days.
    expect(lever.errorsByReason.map((e: { reason: string }) => e.reason).sort()).toEqual([
      "Blocked",
      "InvalidRecord",
      "RateLimited"
    ])
    expect(r.json.sources.find((s: { name: string }) => s.name === "ashby")).toMatchObject({ runs: 0, lastRun: null })
  })

  it("Data quality: declared rules with pass rates and parked rows; replay needs confirm: true", async () => {
    await Effect.runPromise(
      Effect.flatMap(Warehouse, (w) =>
        w.exec(`insert into dq_results values
            ('synthetic-r1', 'store', 'url(job_url,apply_url)', 'quarantine', 10, 9, 1, 1, now() - interval 1 hour),
            ('synthetic-r2', 'store', 'url(job_url,apply_url)', 'quarantine', 10, 10, 0, 0, now());
          insert into quarantine (quarantine_id, run_id, node, rule, reason, record_key, record, status, parked_at, collection) values
            ('synthetic-q1', 'synthetic-r1', 'store', 'url(job_url,apply_url)', 'job_url: not an http(s) URL', 'k1',
             '{"id": "k1", "title": "Synthetic parked job"}', 'parked', now(), 'level-2')`)
      ).pipe(Effect.provide(ctx))
    )
    const q = await call(`${open}/api/quality`)
    expect(q.status).toBe(200)
    const url = q.json.rules.find((r: { name: string }) => r.name === "url(job_url,apply_url)")
    expect(url).toMatchObject({
      node: "store",
      severity: "quarantine",
      checked: 20,
      failed: 1,
      lastFailed: 0,
      parked: 1
    })
    expect(url.passRate).toBeCloseTo(0.95)
    expect(q.json.rules.find((r: { name: string }) => r.name === "description_present")).toMatchObject({
      severity: "warn",
      checked: 0,
      passRate: null
    })
    expect(q.json.openQuarantine).toBe(1)
    expect(q.json.parked[0]).toMatchObject({ id: "synthetic-q1", title: "Synthetic parked job" })
    const bare = await pagePost(open, "/api/quality/replay", {})
    expect([bare.status, bare.json.error]).toEqual([400, expect.stringContaining("confirm: true")])
  })

  it("/api/tasks lists the tasks as of the request", async () => {
    const before = (await call(`${counted}/api/tasks`)).json.tasks.length
    const started = await pagePost(counted, "/api/ops", { jobIds: ["t1"], ops: ["fit"], tier: "fast", confirm: true })
    expect(started.status).toBe(202)
    const after = (await call(`${counted}/api/tasks`)).json.tasks
    expect(after.length).toBe(before + 1)
    expect(after[0].id).toBe(started.json.id)
  })

  it("will not bind beyond loopback without JOBSIGNAL_UI_TOKEN", () => {
    expect(checkBind({ host: "0.0.0.0" })?.message).toMatch(/JOBSIGNAL_UI_TOKEN/)
    expect(checkBind({ host: "0.0.0.0", token: Redacted.make("t") })).toBeUndefined()
    expect(checkBind({ host: "127.0.0.1" })).toBeUndefined()
    expect(checkBind({ host: "::1" })).toBeUndefined()
    expect(refuse({ host: "127.0.0.1" }, { method: "GET", headers: { host: "localhost:8787" } })).toBeUndefined()
    expect(refuse({ host: "127.0.0.1" }, { method: "GET", headers: { host: "[::1]:8787" } })).toBeUndefined()
    // Exact origin, IPv6 included: the port the request arrived on must be the one in Host and Origin.
    const post = (origin: string, host: string, localPort: number) =>
      refuse(
        { host: "::1" },
        {
          method: "POST",
          headers: { host, origin, "content-type": "application/json", "x-jobsignal-token": "t" },
          localPort
        },
        "t"
      )?.status
    expect(post("http://[::1]:8787", "[::1]:8787", 8787)).toBeUndefined()
    expect(post("http://[::1]:9999", "[::1]:8787", 8787)).toBe(403)
    expect(post("http://[::1]:9999", "[::1]:9999", 8787)).toBe(403)
    expect(post("http://localhost:8787", "127.0.0.1:8787", 8787)).toBe(403)
  })
})

describe("untrusted links from postings", () => {
  const posting = {
    source: "greenhouse",
    source_id: "1",
    title: "Engineer",
    company: "Acme",
    remote: "unknown" as const
  }
  const hostile = [
    "javascript:alert(document.cookie)",
    " JavaScript:alert(1)",
    "java\nscript:alert(1)",
    "\u0001javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "/jobs/1",
    "//evil.example/x",
    "file:///etc/passwd"
  ]

  it("normalization keeps only http(s) job and apply URLs and notes which it dropped", () => {
    for (const bad of hostile) {
      const row = postingsStaging.toRow({ ...posting, url: bad, apply_url: bad, raw: { id: 1 } })
      expect([bad, row.url, row.apply_url]).toEqual([bad, null, null])
      expect(row.raw).toEqual({ id: 1, refused_urls: ["url", "apply_url"] })
    }
    const ok = postingsStaging.toRow({
      ...posting,
      url: "https://boards.greenhouse.io/acme/jobs/1",
      apply_url: "http://acme.example/apply?id=1",
      raw: { id: 1 }
    })
    expect([ok.url, ok.apply_url, ok.raw]).toEqual([
      "https://boards.greenhouse.io/acme/jobs/1",
      "http://acme.example/apply?id=1",
      { id: 1 }
    ])
    expect(postingsStaging.toRow({ ...posting, url: "https://a.example/1", apply_url: null }).raw).toBeNull()
  })

  it("the dashboard makes an href only from an http(s) URL", () => {
    for (const bad of [...hostile, "", null, 42, "https://"]) expect([bad, safeHref(bad)]).toEqual([bad, undefined])
    expect(safeHref("https://boards.greenhouse.io/acme/jobs/1")).toBe("https://boards.greenhouse.io/acme/jobs/1")
    expect(safeHref(" http://acme.example/apply ")).toBe("http://acme.example/apply")
  })
})
