/**
 * The BullMQ executor end to end: a coordinator and worker processes (the built `jobsignal worker`) on a
 * redis-server of the test's own, replaying recorded responses on loopback. The demo DAG gives the same jobs as
 * the in-process executor; a worker killed mid-unit, Redis killed and restarted mid-run, and a coordinator killed
 * and resumed each end with exactly the jobs of an uninterrupted run, none twice.
 */
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Redis } from "ioredis"
import { kinds, sources } from "../app/index.ts"
import { loadDag, type LoadedDag } from "../pipelines/load.ts"
import { collectingEvents } from "../pipelines/events.ts"
import { replayOverrides, startReplayServer, type ReplayServer } from "../sources/replay.ts"
import type { FixtureRoute } from "../sources/source.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { queueName, queuesKey } from "../pipelines/bullmq-queues.ts"
import { bin, ensureBuilt } from "./support/cli.ts"
import { run, tempDir, withDb } from "./support/harness.ts"
import { type LocalRedis, startRedis } from "./support/redis.ts"
import { spawnWorker, stopWorkers, workerStarted, type WorkerProcess } from "./support/workers.ts"

const root = join(import.meta.dirname, "..")
const dir = tempDir("jobsignal-bullmq-")
// SYNTHETIC board names replaying the recorded GitLab board (as in killpoints.test.ts): units to kill between.
const SYNTHETIC_BOARDS = Array.from({ length: 12 }, (_, i) => `synthetic-gitlab-${String(i + 1).padStart(2, "0")}`)
const BOARDS = ["gitlab", "stripe", "gongio", "generalassembly", ...SYNTHETIC_BOARDS]

let redis: LocalRedis
let replay: ReplayServer

const workers: WorkerProcess[] = []
/** `jobsignal worker` as a user starts it on another machine: its own process, the built binary. */
const startWorker = (concurrency = 4, env: Record<string, string> = {}, url = redis.url): WorkerProcess => {
  const w = spawnWorker(url, concurrency, env)
  workers.push(w)
  return w
}

const query = <T>(file: string, sql: string) =>
  withDb(
    file,
    Effect.flatMap(Warehouse, (w) => w.query<T>(sql))
  )
const jobIds = async (file: string) =>
  (await query<{ id: string }>(file, "select id from jobs order by 1")).map((r) => r.id)
/** Canonical jobs and every sighting of one (the synthetic boards' jobs are the same jobs seen on other boards). */
const snapshot = async (file: string) => ({
  jobs: await jobIds(file),
  sightings: (
    await query<{ k: string }>(
      file,
      "select source || ':' || source_id || ' -> ' || job_id as k from job_sightings order by 1"
    )
  ).map((r) => r.k)
})
const stagedRows = async (file: string) =>
  (
    await query<{ n: number }>(
      file,
      "select count(*)::int as n from stg_jobs where run_id = (select max(run_id) from runs)"
    )
  )[0].n

/** The unit and task jobs (hashes and their lock/log keys), node options and completed events (results) Redis holds. */
const leftInRedis = async () => {
  const r = new Redis(redis.url)
  try {
    // Every queue a coordinator declared: source units' and tasks' (search pages) alike.
    let completedEvents = 0
    for (const name of Object.keys(await r.hgetall(queuesKey("jobsignal")))) {
      const events = await r.xrange(`jobsignal:${name}:events`, "-", "+")
      completedEvents += events.filter(([, fields]) => fields[1] === "completed").length
    }
    return {
      jobs: (await r.keys("jobsignal:units-*:u*")).sort(),
      options: (await r.keys("jobsignal:options:*")).sort(),
      completedEvents
    }
  } finally {
    r.disconnect()
  }
}

/**
 * Waits until the workers' progress lines (once a second) add up to `n` units: proof they ran them (at least once:
 * a worker too slow to renew its lock on a loaded machine has its unit run again elsewhere).
 */
const untilUnitsDone = async (list: ReadonlyArray<WorkerProcess>, n: number) => {
  const total = () =>
    list.reduce((sum, w) => sum + Number([...w.stderr.matchAll(/(\d+) units done/g)].at(-1)?.[1] ?? 0), 0)
  for (let i = 0; i < 100 && total() < n; i++) await new Promise((r) => setTimeout(r, 100))
  expect(total()).toBeGreaterThanOrEqual(n)
}

const withExecutor = (dag: LoadedDag): LoadedDag => ({
  ...dag,
  spec: { ...dag.spec, executor: { kind: "bullmq", redis_url: redis.url } }
})

/** A greenhouse board list and dedupe, in-process or on BullMQ (`executor:`, the suite's Redis or the one named). */
const boardsDag = (name: string, executor: boolean | string) => {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(
    file,
    `
version: 1
defaults: { retry: { times: 0 } }
${executor ? `executor: { kind: bullmq, redis_url: "${executor === true ? redis.url : executor}" }` : ""}
nodes:
  greenhouse:
    source: greenhouse
    with: { boards: [${BOARDS.join(", ")}], base_url: "http://\${${URL_VAR}}", concurrency: 2, details: false }
  dedupe:
    transform: dedupe
    needs: [greenhouse]
`
  )
  return file
}
// The board URL comes from the environment, as a provider key would: the coordinator must put the placeholder on
// the queue and each worker fill it in from its own environment (inherited from this process).
const URL_VAR = "JOBSIGNAL_TEST_GREENHOUSE_URL"
const boardRequests = () => replay.requests.filter((r) => r.path.includes("/v1/boards/")).map((r) => r.path)
const refBoards = { snapshot: { jobs: [] as string[], sightings: [] as string[] }, staged: 0 }

beforeAll(async () => {
  const extra: FixtureRoute[] = SYNTHETIC_BOARDS.map((b) => ({
    path: `/v1/boards/${b}/jobs`,
    file: "greenhouse/breteai-gitlab-jobs-content.json"
  }))
  const ready = await Promise.all([
    startRedis({ aof: true }),
    startReplayServer(sources, { extraRoutes: { greenhouse: extra } }),
    ensureBuilt()
  ])
  redis = ready[0]
  replay = ready[1]
  process.env[URL_VAR] = replay.baseUrlFor("greenhouse").replace(/^http:\/\//, "")
  const refDb = join(dir, "boards-ref.duckdb")
  const { summary } = await withDb(refDb, run({ dag: loadDag(boardsDag("boards-ref", false), kinds) }))
  expect(summary.status).toBe("success")
  refBoards.snapshot = await snapshot(refDb)
  refBoards.staged = await stagedRows(refDb)
  expect(refBoards.snapshot.sightings.length).toBeGreaterThan(40)
}, 120_000)

afterAll(async () => {
  await stopWorkers(workers)
  await replay?.close()
  await redis?.stop()
})

describe("a coordinator and three workers", () => {
  let shared: WorkerProcess[] = []
  beforeAll(async () => {
    shared = [startWorker(), startWorker(), startWorker()]
  })

  it("run the demo DAG to the same jobs as the in-process executor: same ids, same counts per node", async () => {
    const dag = loadDag(join(root, "dag.yaml"), kinds)
    const overrides = replayOverrides(sources, replay, dag.spec.nodes, () => {})
    const demo = (d: LoadedDag, db: string) =>
      withDb(db, run({ dag: d, asOf: "2026-09-21", sourceOverrides: overrides }))
    const refDb = join(dir, "demo-ref.duckdb")
    const busDb = join(dir, "demo-bullmq.duckdb")
    const ref = await demo(dag, refDb)
    expect(ref.summary.status).toBe("success")
    const bus = await demo(withExecutor(dag), busDb)
    process.stdout.write(`demo DAG: in-process ${ref.summary.ms} ms, 3 workers ${bus.summary.ms} ms\n`)
    // Same status per node (intel skips itself without an LLM key in both), and nothing failed.
    const statuses = (s: typeof ref.summary) => Object.fromEntries(s.nodes.map((n) => [n.node, n.status]))
    expect(statuses(bus.summary)).toEqual(statuses(ref.summary))
    expect(bus.summary.nodes.filter((n) => n.status !== "success" && n.status !== "skipped")).toEqual([])
    const counts = (s: typeof ref.summary) => Object.fromEntries(s.nodes.map((n) => [n.node, [n.rowsIn, n.rowsOut]]))
    expect(counts(bus.summary)).toEqual(counts(ref.summary))
    const ids = await jobIds(busDb)
    expect(ids.length).toBeGreaterThan(300)
    expect(ids).toEqual(await jobIds(refDb))

    // The units ran on the workers: every unit of every source node is a completed job in Redis, but those of a
    // source whose units share state (search), which stay in the coordinator's process and send their pages to the
    // workers instead, on a queue per site.
    const local = sources.filter((s) => s.unitsShareState).map((s) => `'${s.kind}'`)
    expect(local).toEqual(["'search'"])
    const units = await query<{ n: number }>(
      busDb,
      `select sum(((details::json)->>'units')::int)::int as n from node_runs where run_id = (select max(run_id) from runs) and ((details::json)->>'role') = 'source' and kind not in (${local.join(", ")})`
    )
    // The search node counts a page a worker fetched as one of its requests, as in-process.
    const searchRequests = (db: string) =>
      query<{ n: number }>(
        db,
        "select ((details::json)->>'requests')::int as n from node_runs where node = 'search' and run_id = (select max(run_id) from runs)"
      )
    const [refSearch, busSearch] = [await searchRequests(refDb), await searchRequests(busDb)]
    expect(busSearch[0].n).toBeGreaterThan(0)
    expect(busSearch).toEqual(refSearch)
    // The committed nodes' jobs are released, so what says where pages ran is the list of queues the coordinator
    // declared (a queue per search site) and the workers' count of what they did: every unit and every page.
    const r = new Redis(redis.url)
    const host = new URL(replay.url).host
    const declared = Object.keys(await r.hgetall(queuesKey("jobsignal")))
    r.disconnect()
    const searchSites = (dag.spec.nodes.search?.with?.sites as string[] | undefined) ?? ["linkedin"]
    for (const site of searchSites)
      expect(declared, `${site} pages on workers`).toContain(queueName({ source: `search-${site}`, host }))
    expect(units[0].n).toBeGreaterThan(20)
    await untilUnitsDone(shared, units[0].n + busSearch[0].n)
    // Each node committed, so Redis keeps none of the run's units, results or options.
    expect(await leftInRedis()).toEqual({ jobs: [], options: [], completedEvents: 0 })
  }, 120_000)

  it("Redis killed and restarted mid-run (AOF): the run goes on to the same jobs", async () => {
    const db = join(dir, "redis-restart.duckdb")
    replay.setLatency(150)
    const events = collectingEvents()
    let restarted: Promise<void> | undefined
    const watch = setInterval(() => {
      if (!restarted && events.seen.filter((e) => e.type === "node_progress").length >= 4) restarted = redis.restart()
    }, 20)
    const { summary } = await withDb(db, run({ dag: loadDag(boardsDag("boards-redis", true), kinds), events }))
    clearInterval(watch)
    replay.setLatency(0)
    expect(restarted, "the run ended before Redis was restarted").toBeDefined()
    await restarted
    expect(summary.status).toBe("success")
    expect(await snapshot(db)).toEqual(refBoards.snapshot)
    expect(await stagedRows(db)).toBe(refBoards.staged)
    expect((await leftInRedis()).jobs).toEqual([])
  }, 120_000)

  it("the coordinator killed mid-node: --resume reads back the finished units and fetches none twice", async () => {
    const db = join(dir, "coordinator.duckdb")
    const file = boardsDag("boards-coordinator", true)
    replay.requests.length = 0
    replay.setLatency(150)
    const coordinator = (args: string[], killAt = "") =>
      new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
        const c = spawn(process.execPath, [bin, "run", "--dag", file, "--db", db, "--log-format", "json", ...args], {
          cwd: root,
          env: { ...process.env, JOBSIGNAL_KILL_AT: killAt },
          stdio: ["ignore", "ignore", "pipe"]
        })
        let stderr = ""
        c.stderr!.on("data", (d) => {
          stderr += String(d)
        })
        c.on("exit", (code, signal) => resolve({ code, signal, stderr }))
      })
    const killed = await coordinator([], "node_progress:greenhouse:5")
    expect(killed.signal, killed.stderr.slice(-2000)).toBe("SIGKILL")
    const runId = /"type":"run_started","runId":"([^"]+)"/.exec(killed.stderr)![1]
    // The node had not committed: its units and options wait in Redis for the resume. What the queue holds names
    // the variable, never its value.
    const r = new Redis(redis.url)
    const stored = await r.get(`jobsignal:options:${runId}:greenhouse`)
    const jobs = (await leftInRedis()).jobs.filter((k) => /:u[0-9a-f]{40}$/.test(k))
    const data = await Promise.all(jobs.slice(0, 50).map((k) => r.hget(k, "data")))
    r.disconnect()
    expect(stored).toContain(`\${${URL_VAR}}`)
    expect(jobs.length).toBeGreaterThan(0)
    for (const v of [stored, ...data]) expect(v).not.toContain(process.env[URL_VAR]!)
    replay.setLatency(0)
    const resumed = await coordinator(["--resume", runId])
    expect(resumed.code, resumed.stderr.slice(-2000)).toBe(0)
    expect(await snapshot(db)).toEqual(refBoards.snapshot)
    expect(await stagedRows(db)).toBe(refBoards.staged)
    // Units queued or running when the coordinator died ran on; the resume added none again.
    expect(boardRequests().sort()).toEqual(BOARDS.map((b) => `/greenhouse/v1/boards/${b}/jobs?content=true`).sort())
    // Committed by the resume: the first run's units and both runs' options are gone.
    const left = await leftInRedis()
    expect({ jobs: left.jobs, options: left.options }).toEqual({ jobs: [], options: [] })
  }, 120_000)

  it("stop on SIGTERM after the units in hand", async () => {
    const exits = await stopWorkers(shared)
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0])
    for (const w of shared) expect(w.stderr).toMatch(/stopped after \d+ units/)
  }, 60_000)
})

it("a worker killed mid-unit: the stalled unit runs again on another worker, staged once", async () => {
  const db = join(dir, "worker-killed.duckdb")
  replay.requests.length = 0
  const running = withDb(db, run({ dag: loadDag(boardsDag("boards-worker", true), kinds) }))
  // One unit at a time, killed after fetching its third board and before handing it back.
  const doomed = startWorker(1, { JOBSIGNAL_KILL_AT: "worker_unit:3" })
  const exit = await doomed.exited
  expect(exit.signal, doomed.stderr).toBe("SIGKILL")
  const rescuer = startWorker()
  await workerStarted(rescuer)
  const { summary } = await running
  expect(summary.status).toBe("success")
  expect(await snapshot(db)).toEqual(refBoards.snapshot)
  expect(await stagedRows(db)).toBe(refBoards.staged)
  // Every board, and the one in the killed worker's hands more than once: it ran again, and was staged once. (A
  // worker too slow to renew its lock on a loaded machine also has its unit run again: delivery is at least once.)
  const requests = boardRequests()
  expect(requests.length).toBeGreaterThan(BOARDS.length)
  expect(new Set(requests).size).toBe(BOARDS.length)
  await stopWorkers([rescuer])
}, 120_000)

it("Redis restarted without AOF (the queue lost) mid-run: every awaited unit is added again; same jobs, none twice", async () => {
  const bare = await startRedis()
  const r = new Redis(bare.url)
  expect(await r.config("GET", "appendonly")).toEqual(["appendonly", "no"])
  expect(await r.config("GET", "save")).toEqual(["save", ""])
  r.disconnect()
  const ws = [startWorker(3, {}, bare.url), startWorker(3, {}, bare.url)]
  const db = join(dir, "redis-restart-no-aof.duckdb")
  replay.setLatency(150)
  const events = collectingEvents()
  let restarted: Promise<void> | undefined
  let progressAtRestart = 0
  const watch = setInterval(() => {
    const progress = events.seen.filter((e) => e.type === "node_progress").length
    if (!restarted && progress >= 4) {
      progressAtRestart = progress
      restarted = bare.restart()
    }
  }, 20)
  try {
    const { summary } = await withDb(db, run({ dag: loadDag(boardsDag("boards-no-aof", bare.url), kinds), events }))
    clearInterval(watch)
    expect(restarted, "the run ended before Redis was restarted").toBeDefined()
    await restarted
    expect(progressAtRestart).toBeLessThan(BOARDS.length)
    expect(summary.status, JSON.stringify(summary.nodes)).toBe("success")
    expect(await snapshot(db)).toEqual(refBoards.snapshot)
    expect(await stagedRows(db)).toBe(refBoards.staged)
    // The empty Redis got back what the coordinator had declared: the host group workers watch, the queue's limit.
    const after = new Redis(bare.url)
    const name = queueName({ source: "greenhouse", host: new URL(replay.url).host })
    const group = await after.hget("jobsignal:host-groups", name)
    const limit = await after.hget(`jobsignal:${name}:meta`, "concurrency")
    after.disconnect()
    expect(JSON.parse(group ?? "null")).toMatchObject({ source: "greenhouse", concurrency: 2 })
    expect(limit).toBe("2")
  } finally {
    clearInterval(watch)
    replay.setLatency(0)
    await stopWorkers(ws)
    await bare.stop()
  }
}, 90_000)

/** Polls `cond` every 50 ms, for at most 60 s (the test's own timeout is the real bound). */
const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 1200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50))
  if (!cond()) throw new Error(`never happened: ${what}`)
}

describe("jobsignal worker on SIGTERM", () => {
  it("finishes the units in hand and exits 0; signalled twice, lets them go at once and exits 1", async () => {
    const db = join(dir, "worker-sigterm.duckdb")
    replay.requests.length = 0
    replay.setLatency(1500)
    const running = withDb(db, run({ dag: loadDag(boardsDag("boards-sigterm", true), kinds) }))
    const draining = startWorker(2)
    await until(() => boardRequests().length >= 1, "a unit in the worker's hands")
    draining.child.kill("SIGTERM")
    const drained = await draining.exited
    expect(drained.code, draining.stderr).toBe(0)
    expect(draining.stderr).toMatch(/stopping: no new units; [12] in hand get up to 30 s to finish/)
    expect(Number(/stopped after (\d+) units\n/.exec(draining.stderr)?.[1])).toBeGreaterThanOrEqual(1)
    expect(draining.stderr).not.toContain("left unfinished")

    // A unit that would take 20 s: the second SIGTERM does not wait for it.
    replay.setLatency(20_000)
    const seen = boardRequests().length
    const impatient = startWorker(1)
    await until(() => boardRequests().length > seen, "a slow unit in the second worker's hands")
    impatient.child.kill("SIGTERM")
    await until(() => impatient.stderr.includes("stopping: no new units"), "the worker draining")
    impatient.child.kill("SIGTERM")
    const cut = await impatient.exited
    expect(cut.code, impatient.stderr).toBe(1)
    expect(impatient.stderr).toMatch(/SIGTERM again: stopping now[\s\S]*1 left unfinished \(grace period over\)/)

    // The unit it let go runs again once its lock expires, and the run ends as if nothing happened.
    replay.setLatency(0)
    const rescuer = startWorker()
    const { summary } = await running
    expect(summary.status).toBe("success")
    expect(await snapshot(db)).toEqual(refBoards.snapshot)
    expect(await stagedRows(db)).toBe(refBoards.staged)
    await stopWorkers([rescuer])
  }, 90_000)

  it("with Redis gone: stops at once (no unit in hand) instead of waiting for Redis, and exits 0", async () => {
    const lone = await startRedis()
    const r = new Redis(lone.url)
    // What a coordinator's node writes as it starts: a host group for the worker to take units from.
    await r.hset(
      "jobsignal:host-groups",
      "units-greenhouse-synthetic.example",
      JSON.stringify({ source: "greenhouse", host: "synthetic.example", concurrency: 2 })
    )
    r.disconnect()
    const child = spawn(process.execPath, [bin, "worker", "--redis-url", lone.url, "--lock", "2s"], {
      cwd: root,
      env: { ...process.env, JOBSIGNAL_KILL_AT: "" },
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = ""
    child.stderr!.on("data", (d) => {
      stderr += String(d)
    })
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    await until(() => stderr.includes("taking greenhouse units"), "the worker joining the host group")
    await lone.stop()
    await until(() => stderr.includes("Redis not reachable"), "the worker noticing Redis is gone")
    child.kill("SIGTERM")
    expect(await exited, stderr).toBe(0)
    expect(stderr).toMatch(/stopped after 0 units \(Redis not reachable: connections dropped\)/)
  }, 60_000)
})
