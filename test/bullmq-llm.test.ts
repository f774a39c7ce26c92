/**
 * LLM calls on the BullMQ executor end to end: the coordinator (this process) holds no provider key; `jobsignal
 * worker` processes hold it and are the only ones to reach the fake LLM server. relevance and fit_score give the
 * rows and ledger cost of the in-process run; a worker killed after the provider answered has its call run again
 * by another worker, and the ledger says the provider was asked twice.
 */
import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { kinds, sources } from "../app/index.ts"
import { queueName } from "../pipelines/bullmq-queues.ts"
import type { collectingEvents } from "../pipelines/events.ts"
import { loadDag } from "../pipelines/load.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { ensureBuilt } from "./support/cli.ts"
import { type FakeLlm, startFakeLlm } from "./support/fake-llm.ts"
import { run, tempDir, withDb } from "./support/harness.ts"
import { type LocalRedis, startRedis } from "./support/redis.ts"
import { spawnWorker, stopWorkers, workerStarted, type WorkerProcess } from "./support/workers.ts"

const _root = join(import.meta.dirname, "..")
const dir = tempDir("jobsignal-bullmq-llm-")
const BOARDS = ["gitlab", "stripe", "gongio", "generalassembly"]
const WORKER_KEY = "sk-test-on-the-worker-only"
// SYNTHETIC: a profile without seniority or keyword rules, so most of the recorded boards' jobs reach the model.
const PROFILE = join(dir, "synthetic-open-profile.yaml")
writeFileSync(
  PROFILE,
  "summary: Engineer or seller, any level.\ntarget_titles: [Engineer, Engineering, Sales, Manager]\nremote: any\n"
)

let redis: LocalRedis
let replay: ReplayServer
let fake: FakeLlm

const workers: WorkerProcess[] = []

/** A worker with the OpenAI key (pointed at the fake server) in its own environment only, unless `key` is "". */
const startWorker = (concurrency: number, killAt = "", key = WORKER_KEY): WorkerProcess => {
  const w = spawnWorker(redis.url, concurrency, {
    JOBSIGNAL_KILL_AT: killAt,
    OPENAI_API_KEY: key,
    OPENAI_BASE_URL: fake.openaiUrl,
    ANTHROPIC_API_KEY: "",
    DEEPSEEK_API_KEY: "",
    OPENROUTER_API_KEY: ""
  })
  workers.push(w)
  return w
}

/** Four recorded greenhouse boards and two recorded job APIs, dedupe, then the two batched LLM nodes (fast tier: openai/gpt-5-nano). */
const llmDag = (name: string, executor: boolean, perRunUsd?: number) => {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(
    file,
    `
version: 1
profile: ${JSON.stringify(PROFILE)}
defaults: { retry: { times: 0 } }
${perRunUsd === undefined ? "" : `budgets: { llm: { per_run_usd: ${perRunUsd} } }`}
${executor ? `executor: { kind: bullmq, redis_url: "${redis.url}" }` : ""}
llm:
  tiers: { fast: [openai/gpt-5-nano], balanced: [openai/gpt-5-mini], quality: [openai/gpt-5] }
  retry: { times: 2, base: 10ms, cap: 50ms }
nodes:
  greenhouse:
    source: greenhouse
    with: { boards: [${BOARDS.join(", ")}], base_url: "${replay.baseUrlFor("greenhouse")}", details: false }
  remotive:
    source: remotive
    with: { base_url: "${replay.baseUrlFor("remotive")}" }
  remoteok:
    source: remoteok
    with: { base_url: "${replay.baseUrlFor("remoteok")}" }
  dedupe:
    transform: dedupe
    needs: [greenhouse, remotive, remoteok]
  relevance:
    transform: relevance
    needs: [dedupe]
    with: { batch_size: 4, tier: fast, mode: online }
  fit_score:
    transform: fit_score
    needs: [relevance]
    with: { batch_size: 2, tier: fast, mode: online }
`
  )
  return loadDag(file, kinds)
}

const query = <T>(file: string, sql: string) =>
  withDb(
    file,
    Effect.flatMap(Warehouse, (w) => w.query<T>(sql))
  )
const scores = (db: string) =>
  query<Record<string, unknown>>(
    db,
    "select job_id, relevant, relevance_reason, relevance_by, relevance_model, fit_score, fit_category, tier, fit_rationale, scored_by, model from job_scores order by job_id"
  )
const ledger = (db: string) =>
  query<Record<string, unknown>>(
    db,
    "select node, provider, model, items, input_tokens, cached_input_tokens, output_tokens, usd, outcome from llm_calls order by all"
  )
const costs = (db: string) =>
  query<{ node: string; calls: number; usd: number }>(
    db,
    "select node, count(*)::int as calls, sum(usd) as usd from llm_calls group by node order by node"
  )

const ref = { scores: [] as Record<string, unknown>[], ledger: [] as Record<string, unknown>[], requests: 0 }

const withoutKeys = async <A>(f: () => Promise<A>) => {
  const saved = { OPENAI_API_KEY: process.env.OPENAI_API_KEY, OPENAI_BASE_URL: process.env.OPENAI_BASE_URL }
  delete process.env.OPENAI_API_KEY
  delete process.env.OPENAI_BASE_URL
  try {
    return await f()
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v
  }
}

beforeAll(async () => {
  const ready = await Promise.all([startRedis(), startReplayServer(sources), startFakeLlm(), ensureBuilt()])
  redis = ready[0]
  replay = ready[1]
  fake = ready[2]
  for (const k of ["ANTHROPIC_API_KEY", "DEEPSEEK_API_KEY", "OPENROUTER_API_KEY"]) delete process.env[k]
  // The reference: the same DAG in-process, the key in this process's environment.
  process.env.OPENAI_API_KEY = "sk-test-in-process"
  process.env.OPENAI_BASE_URL = fake.openaiUrl
  const db = join(dir, "ref.duckdb")
  const { summary } = await withDb(db, run({ dag: llmDag("ref", false) }))
  delete process.env.OPENAI_API_KEY
  delete process.env.OPENAI_BASE_URL
  expect(summary.status).toBe("success")
  ref.scores = await scores(db)
  ref.ledger = await ledger(db)
  ref.requests = fake.requests.length
  expect(ref.scores.filter((r) => r.relevance_by !== "lexical" && r.relevance_by !== null).length).toBeGreaterThan(10)
  expect(ref.scores.filter((r) => r.scored_by !== "lexical" && r.fit_score !== null).length).toBeGreaterThanOrEqual(3)
  expect(ref.requests).toBe(ref.ledger.length)
  expect(ref.requests).toBeGreaterThanOrEqual(4)
}, 120_000)

afterAll(async () => {
  await stopWorkers(workers)
  await replay?.close()
  await fake?.close()
  await redis?.stop()
})

describe("LLM calls on workers", () => {
  it("two workers with the key, a coordinator without: the in-process rows and ledger, every call through the queue", async () => {
    const pair = [startWorker(2), startWorker(2)]
    await Promise.all(pair.map(workerStarted))
    fake.reset()
    const db = join(dir, "bullmq.duckdb")
    const r = new Redis(redis.url)
    const queue = queueName({ source: "llm", host: "openai" })
    // The LLM node's jobs are released once it commits: what they held is read while the run goes on.
    const data = new Set<string>()
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        const keys = await r.keys(`jobsignal:${queue}:*`)
        for (const k of keys.filter((k) => /:[0-9a-f]{8,}$|:u[0-9a-f]+$/.test(k))) {
          const d = await r.hget(k, "data").catch(() => null)
          if (d) data.add(d)
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })()
    const { summary } = await withoutKeys(() => withDb(db, run({ dag: llmDag("bullmq", true) }))).finally(() => {
      sampling = false
    })
    await sampler
    expect(summary.status).toBe("success")
    expect(await scores(db)).toEqual(ref.scores)
    expect(await ledger(db)).toEqual(ref.ledger)
    // Every call the provider saw was a task a worker ran; the queue held the request, never the key.
    expect(fake.requests.length).toBe(ref.requests)
    const completed = await r.zcard(`jobsignal:${queue}:completed`)
    const left = (await r.keys(`jobsignal:${queue}:*`)).filter((k) => /:[0-9a-f]{8,}$|:u[0-9a-f]+$/.test(k))
    // The LLM queue's global concurrency is llm.concurrency; remotive's 0.5/s is one unit per 2 s, not 1/s.
    const meta = await r.hgetall(`jobsignal:${queue}:meta`)
    const remotive = await r.hgetall(
      `jobsignal:${queueName({ source: "remotive", host: new URL(replay.url).host })}:meta`
    )
    r.disconnect()
    // Released after the LLM node committed: no call's job or result stays in Redis.
    expect([completed, left]).toEqual([0, []])
    expect(meta.concurrency).toBe("4")
    expect([remotive.max, remotive.duration]).toEqual(["1", "2000"])
    expect([...data].filter((d) => d.includes("gpt-5-nano")).length).toBeGreaterThan(0)
    expect([...data].filter((d) => d.includes(WORKER_KEY))).toEqual([])
    await stopWorkers(pair)
  }, 90_000)

  it("no live worker holds a key: the nodes fall back to the lexical scorer and say why", async () => {
    const db = join(dir, "no-worker.duckdb")
    const keyless = startWorker(2, "", "")
    await workerStarted(keyless)
    expect(keyless.stderr).toContain("LLM calls for: none (no LLM provider key here)")
    fake.reset()
    const { summary, events } = await withoutKeys(() => withDb(db, run({ dag: llmDag("no-worker", true) })))
    expect(summary.status).toBe("success")
    expect(fake.requests.length).toBe(0)
    const notes = (events as ReturnType<typeof collectingEvents>).seen.flatMap((e) =>
      "message" in e && typeof e.message === "string" ? [e.message] : []
    )
    expect(
      notes.some((m) => /no LLM provider key for the fast tier here or on any live jobsignal worker/.test(m))
    ).toBe(true)
    expect((await scores(db)).every((s) => s.relevance_by === "lexical" || s.relevance_by === null)).toBe(true)
    await stopWorkers([keyless])
  }, 90_000)

  it("a 429 with retry-after and an auth refusal cross the queue as the same typed errors", async () => {
    const pair = [startWorker(2)]
    await Promise.all(pair.map(workerStarted))
    fake.reset()
    fake.script({ kind: "rate_limit", retryAfterMs: 30 }, { times: 1 })
    const db = join(dir, "rate-limited.duckdb")
    const { summary } = await withoutKeys(() => withDb(db, run({ dag: llmDag("rate-limited", true) })))
    expect(summary.status).toBe("success")
    expect(await scores(db)).toEqual(ref.scores)
    const rows = await ledger(db)
    expect(rows.filter((r) => r.outcome === "rate_limited").length).toBe(1)
    expect(rows.filter((r) => r.outcome !== "rate_limited")).toEqual(ref.ledger)

    fake.reset()
    fake.script({ kind: "auth" }, { times: 1_000 })
    const refused = join(dir, "auth.duckdb")
    const second = await withoutKeys(() => withDb(refused, run({ dag: llmDag("auth", true) })))
    const relevance = second.summary.nodes.find((n) => n.node === "relevance")
    expect(relevance?.status).toBe("failed")
    expect(relevance?.error).toMatch(/refused the key/)
    expect((await ledger(refused)).map((r) => r.outcome)).toEqual(["fatal_auth"])
    await stopWorkers(pair)
  }, 90_000)

  it("a budget too small for one call: reserved on the coordinator, so no call is put on the queue", async () => {
    const pair = [startWorker(2)]
    await Promise.all(pair.map(workerStarted))
    const r = new Redis(redis.url)
    const queue = `jobsignal:${queueName({ source: "llm", host: "openai" })}`
    const before = (await r.zcard(`${queue}:completed`)) + (await r.llen(`${queue}:wait`))
    fake.reset()
    const db = join(dir, "budget.duckdb")
    const { summary } = await withoutKeys(() => withDb(db, run({ dag: llmDag("budget", true, 0.000001) })))
    const after = (await r.zcard(`${queue}:completed`)) + (await r.llen(`${queue}:wait`))
    r.disconnect()
    expect(summary.nodes.find((n) => n.node === "greenhouse")?.status).toBe("success")
    expect(fake.requests.length).toBe(0)
    expect(after).toBe(before)
    expect(await ledger(db)).toEqual([])
    const relevance = await scores(db)
    expect(relevance.length).toBe(ref.scores.length)
    expect(relevance.filter((s) => s.relevance_by === "llm")).toEqual([])
    await stopWorkers(pair)
  }, 90_000)

  it("a worker killed after the provider answered: the call runs again on another worker, the ledger counts both", async () => {
    const db = join(dir, "worker-killed.duckdb")
    fake.reset()
    // One call at a time, killed after its second answer and before handing it back.
    const doomed = startWorker(1, "worker_llm_call:2")
    await workerStarted(doomed)
    const running = withoutKeys(() => withDb(db, run({ dag: llmDag("worker-killed", true) })))
    const exit = await doomed.exited
    expect(exit.signal, doomed.stderr.slice(-2000)).toBe("SIGKILL")
    const rescuer = startWorker(2)
    await workerStarted(rescuer)
    const { summary } = await running
    expect(summary.status).toBe("success")
    expect(await scores(db)).toEqual(ref.scores)
    // The provider was asked once more than it answered usefully, and the ledger has a row for that attempt too, at
    // the answered call's cost (a worker slow to renew its lock on a loaded machine adds one more of the same).
    const rows = await ledger(db)
    const lost = rows.filter((r) => r.outcome === "worker_lost")
    expect(lost.length).toBeGreaterThanOrEqual(1)
    expect(rows.length).toBe(fake.requests.length)
    expect(rows.filter((r) => r.outcome !== "worker_lost")).toEqual(ref.ledger)
    const cost = await costs(db)
    const refUsd = ref.ledger.reduce((s, r) => s + Number(r.usd), 0)
    const usd = cost.reduce((s, c) => s + c.usd, 0)
    expect(usd).toBeCloseTo(refUsd + lost.reduce((s, r) => s + Number(r.usd), 0), 9)
    await stopWorkers([rescuer])
  }, 90_000)
})
