import { Effect } from "effect"
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { collectingEvents } from "../pipelines/events.ts"
import { acquireNodeLocks, lockDirFor } from "../pipelines/schedule/lock.ts"
import { setPaused } from "../pipelines/schedule/pauses.ts"
import { makeScheduler } from "../pipelines/schedule/scheduler.ts"
import { firesBetween, triggersOf } from "../pipelines/schedule/triggers.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { sources } from "../app/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { dagFrom, tempDir, testLayer, withDb } from "./support/harness.ts"

const root = join(import.meta.dirname, "..")
let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer(sources)
})
afterAll(() => replay?.close())

const dagText = (opts: { cron?: string; overlap?: string; catchUp?: string } = {}) => `
version: 1
schedule: { overlap: ${opts.overlap ?? "skip"}, catch_up: ${opts.catchUp ?? "none"}, timezone: UTC }
nodes:
  greenhouse:
    source: greenhouse
    schedule: "${opts.cron ?? "0 6 */2 * *"}"
    with: { boards: [gitlab, stripe, gongio], base_url: "${replay.baseUrlFor("greenhouse")}" }
  dedupe:
    transform: dedupe
    needs: [greenhouse]
  report_daily:
    transform: dedupe
    needs: [dedupe]
    schedule: "0 7 * * *"
`

/** A pid that certainly belongs to no process: one that has just exited. */
/** Two Greenhouse sources on one schedule (and whatever nodes `more` adds). */
const twoBoards = (cron: string, more = "") => `
version: 1
nodes:
  boards_a:
    source: greenhouse
    schedule: "${cron}"
    with: { boards: [gitlab], base_url: "${replay.baseUrlFor("greenhouse")}" }
  boards_b:
    source: greenhouse
    schedule: "${cron}"
    with: { boards: [stripe], base_url: "${replay.baseUrlFor("greenhouse")}" }
${more}`

const deadPid = () => spawnSync(process.execPath, ["-e", "0"]).pid!

describe("triggers", () => {
  it("a schedule runs its node and the unscheduled nodes downstream, not those of another schedule", () => {
    const t = triggersOf(dagFrom(dagText()))
    expect(t.map((x) => [x.name, x.only])).toEqual([
      ["greenhouse", ["dedupe", "greenhouse"]],
      ["report_daily", ["report_daily"]]
    ])
  })

  it("lists the fires missed between two times, in the schedule's timezone", () => {
    const f = firesBetween("0 6 */2 * *", new Date("2026-11-01T05:00:00Z"), new Date("2026-11-03T07:00:00Z"), {
      timezone: "UTC"
    })
    expect(f.map((d) => d.toISOString())).toEqual(["2026-11-01T06:00:00.000Z", "2026-11-03T06:00:00.000Z"])
    const ny = firesBetween("0 6 * * *", new Date("2026-11-01T05:00:00Z"), new Date("2026-11-02T12:00:00Z"), {
      timezone: "America/New_York"
    })
    expect(ny.map((d) => d.toISOString())).toEqual(["2026-11-01T11:00:00.000Z", "2026-11-02T11:00:00.000Z"])
    expect(
      firesBetween("0 6 * * *", new Date("2026-11-01T06:00:00Z"), new Date("2026-11-01T07:00:00Z"), { timezone: "UTC" })
    ).toEqual([])
  })
})

describe("node locks", () => {
  it("refuses a second holder in this process, all or nothing, and frees on release", () => {
    const db = join(tempDir(), "w.duckdb")
    const a = acquireNodeLocks(db, ["greenhouse", "dedupe"], "test a")
    expect(a.ok).toBe(true)
    const b = acquireNodeLocks(db, ["lever", "dedupe"], "test b")
    expect(b.ok).toBe(false)
    if (!b.ok) expect(b.heldBy).toMatchObject({ node: "dedupe", pid: process.pid, purpose: "test a" })
    // "lever" was taken and given back when "dedupe" was refused
    expect(readdirSync(lockDirFor(db)).sort()).toEqual(["dedupe.lock", "greenhouse.lock"])
    if (a.ok) a.release()
    expect(readdirSync(lockDirFor(db))).toEqual([])
    const c = acquireNodeLocks(db, ["dedupe"], "test c")
    expect(c.ok).toBe(true)
    if (c.ok) c.release()
  })

  it("refuses a node held by another live process and takes over one left by a dead process", async () => {
    const db = join(tempDir(), "w.duckdb")
    const script = join(tempDir(), "hold.ts")
    writeFileSync(
      script,
      `import { acquireNodeLocks } from ${JSON.stringify(join(root, "pipelines/schedule/lock.ts"))}
const r = acquireNodeLocks(${JSON.stringify(db)}, ["greenhouse"], "other process")
process.stdout.write(r.ok ? "held\\n" : "refused\\n")
setTimeout(() => {}, 60_000)
`
    )
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"]
    })
    await new Promise<void>((ok) => child.stdout!.on("data", (d) => String(d).includes("held") && ok()))
    const r = acquireNodeLocks(db, ["greenhouse"], "me")
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.heldBy.pid).toBe(child.pid)
    child.kill("SIGKILL")
    await new Promise((ok) => child.on("exit", ok))
    // SIGKILL left the file behind; its pid is gone, so the lock is taken over.
    expect(existsSync(join(lockDirFor(db), "greenhouse.lock"))).toBe(true)
    const t = acquireNodeLocks(db, ["greenhouse"], "me")
    expect(t.ok).toBe(true)
    if (t.ok) {
      expect(t.tookOver.map((h) => h.pid)).toEqual([child.pid])
      t.release()
    }
  })

  it("takes over a lock file naming a dead pid", () => {
    const db = join(tempDir(), "w.duckdb")
    mkdirSync(lockDirFor(db), { recursive: true })
    const pid = deadPid()
    writeFileSync(
      join(lockDirFor(db), "dedupe.lock"),
      JSON.stringify({ node: "dedupe", pid, host: hostname(), since: "2026-01-01T00:00:00Z", purpose: "crashed" })
    )
    const r = acquireNodeLocks(db, ["dedupe"], "me")
    expect(r.ok && r.tookOver[0].pid).toBe(pid)
    if (r.ok) r.release()
  })
})

describe("scheduler (in process)", () => {
  const setup = (opts: Parameters<typeof dagText>[0]) => {
    const db = join(tempDir(), "s.duckdb")
    const lines: string[] = []
    const s = makeScheduler({
      dag: dagFrom(dagText(opts)),
      db,
      layer: testLayer(db),
      events: collectingEvents(),
      log: (l) => void lines.push(l)
    })
    const q = <T>(sql: string) =>
      withDb(
        db,
        Effect.flatMap(Warehouse, (w) => w.query<T>(sql))
      )
    return { db, s, lines, q }
  }

  it("skips a fire while the previous run of the node is going, and logs it", async () => {
    const { s, lines, q, db } = setup({ overlap: "skip" })
    replay.setLatency(150)
    try {
      const first = s.fire("greenhouse")
      await new Promise((ok) => setTimeout(ok, 20))
      expect(s.running()).toEqual(["greenhouse"])
      const second = await s.fire("greenhouse")
      expect(second.status).toBe("skipped")
      // report_daily shares dedupe with greenhouse's trigger: it waits for nothing, it is skipped too
      expect((await s.fire("report_daily")).status).toBe("skipped")
      const r = await first
      expect(r.status).toBe("ran")
      if (r.status === "ran") expect(r.summary.status).toBe("success")
    } finally {
      replay.setLatency(0)
    }
    expect(lines.filter((l) => l.startsWith("skip greenhouse")).join("\n")).toContain("previous run is still going")
    const runs = await q<{ n: number }>("select count(*)::int as n from runs")
    expect(runs[0].n).toBe(1)
    const st = await q<{ trigger: string; last_status: string }>("select trigger, last_status from schedule_state")
    expect(st).toEqual([{ trigger: "greenhouse", last_status: "success" }])
    expect(readdirSync(lockDirFor(db))).toEqual([])
    await s.stop(0)
  })

  it("skips a paused trigger's fires (saying who paused it), runs a group's other triggers, and fires again once resumed", async () => {
    const db = join(tempDir(), "paused.duckdb")
    const dag = dagFrom(twoBoards("0 6 * * *"))
    const lines: string[] = []
    const watched: string[] = []
    const s = makeScheduler({
      dag,
      db,
      layer: testLayer(db),
      events: collectingEvents(),
      log: (l) => void lines.push(l),
      watch: (label) => ({ emit: () => {}, end: (o) => void watched.push(`${label}: ${o.status}`) })
    })
    await withDb(db, setPaused("boards_a", true, "dashboard"))
    const paused = await s.fire("boards_a")
    expect(paused.status).toBe("skipped")
    if (paused.status === "skipped") expect(paused.reason).toMatch(/^paused since .* by dashboard/)
    expect(lines.join("\n")).toMatch(/skip boards_a \(scheduled\): paused since/)
    expect((await s.fire("boards_b")).status).toBe("ran")
    await withDb(db, setPaused("boards_a", false, "dashboard"))
    expect((await s.fire("boards_a")).status).toBe("ran")
    const runs = await withDb(
      db,
      Effect.flatMap(Warehouse, (w) => w.query<{ node: string }>("select node from node_runs order by node"))
    )
    expect(runs.map((r) => r.node)).toEqual(["boards_a", "boards_b"])
    // The watcher (the dashboard of `up`) saw the two runs that ran, and not the skipped fire.
    expect(watched).toEqual(["boards_b: ran", "boards_a: ran"])
    await s.stop(0)
  })

  it("runs fires that share no node at the same time, over one open warehouse", async () => {
    const db = join(tempDir(), "two.duckdb")
    const dag = dagFrom(twoBoards("0 6 * * *"))
    const s = makeScheduler({ dag, db, layer: testLayer(db), events: collectingEvents(), log: () => {} })
    const [a, b] = await Promise.all([s.fire("boards_a"), s.fire("boards_b")])
    expect([a.status, b.status]).toEqual(["ran", "ran"])
    const runs = await withDb(
      db,
      Effect.flatMap(Warehouse, (w) =>
        w.query<{ node: string; status: string }>("select node, status from node_runs order by node")
      )
    )
    expect(runs.map((r) => r.node)).toEqual(["boards_a", "boards_b"])
    await s.stop(0)
  })

  it("triggers due at the same moment make one run: both sources, then dedupe once", async () => {
    const db = join(tempDir(), "batch.duckdb")
    const dag = dagFrom(
      twoBoards(
        "* * * * * *",
        `
  dedupe:
    transform: dedupe
    needs: [boards_a, boards_b]
`
      )
    )
    const lines: string[] = []
    const s = makeScheduler({
      dag,
      db,
      layer: testLayer(db),
      events: collectingEvents(),
      log: (l) => void lines.push(l)
    })
    await s.start()
    while (!lines.some((l) => l.startsWith("fire "))) await new Promise((ok) => setTimeout(ok, 20))
    await s.stop(60_000) // lets the run finish
    const fired = lines.find((l) => l.startsWith("fire "))!
    expect(fired).toMatch(/^fire boards_(a \+ boards_b|b \+ boards_a) \(scheduled\): boards_a, boards_b, dedupe$/)
    const runs = await withDb(
      db,
      Effect.flatMap(Warehouse, (w) =>
        w.query<{ run_id: string; nodes: string }>(
          "select run_id, string_agg(node, ',' order by node) as nodes from node_runs group by 1"
        )
      )
    )
    expect(runs.map((r) => r.nodes)).toContain("boards_a,boards_b,dedupe")
  })

  it("queues a fire while the previous run is going, then runs it", async () => {
    const { s, lines, q } = setup({ overlap: "queue" })
    replay.setLatency(150)
    try {
      const first = s.fire("greenhouse")
      await new Promise((ok) => setTimeout(ok, 20))
      expect((await s.fire("greenhouse")).status).toBe("queued")
      await first
      // the queued fire starts as the first one ends
      for (let i = 0; i < 200 && s.running().length === 0; i++) await new Promise((ok) => setTimeout(ok, 10))
      while (s.running().length > 0) await new Promise((ok) => setTimeout(ok, 20))
    } finally {
      replay.setLatency(0)
    }
    expect(lines.some((l) => l.startsWith("queue greenhouse"))).toBe(true)
    const runs = await q<{ status: string }>("select status from runs order by started_at")
    expect(runs.map((r) => r.status)).toEqual(["success", "success"])
    await s.stop(0)
  })

  it("on stop, interrupts a run that outlasts the grace period and marks it interrupted", async () => {
    const { s, q, lines } = setup({})
    replay.setLatency(2_000)
    try {
      const first = s.fire("greenhouse")
      while (!lines.some((l) => l.startsWith("fire greenhouse"))) await new Promise((ok) => setTimeout(ok, 20))
      await new Promise((ok) => setTimeout(ok, 300))
      await s.stop(0)
      expect((await first).status).toBe("interrupted")
      expect((await s.fire("greenhouse")).status).toBe("skipped") // stopping: no new runs
    } finally {
      replay.setLatency(0)
    }
    const runs = await q<{ status: string }>("select status from runs")
    expect(runs.map((r) => r.status)).toEqual(["interrupted"])
    const nodes = await q<{ node: string; status: string }>("select node, status from node_runs order by node")
    expect(nodes).toEqual([
      { node: "dedupe", status: "interrupted" },
      { node: "greenhouse", status: "interrupted" }
    ])
  })

  it("catch_up: one fires once at start for fires missed while down; none only logs them", async () => {
    for (const catchUp of ["one", "none"] as const) {
      const { s, lines, q, db } = setup({ catchUp })
      await withDb(
        db,
        Effect.flatMap(Warehouse, (w) =>
          w.exec(
            "insert into schedule_state values ('greenhouse', '0 6 */2 * *', now() - interval 5 day, null, 'success', now())"
          )
        )
      )
      await s.start()
      for (let i = 0; i < 100 && s.running().length === 0; i++) await new Promise((ok) => setTimeout(ok, 10))
      while (s.running().length > 0) await new Promise((ok) => setTimeout(ok, 20))
      await s.stop(0)
      const runs = await q<{ n: number }>("select count(*)::int as n from runs")
      expect(runs[0].n).toBe(catchUp === "one" ? 1 : 0)
      expect(lines.find((l) => l.startsWith("greenhouse missed"))).toMatch(
        catchUp === "one" ? /catching up once/ : /not catching up/
      )
    }
  })
})

describe("jobsignal schedule (process)", () => {
  it("runs on its cron, and on SIGTERM (through bin/jobsignal.js) finishes cleanly, closing the warehouse", async () => {
    const dir = tempDir()
    const db = join(dir, "sched.duckdb")
    const dagFile = join(dir, "dag.yaml")
    writeFileSync(dagFile, dagText({ cron: "*/2 * * * * *" }))
    const child = spawn(
      process.execPath,
      [join(root, "bin/jobsignal.js"), "schedule", "--dag", dagFile, "--db", db, "--grace", "20s"],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] }
    )
    let err = ""
    child.stderr!.on("data", (d) => {
      err += String(d)
    })
    const exited = new Promise<number | null>((ok) => child.on("exit", (code) => ok(code)))
    for (let i = 0; i < 1500 && !/run \S+ success/.test(err); i++) await new Promise((ok) => setTimeout(ok, 100))
    expect(err).toMatch(/run \S+ success/)
    child.kill("SIGTERM")
    const code = await exited
    expect(err).toContain("SIGTERM: no new runs")
    expect(err).toContain("stopped; warehouse closed")
    expect(code).toBe(0)
    // The file opens (no other process holds it) and no run is left open.
    const open = await withDb(
      db,
      Effect.flatMap(Warehouse, (w) =>
        w.query<{ n: number }>("select count(*)::int as n from runs where status = 'running'")
      )
    )
    expect(open[0].n).toBe(0)
    expect(readdirSync(lockDirFor(db))).toEqual([])
  }, 240_000)
})
