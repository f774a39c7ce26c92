/**
 * The dashboard's JSON API without a browser: every page's endpoint answers on an empty warehouse,
 * access rules (token, loopback host names, cross-origin writes), and confirmation before mutation.
 */
import { Context, Effect, Exit, Layer, Redacted, Scope } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadDag } from "../pipelines/load.ts"
import { checkBind, refuse } from "../pipelines/serve/auth.ts"
import { layersRunner } from "../pipelines/serve/job-ops.ts"
import { startServer } from "../pipelines/serve/server.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { dagFrom, tempDir, testLayer } from "./support/harness.ts"
import { kinds } from "../app/index.ts"

const TOKEN = "s3cret-token-for-test"

/** node:http, so the Host and Origin headers can be set as a browser on another site would. */
const call = (url: string, opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) =>
  new Promise<{ status: number; json: any; type: string }>((resolve, reject) => {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body)
    const req = request(url, { method: opts.method ?? "GET", headers: { ...(body ? { "content-type": "application/json" } : {}), ...opts.headers } }, (res) => {
      let raw = ""
      res.setEncoding("utf8")
      res.on("data", (c) => (raw += c))
      res.on("end", () => {
        let json: unknown = raw
        try { json = JSON.parse(raw) } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, json, type: String(res.headers["content-type"] ?? "") })
      })
    })
    req.on("error", reject)
    req.end(body)
  })

describe("dashboard API", () => {
  const scope = Effect.runSync(Scope.make())
  let open = "", locked = "", small = ""
  let dossierDir = ""
  let ctx: Context.Context<any>

  beforeAll(async () => {
    ctx = await Effect.runPromise(Layer.buildWithScope(testLayer(join(tempDir("jobsignal-ui-api-"), "api.duckdb")), scope))
    const dag = loadDag("dag.yaml", kinds)
    const distDir = tempDir("jobsignal-ui-dist-") // no front end built: the API alone is under test
    const start = (token?: string, d = dag) =>
      Effect.runPromise(startServer({ port: 0, host: "127.0.0.1", token: token ? Redacted.make(token) : undefined, dag: d, ops: layersRunner, distDir }).pipe(Effect.provide(ctx), Scope.extend(scope)))
    open = (await start()).url
    locked = (await start(TOKEN)).url
    const dir = tempDir("jobsignal-ui-dag-")
    dossierDir = join(dir, "dossiers")
    small = (await start(undefined, dagFrom("version: 1\nnodes:\n  greenhouse:\n    source: greenhouse\n    with: { boards: [gitlab] }\n", dir))).url
  }, 60_000)

  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

  it("answers every page's endpoint on an empty warehouse", async () => {
    for (const path of ["/api/health", "/api/jobs?q=x&source=greenhouse&remote=remote&tier=A&relevant=yes&sort=salary&dir=asc", "/api/facets", "/api/dag", "/api/runs", "/api/signals", "/api/cost", "/api/tasks"]) {
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

  it("changes nothing without confirm: true", async () => {
    const run = await call(`${open}/api/runs`, { method: "POST", body: { mode: "run" } })
    expect(run.status).toBe(400)
    expect(run.json.error).toMatch(/confirm: true/)
    const ops = await call(`${open}/api/ops`, { method: "POST", body: { jobIds: ["a"], ops: ["fit"], tier: "fast" } })
    expect(ops.status).toBe(400)
    expect((await call(`${open}/api/runs`)).json.runs).toEqual([])
    const bad = await call(`${open}/api/ops`, { method: "POST", body: { jobIds: ["a"], ops: ["fit"], tier: "gold", confirm: true } })
    expect(bad.status).toBe(400)
    const unknownOp = await call(`${open}/api/ops`, { method: "POST", body: { jobIds: ["a"], ops: ["teleport"], tier: "fast", confirm: true } })
    expect(unknownOp.json.error).toMatch(/unknown operation/)
    const backfill = await call(`${open}/api/runs`, { method: "POST", body: { mode: "backfill", confirm: true } })
    expect(backfill.json.error).toMatch(/needs node and since/)
  })

  it("refuses requests addressed to a non-loopback name, and cross-origin writes", async () => {
    expect((await call(`${open}/api/health`, { headers: { host: "evil.example:8787" } })).status).toBe(403)
    const xo = await call(`${open}/api/runs`, { method: "POST", headers: { origin: "http://evil.example" }, body: { mode: "run", confirm: true } })
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
    expect((await call(`${locked}/api/jobs`, { headers: { authorization: `Bearer ${TOKEN}`, host: "jobs.lan:8787" } })).status).toBe(200)
    expect(JSON.stringify(ok.json)).not.toContain(TOKEN)
  })

  it("serves a job's dossier only from the dossiers folder next to the DAG", async () => {
    mkdirSync(dossierDir, { recursive: true })
    const inside = join(dossierDir, "job-1.md"), outside = join(dossierDir, "..", "secret.md")
    writeFileSync(inside, "# Dossier for job 1\n")
    writeFileSync(outside, "not for the web\n")
    await Effect.runPromise(Effect.gen(function* () {
      const w = yield* Warehouse
      yield* w.exec("insert into job_intel (job_id, dossier_path) values ('j1', $1), ('j2', $2)", [inside, outside])
    }).pipe(Effect.provide(ctx)))
    const ok = await call(`${small}/api/jobs/j1/dossier`)
    expect([ok.status, ok.json]).toEqual([200, "# Dossier for job 1\n"])
    expect((await call(`${small}/api/jobs/j2/dossier`)).status).toBe(404)
    expect((await call(`${small}/api/jobs/j3/dossier`)).status).toBe(404)
  })

  it("will not bind beyond loopback without JOBSIGNAL_UI_TOKEN", () => {
    expect(checkBind({ host: "0.0.0.0" })?.message).toMatch(/JOBSIGNAL_UI_TOKEN/)
    expect(checkBind({ host: "0.0.0.0", token: Redacted.make("t") })).toBeUndefined()
    expect(checkBind({ host: "127.0.0.1" })).toBeUndefined()
    expect(checkBind({ host: "::1" })).toBeUndefined()
    expect(refuse({ host: "127.0.0.1" }, { method: "GET", headers: { host: "localhost:8787" } })).toBeUndefined()
    expect(refuse({ host: "127.0.0.1" }, { method: "GET", headers: { host: "[::1]:8787" } })).toBeUndefined()
  })
})
