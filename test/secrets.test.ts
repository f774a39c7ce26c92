/**
 * No secret leaves the process it was given to: with fake provider keys, a MongoDB URI with a
 * password and a dashboard token in the environment, the demo DAG runs twice on the replayed
 * fixtures (JSON logs, then text logs; LLM calls to the loopback fake LLM, MongoDB to a closed
 * loopback port so the sink fails and its error is logged), then every log line, every warehouse
 * table, the HTML report, the dossiers and every dashboard GET endpoint are searched for the values.
 * SEC_USER_AGENT is not a secret (SEC asks for it in every request), so it is set but not searched.
 */
import { Effect, Exit, Layer, Redacted, Scope } from "effect"
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse, stringify } from "yaml"
import { loadDag } from "../pipelines/load.ts"
import { layersRunner } from "../pipelines/serve/job-ops.ts"
import { startServer } from "../pipelines/serve/server.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { kinds, sources } from "../app/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { cli, type CliResult } from "./support/cli.ts"
import { startFakeLlm, type FakeLlm } from "./support/fake-llm.ts"
import { tempDir, testLayer } from "./support/harness.ts"

const root = join(import.meta.dirname, "..")

const SECRETS = {
  ANTHROPIC_API_KEY: "sk-ant-FAKE-anthropic-9f3c1a7e",
  OPENAI_API_KEY: "sk-FAKE-openai-4b8d2e6f",
  DEEPSEEK_API_KEY: "sk-FAKE-deepseek-7a1c5e9b",
  MONGODB_PASSWORD: "FAKE-mongo-pass-3e7b1d",
  JOBSIGNAL_UI_TOKEN: "FAKE-ui-token-8c2f6a4d"
}

/** A loopback port nothing listens on: the MongoDB sink's connection fails there, quickly. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })

const leaks = (where: string, text: string) =>
  Object.entries(SECRETS)
    .filter(([, v]) => text.includes(v))
    .map(([k]) => `${k} in ${where}`)

describe("secrets stay out of logs, the warehouse, the report and the dashboard", () => {
  const dir = tempDir("jobsignal-secrets-")
  const db = join(dir, "secrets.duckdb")
  const dagFile = join(dir, "dag.yaml")
  let replay: ReplayServer
  let fake: FakeLlm
  let env: Record<string, string> = {}
  const runs: CliResult[] = []
  const scope = Effect.runSync(Scope.make())

  beforeAll(async () => {
    replay = await startReplayServer(sources)
    fake = await startFakeLlm()
    // The demo DAG as `npm run demo` runs it: every source node on the replay server.
    for (const f of ["profile", "profile.yaml", "targets"]) symlinkSync(join(root, f), join(dir, f))
    const spec = parse(readFileSync(join(root, "dag.yaml"), "utf8"))
    const byKind = new Map(sources.map((s) => [s.kind, s]))
    for (const node of Object.values<any>(spec.nodes)) {
      const src = node.source && byKind.get(node.source)
      if (src) node.with = { ...node.with, ...src.replayOptions, base_url: replay.baseUrlFor(node.source) }
    }
    spec.defaults.retry = { times: 0 }
    spec.llm.providers.deepseek.base_url = fake.openaiUrl
    spec.llm.providers.openrouter.base_url = fake.openaiUrl
    writeFileSync(dagFile, stringify(spec))
    env = {
      ANTHROPIC_API_KEY: SECRETS.ANTHROPIC_API_KEY,
      ANTHROPIC_BASE_URL: fake.anthropicUrl,
      OPENAI_API_KEY: SECRETS.OPENAI_API_KEY,
      OPENAI_BASE_URL: fake.openaiUrl,
      DEEPSEEK_API_KEY: SECRETS.DEEPSEEK_API_KEY,
      DEEPSEEK_BASE_URL: fake.openaiUrl,
      MONGODB_URI: `mongodb://jobsignal:${SECRETS.MONGODB_PASSWORD}@127.0.0.1:${await closedPort()}/jobsignal?serverSelectionTimeoutMS=1500&connectTimeoutMS=1500`,
      JOBSIGNAL_UI_TOKEN: SECRETS.JOBSIGNAL_UI_TOKEN,
      SEC_USER_AGENT: "jobsignal-test secrets@example.com"
    }
    runs.push(await cli(["run", "--dag", dagFile, "--db", db, "--log-format", "json"], env))
    runs.push(await cli(["run", "--dag", dagFile, "--db", db, "--log-format", "text"], env))
    runs.push(
      await cli(["report", "--dag", dagFile, "--db", db, "--since", "2000-01-01", "--out", join(dir, "reports")], env)
    )
  }, 600_000)

  afterAll(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await fake?.close()
    await replay?.close()
  })

  it("the runs really used the keys and the URI (so the checks below mean something)", () => {
    expect(fake.requests.length).toBeGreaterThan(0)
    const json = runs[0].stderr.split("\n").filter((l) => l.startsWith("{"))
    expect(json.length).toBeGreaterThan(10)
    // The sink tried the MongoDB URI and failed: its error is in the logs, where a password would show.
    expect(runs[0].stderr).toMatch(/store/)
    expect(runs[1].stderr.length).toBeGreaterThan(0)
  })

  it("no log line (JSON or text, stdout or stderr) holds a secret", () => {
    const found = runs.flatMap((r, i) => [...leaks(`run ${i} stderr`, r.stderr), ...leaks(`run ${i} stdout`, r.stdout)])
    expect(found).toEqual([])
  })

  it("no warehouse table holds a secret", async () => {
    const dump = await Effect.runPromise(
      Effect.gen(function* () {
        const w = yield* Warehouse
        const tables = yield* w.query<{ t: string }>(
          "select table_name as t from information_schema.tables where table_type = 'BASE TABLE' order by 1"
        )
        const out: Array<[string, string]> = []
        for (const { t } of tables) {
          const rows = yield* w.query(`select columns(*)::varchar from "${t}"`)
          out.push([t, JSON.stringify(rows)])
        }
        return out
      }).pipe(Effect.provide(testLayer(db)))
    )
    expect(dump.length).toBeGreaterThan(20)
    expect(dump.find(([t]) => t === "llm_calls")?.[1].length).toBeGreaterThan(10)
    expect(dump.flatMap(([t, text]) => leaks(`table ${t}`, text))).toEqual([])
  })

  it("neither the HTML report nor the dossiers hold a secret", () => {
    expect(runs[2].code).toBe(0)
    const reports = readdirSync(join(dir, "reports")).filter((f) => f.endsWith(".html"))
    expect(reports.length).toBe(1)
    const found = reports.flatMap((f) => leaks(`report ${f}`, readFileSync(join(dir, "reports", f), "utf8")))
    const dossiers = join(dir, "dossiers")
    if (existsSync(dossiers))
      for (const f of readdirSync(dossiers))
        found.push(...leaks(`dossier ${f}`, readFileSync(join(dossiers, f), "utf8")))
    expect(found).toEqual([])
  })

  it("no dashboard GET endpoint answers with a secret", async () => {
    // The server runs in this process: give it the same environment the runs had.
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
    Object.assign(process.env, env)
    try {
      // The warehouse stays open for the server's life (the test's scope), as `jobsignal serve` holds it.
      const ctx = await Effect.runPromise(Layer.buildWithScope(testLayer(db), scope))
      const { url } = await Effect.runPromise(
        startServer({
          port: 0,
          host: "127.0.0.1",
          token: Redacted.make(SECRETS.JOBSIGNAL_UI_TOKEN),
          dag: loadDag(dagFile, kinds),
          ops: layersRunner,
          distDir: tempDir("jobsignal-secrets-dist-")
        }).pipe(Effect.provide(ctx), Scope.extend(scope))
      )
      const get = async (path: string) => {
        const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${SECRETS.JOBSIGNAL_UI_TOKEN}` } })
        return { path, status: res.status, text: await res.text() }
      }
      const pages = await Promise.all(
        [
          "/api/health",
          "/api/session",
          "/api/jobs?limit=1000",
          "/api/facets",
          "/api/dag",
          "/api/runs",
          "/api/signals",
          "/api/cost",
          "/api/tasks"
        ].map(get)
      )
      expect(pages.map((p) => [p.path, p.status])).toEqual(pages.map((p) => [p.path, 200]))
      const jobs = JSON.parse(pages[2].text).rows as Array<{ id: string }>
      const runList = JSON.parse(pages[5].text).runs as Array<{ run_id: string }>
      expect(jobs.length).toBeGreaterThan(0)
      expect(runList.length).toBe(2)
      const details = [
        ...(await Promise.all(runList.map((r) => get(`/api/runs/${encodeURIComponent(r.run_id)}`)))),
        ...(await Promise.all(jobs.slice(0, 60).map((j) => get(`/api/jobs/${encodeURIComponent(j.id)}`)))),
        ...(await Promise.all(jobs.slice(0, 60).map((j) => get(`/api/jobs/${encodeURIComponent(j.id)}/dossier`))))
      ]
      expect(details.filter((d) => d.path.startsWith("/api/runs/")).map((d) => d.status)).toEqual([200, 200])
      expect([...pages, ...details].flatMap((p) => leaks(`GET ${p.path}`, p.text))).toEqual([])
    } finally {
      for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v)
    }
  })
})
