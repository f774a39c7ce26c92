/**
 * Crash recovery under SIGKILL: a real `jobsignal run` process is killed at ≥ 20 points across its
 * nodes (named kill points and random delays), then resumed with `--resume RUN_ID`; after every
 * recovery the warehouse must hold exactly the jobs of an uninterrupted run, none twice, and no
 * cursor ahead of committed data. About 25 child processes, each paying a CLI start-up (≈20 s each
 * measured at load average 15 on 2 cores), so this suite takes minutes; MAX_POINTS bounds it.
 */
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"
import { writeFileSync } from "node:fs"
import { afterAll, beforeAll, expect, it } from "vitest"
import { Warehouse } from "../sinks/warehouse.ts"
import { kinds, sources } from "../app/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import type { FixtureRoute } from "../sources/source.ts"
import { loadDag } from "../pipelines/load.ts"
import { run, tempDir, withDb } from "./support/harness.ts"

const root = join(import.meta.dirname, "..")
const tsxLoader = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist", "loader.mjs")
).href

// SYNTHETIC board names replaying the recorded GitLab board: more units (and staging batches) to
// kill between. Greenhouse ids are `<board>:<job id>`, so each board's jobs are distinct jobs.
const SYNTHETIC_BOARDS = Array.from({ length: 12 }, (_, i) => `synthetic-gitlab-${String(i + 1).padStart(2, "0")}`)
const boards = ["gitlab", "stripe", "gongio", "generalassembly", ...SYNTHETIC_BOARDS]

let replay: ReplayServer
let dagFile = ""
const dir = tempDir("jobsignal-kill-")
const refDb = join(dir, "reference.duckdb")
const db = join(dir, "killed.duckdb")

beforeAll(async () => {
  const extra: FixtureRoute[] = SYNTHETIC_BOARDS.map((b) => ({
    path: `/v1/boards/${b}/jobs`,
    file: "greenhouse/breteai-gitlab-jobs-content.json"
  }))
  replay = await startReplayServer(sources, { extraRoutes: { greenhouse: extra } })
  dagFile = join(dir, "dag.yaml")
  writeFileSync(
    dagFile,
    `
version: 1
defaults: { retry: { times: 0 } }
nodes:
  greenhouse:
    source: greenhouse
    with: { boards: [${boards.join(", ")}], base_url: "${replay.baseUrlFor("greenhouse")}", concurrency: 2, details: false }
  dedupe:
    transform: dedupe
    needs: [greenhouse]
`
  )
})
afterAll(() => replay?.close())

interface Child {
  code: number | null
  signal: NodeJS.Signals | null
  runId?: string
  stderr: string
}

/** `jobsignal run` in its own process; killed by its own kill point, or by us `killAfterMs` after run_started. */
const jobsignal = (args: string[], opts: { killAt?: string; killAfterMs?: number } = {}): Promise<Child> =>
  new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        tsxLoader,
        join(root, "pipelines/cli/main.ts"),
        "run",
        "--dag",
        dagFile,
        "--db",
        db,
        "--log-format",
        "json",
        ...args
      ],
      {
        cwd: root,
        env: { ...process.env, JOBSIGNAL_KILL_AT: opts.killAt ?? "" },
        stdio: ["ignore", "ignore", "pipe"]
      }
    )
    let stderr = ""
    let runId: string | undefined
    child.stderr!.on("data", (d) => {
      stderr += String(d)
      if (!runId) {
        const m = /"type":"run_started","runId":"([^"]+)"/.exec(stderr)
        if (m) {
          runId = m[1]
          if (opts.killAfterMs !== undefined) setTimeout(() => child.kill("SIGKILL"), opts.killAfterMs)
        }
      }
    })
    child.on("exit", (code, signal) => resolve({ code, signal, runId, stderr }))
  })

const query = <T>(file: string, sql: string) =>
  withDb(
    file,
    Effect.flatMap(Warehouse, (w) => w.query<T>(sql))
  )

/** The invariants that must hold after any crash, recovered or not. */
const checkCursors = async () => {
  const bad = await query<Record<string, unknown>>(
    db,
    `
    select c.node, c.value, c.run_id, n.status,
           (select max(coalesce(s.updated_at, s.posted_at)) from stg_jobs s
             where s.node = c.node and s.run_id in (select run_id from node_runs where node = c.node and status in ('success', 'partial'))) as committed_max
    from cursors c left join node_runs n on n.run_id = c.run_id and n.node = c.node
    where n.status is null or n.status not in ('success', 'partial') or c.value::timestamptz > committed_max`
  )
  expect(bad, "a cursor is ahead of committed data").toEqual([])
}

const snapshot = async (file: string) => ({
  jobs: (await query<{ id: string }>(file, "select id from jobs order by 1")).map((r) => r.id),
  sightings: (
    await query<{ k: string }>(
      file,
      "select source || ':' || source_id || ' -> ' || job_id as k from job_sightings order by 1"
    )
  ).map((r) => r.k)
})
type Snapshot = Awaited<ReturnType<typeof snapshot>>

/** After a completed recovery: exactly the reference's canonical jobs and sightings, each once. */
const checkJobs = async (reference: Snapshot) => {
  const now = await snapshot(db)
  expect(now.jobs.length, "duplicated canonical jobs").toBe(new Set(now.jobs).size)
  expect(now.jobs, "canonical jobs lost or invented").toEqual(reference.jobs)
  expect(now.sightings, "sightings lost, doubled or mapped elsewhere").toEqual(reference.sightings)
  const orphans = await query<{ n: number }>(
    db,
    "select count(*)::int as n from job_sightings s where not exists (select 1 from jobs j where j.id = s.job_id)"
  )
  expect(orphans[0].n).toBe(0)
}

// Named points spread over both nodes: ledger writes, between units of the fetch, the staging
// insert, each commit (tx_commit:1 greenhouse's ledger+cursor, :2 dedupe's merge, :3 dedupe's
// ledger; in a dedupe-only resume the numbering shifts), and after the last node.
const NAMED_POINTS = [
  "run_started:1",
  "node_started:greenhouse:1",
  "node_progress:greenhouse:2",
  "node_progress:greenhouse:5",
  "node_progress:greenhouse:9",
  "node_progress:greenhouse:13",
  "node_progress:greenhouse:16",
  "insert:stg_jobs:1",
  "node_progress:greenhouse:7",
  "tx_commit:1",
  "node_finished:greenhouse:1",
  "node_started:dedupe:1",
  "tx_commit:2",
  "tx_commit:3",
  "node_finished:dedupe:1",
  "run_finished:1"
]

it("survives SIGKILL at ≥ 20 points across nodes: nothing lost, nothing doubled, cursors behind commits", async () => {
  // Reference: one uninterrupted run, in process. It also migrates the file the children share.
  const { summary } = await withDb(refDb, run({ dag: loadDag(dagFile, kinds) }))
  expect(summary.status).toBe("success")
  const reference = await snapshot(refDb)
  expect(reference.sightings.length).toBeGreaterThan(40)
  const refMs = summary.ms
  await query(db, "select 1")

  let seed = 20261121
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  // The named points, then random delays until enough kills have landed (a delay past the end of a
  // short resume is not reached; the seed keeps the delays the same from run to run).
  const TARGET = 22
  const MAX_POINTS = NAMED_POINTS.length + 24
  const nextPoint = (i: number): { killAt?: string; killAfterMs?: number; label: string } => {
    if (i < NAMED_POINTS.length) return { killAt: NAMED_POINTS[i], label: NAMED_POINTS[i] }
    const ms = Math.round(random() * 0.6 * refMs)
    return { killAfterMs: ms, label: `random ${ms} ms after run_started` }
  }
  // Each process gets the next kill point. A killed run is resumed by the next process (which may be
  // killed in turn); a process that finishes is checked in full and the next one is a plain run.
  const survived: string[] = []
  const notReached: string[] = []
  let resume: string | undefined
  const log = (line: string) => void process.stderr.write(`killpoints: ${line}\n`)
  for (let i = 0; i < MAX_POINTS && (i < NAMED_POINTS.length || survived.length < TARGET); i++) {
    const point = nextPoint(i)
    const child = await jobsignal(resume ? ["--resume", resume] : [], point)
    const what = `${resume ? `resume ${resume}` : "run"} killed at ${point.label}`
    if (child.signal === "SIGKILL") {
      await checkCursors()
      survived.push(point.label)
      // A kill before run_started left no new run: resume the one before it (or run afresh).
      resume = child.runId ?? resume
      log(`${what}: killed (${survived.length})`)
      continue
    }
    expect(child.code, `${what}: exited instead\n${child.stderr.slice(-2000)}`).toBe(0)
    notReached.push(point.label)
    log(`${what}: not reached, finished`)
    await checkCursors()
    await checkJobs(reference)
    resume = undefined
  }
  if (resume) {
    const last = await jobsignal(["--resume", resume])
    expect(last.code, last.stderr.slice(-2000)).toBe(0)
    await checkCursors()
    await checkJobs(reference)
  }
  // A plain run over the recovered warehouse changes nothing either.
  const plain = await jobsignal([])
  expect(plain.code).toBe(0)
  await checkCursors()
  await checkJobs(reference)
  const [{ open }] = await query<{ open: number }>(
    db,
    "select count(*)::int as open from runs where status = 'running'"
  )
  expect(open).toBe(0)
  process.stdout.write(`kill points survived: ${survived.length} (not reached: ${notReached.join(", ") || "none"})\n`)
  expect(survived.length).toBeGreaterThanOrEqual(20)
  expect(survived.filter((p) => NAMED_POINTS.includes(p)).length).toBeGreaterThanOrEqual(12)
}, 900_000)
