/**
 * The CLI's warehouse commands while `jobsignal up` owns the file: run, backfill, runs, report, job and quarantine
 * print what they print on the file itself (each command is run both ways on twin warehouses and compared); a run in
 * up is followed live, cancelled by Ctrl-C in the CLI, interrupted by SIGTERM to up after its grace period and
 * resumed by `run --resume`; a second `jobsignal run` is told which command holds the file.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { cpSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { greenhouse } from "../sources/greenhouse/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { bin, cli, ensureBuilt } from "./support/cli.ts"
import { tempDir } from "./support/harness.ts"

// No provider key in any process, up's included: the layers' skipped state is part of what is compared.
const env = {
  SEC_USER_AGENT: "jobsignal-test test@example.com",
  NO_COLOR: "1",
  ANTHROPIC_API_KEY: "",
  OPENAI_API_KEY: "",
  DEEPSEEK_API_KEY: "",
  OPENROUTER_API_KEY: ""
}

let replay: ReplayServer
let dir: string
let dag: string
beforeAll(async () => {
  replay = await startReplayServer([greenhouse])
  dir = tempDir()
  dag = join(dir, "dag.yaml")
  // The example candidate the layers read, beside the DAG as in the project.
  cpSync(join(import.meta.dirname, "..", "profile"), join(dir, "profile"), { recursive: true })
  writeFileSync(
    dag,
    `version: 1
defaults: { retry: { times: 0 } }
nodes:
  gh: { source: greenhouse, schedule: "0 6 * * *", with: { base_url: "${replay.baseUrlFor("greenhouse")}", boards: [gitlab, stripe] } }
  dedupe: { transform: dedupe, needs: [gh] }
`
  )
})
afterAll(() => replay.close())

/** Run ids, clock times and durations differ between two runs; everything else must not. */
const normalize = (s: string) =>
  s
    .replace(/\d{8}T\d{6}-[0-9a-f]{6}/g, "RUN")
    .replace(/replay-RUN/g, "REPLAY")
    .replace(/\b\d\d:\d\d:\d\d\b/g, "HH:MM:SS")
    .replace(/\d{4}-\d\d-\d\d HH:MM:SS/g, "DAY HH:MM:SS")
    .replace(/\b\d+(\.\d+)? (ms|s)\b/g, "N time")
    .replace(/ +\d+\.\d+(?= |$)/gm, " N")
    .replace(/,\d+\.\d+(?=,|$)/gm, ",N")
    .replace(/(HH:MM:SS),\d+(?=,)/g, "$1,N")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/g, "ISO")
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d\b/g, "DAY HH:MM")

interface Up {
  readonly child: ChildProcess
  readonly stderr: () => string
  readonly exited: Promise<number | null>
}

const startUp = async (db: string, extra: ReadonlyArray<string> = []): Promise<Up> => {
  await ensureBuilt()
  const child = spawn(process.execPath, [bin, "up", "--port", "0", "--db", db, "--dag", dag, ...extra], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr!.on("data", (b) => {
    stderr += String(b)
  })
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)))
  for (let i = 0; i < 600 && !stderr.includes("now ask this process"); i++) await new Promise((r) => setTimeout(r, 100))
  expect(stderr).toContain("now ask this process")
  return { child, stderr: () => stderr, exited }
}

/** A CLI command started in the background, for signals while it runs. */
const startCli = (args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout!.on("data", (b) => {
    stdout += String(b)
  })
  child.stderr!.on("data", (b) => {
    stderr += String(b)
  })
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)))
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

const until = async (ok: () => boolean, what: string) => {
  for (let i = 0; i < 600 && !ok(); i++) await new Promise((r) => setTimeout(r, 100))
  if (!ok()) throw new Error(`timed out waiting for ${what}`)
}

const runIdOf = (stdout: string) => stdout.match(/run (\d{8}T\d{6}-[0-9a-f]{6}):/)![1]

describe("the CLI through jobsignal up", { timeout: 480_000 }, () => {
  it("run, backfill, runs, report, job, quarantine, dry runs, schedule, targets check and eval print the same through up as on the file", async () => {
    await ensureBuilt()
    const local = join(dir, "local.duckdb")
    const viaUp = join(dir, "via-up.duckdb")
    const out = join(dir, "reports")
    const targets = join(dir, "targets.yaml")
    writeFileSync(targets, "companies:\n  - { name: GitLab, ats: greenhouse, board: gitlab }\n")
    const commands = (db: string): ReadonlyArray<ReadonlyArray<string>> => [
      ["run", "--dag", dag, "--db", db],
      ["backfill", "gh", "--since", "2025-01-01", "--until", "2025-01-31", "--dag", dag, "--db", db],
      ["run", "--only", "nope", "--dag", dag, "--db", db],
      ["runs", "--db", db, "--format", "csv"],
      ["report", "--since", "2025-01-01", "--out", out, "--db", db, "--dag", dag],
      ["job", "no-such-job", "--ops", "dossier", "--dag", dag, "--db", db],
      ["quarantine", "list", "--status", "all", "--db", db],
      ["quarantine", "replay", "--dag", dag, "--db", db],
      // What used to open the file beside up: the dry runs (no provider key: $0 and what happens instead) …
      ["run", "--dry-run", "--dag", dag, "--db", db],
      ["backfill", "gh", "--since", "2025-01-01", "--dry-run", "--dag", dag, "--db", db],
      ["run", "--dry-run", "--only", "nope", "--dag", dag, "--db", db],
      // … the schedules: list, pause, resume and a run fired by hand …
      ["schedule", "--list", "--dag", dag, "--db", db],
      ["schedule", "--pause", "gh", "--dag", dag, "--db", db],
      ["schedule", "--pause", "gh", "--dag", dag, "--db", db],
      ["schedule", "--list", "--dag", dag, "--db", db],
      ["schedule", "--resume", "gh", "--dag", dag, "--db", db],
      ["schedule", "--pause", "nope", "--dag", dag, "--db", db],
      ["schedule", "--fire", "gh", "--dag", dag, "--db", db],
      // … the board check (it records board_checks) and the eval (its ledger rows).
      [
        "targets",
        "check",
        "--targets",
        targets,
        "--base-url-for",
        `greenhouse=${replay.baseUrlFor("greenhouse")}`,
        "--db",
        db
      ],
      ["eval", "relevance", "--db", db]
    ]
    const before: Array<{ code: number; stdout: string; stderr: string }> = []
    for (const c of commands(local)) before.push(await cli(c, env))
    // The run ran and a bad --only is refused before anything starts.
    expect(before[0].code).toBe(0)
    expect(before[0].stderr).toContain("✓ dedupe success")
    expect(before[2]).toMatchObject({ code: 2 })
    expect(before[2].stderr).toContain("no such node")
    expect(before[5].code).toBe(2)
    expect(before[8].code).toBe(0)
    expect(before[9].stdout).toContain("would run: gh → dedupe")
    expect(before[10]).toMatchObject({ code: 2 })
    expect(before[10].stderr).toContain("no such node")
    expect(before[11].stdout).toMatch(/gh\s+0 6 \* \* \*\s+dedupe, gh/)
    expect(before[12].stdout).toBe("schedule gh paused: its fires are skipped until jobsignal schedule --resume gh\n")
    expect(before[13].stdout).toBe("schedule gh was already paused\n")
    expect(before[14].stdout).toContain("paused since")
    expect(before[15].stdout).toContain("schedule gh resumed")
    expect(before[16]).toMatchObject({ code: 2 })
    expect(before[16].stderr).toContain("no schedule nope in")
    expect(before[17].code).toBe(0)
    expect(before[17].stdout).toMatch(/dedupe\s+dedupe\s+success/)
    expect(before[18].stdout).toMatch(/GitLab\s+greenhouse\s+gitlab\s+alive/)
    expect(before[19].stdout).toContain("lexical (no model)")

    const up = await startUp(viaUp)
    try {
      const after: typeof before = []
      for (const c of commands(viaUp)) after.push(await cli(c, env))
      commands(viaUp).forEach((c, i) => {
        const same = (s: string) => normalize(s.split(viaUp).join(local))
        expect({ command: c.slice(0, 2), code: after[i].code, stdout: same(after[i].stdout) }).toEqual({
          command: c.slice(0, 2),
          code: before[i].code,
          stdout: normalize(before[i].stdout)
        })
        // Progress lines of concurrent fetches come in either order; each must be there.
        const lines = (s: string) => s.split("\n").sort()
        expect({ command: c.slice(0, 2), stderr: lines(same(after[i].stderr)) }).toEqual({
          command: c.slice(0, 2),
          stderr: lines(normalize(before[i].stderr))
        })
      })
      // The layers without a provider key: the same JSON both ways, and an honest "skipped" with the reason.
      const first = await cli(["sql", "select id from jobs order by id limit 1", "--format", "csv", "--db", local], env)
      const id = first.stdout.trim().split("\n")[1]
      const job = (db: string) => cli(["job", id, "--ops", "extract", "--dag", dag, "--db", db], env)
      const [jobLocal, jobUp] = [await job(local), await job(viaUp)]
      expect(jobLocal.stderr).toContain(`job ${id}: skipped — no LLM provider key`)
      expect(JSON.parse(jobLocal.stdout)).toEqual({ jobId: id, results: { extract: "skipped" }, usd: 0 })
      expect(jobUp).toEqual(jobLocal)
      // They ran in up (a writer of its own would have been refused the file): the run and the backfill are there.
      const runs = await cli(["sql", "select count(*)::int as n from runs", "--db", viaUp, "--format", "csv"], env)
      // The run, the backfill and the schedule fired by hand.
      expect(runs.stdout.trim()).toBe("n\n3")
      const checks = await cli(
        ["sql", "select count(*)::int as n from board_checks", "--db", viaUp, "--format", "csv"],
        env
      )
      expect(checks.stdout.trim()).toBe("n\n1")
      // What makes no sense beside up says so in one line naming it, and exits non-zero.
      const upIs = new RegExp(`jobsignal up on http://127\\.0\\.0\\.1:\\d+ \\(pid ${up.child.pid}\\) owns ${viaUp}`)
      for (const c of [
        ["schedule", "--dag", dag, "--db", viaUp],
        ["serve", "--port", "0", "--dag", dag, "--db", viaUp],
        ["up", "--port", "0", "--dag", dag, "--db", viaUp],
        ["search", "data engineer", "--replay", "--save", "--db", viaUp]
      ]) {
        const r = await cli(c, env)
        expect({ command: c[0], code: r.code }).toEqual({ command: c[0], code: 2 })
        expect(r.stderr.trim().split("\n")).toHaveLength(1)
        expect(r.stderr).toMatch(upIs)
      }
    } finally {
      up.child.kill("SIGTERM")
    }
    expect(await up.exited).toBe(0)
  })

  it("Ctrl-C in the CLI cancels its run in up; SIGTERM to up interrupts a run after the grace; --resume finishes it", async () => {
    await ensureBuilt()
    const db = join(dir, "signals.duckdb")
    const up = await startUp(db, ["--grace", "1s"])
    try {
      replay.setLatency(4_000)
      // Ctrl-C in the CLI: the run stops in up, and the ledger says so.
      const first = startCli(["run", "--dag", dag, "--db", db])
      await until(() => first.stderr().includes("▶ gh"), "the first run to start in up")
      first.child.kill("SIGINT")
      await first.exited
      const ledger = await cli(["runs", "--db", db, "--format", "csv"], env)
      expect(ledger.stdout).toMatch(/,run,interrupted,/)

      // SIGTERM to up with a run in flight: a grace period, then the run is interrupted and the CLI says how to resume.
      const second = startCli(["run", "--dag", dag, "--db", db])
      await until(() => second.stderr().includes("▶ gh"), "the second run to start in up")
      up.child.kill("SIGTERM")
      expect(await up.exited).toBe(0)
      expect({ code: await second.exited, stderr: second.stderr() }).toMatchObject({ code: 1 })
      expect(up.stderr()).toMatch(/waiting up to 1 s for jobsignal run to finish/)
      expect(up.stderr()).toContain("interrupting jobsignal run")
      const resume = second.stderr().match(/jobsignal run --resume (\S+) continues it/)
      expect(resume, second.stderr()).not.toBeNull()
      const runs = await cli(
        ["sql", `select status from runs where run_id = '${resume![1]}'`, "--db", db, "--format", "csv"],
        env
      )
      expect(runs.stdout.trim()).toBe("status\ninterrupted")

      replay.setLatency(0)
      const resumed = await cli(["run", "--resume", resume![1], "--dag", dag, "--db", db], env)
      expect(resumed.code).toBe(0)
      // gh is partial on the recordings (three detail pages answer 404), and nothing is left undone.
      expect(resumed.stdout).toMatch(/gh\s+greenhouse\s+partial/)
      expect(resumed.stdout).toMatch(/dedupe\s+dedupe\s+success/)
      const shown = await cli(["runs", runIdOf(resumed.stdout), "--db", db], env)
      expect(shown.stdout).toContain(`resumes ${resume![1]}`)
    } finally {
      replay.setLatency(0)
      up.child.kill("SIGTERM")
    }
  })

  it("a second jobsignal run is told which command and pid hold the file", async () => {
    await ensureBuilt()
    const db = join(dir, "held.duckdb")
    replay.setLatency(4_000)
    const holder = startCli(["run", "--dag", dag, "--db", db])
    try {
      await until(() => holder.stderr().includes("▶ gh"), "the holding run to start")
      const second = await cli(["run", "--dag", dag, "--db", db], env)
      expect(second.code).toBe(2)
      expect(second.stderr).toContain(`is held by \`jobsignal run\` (pid ${holder.child.pid})`)
      expect(second.stderr).not.toContain("/usr/bin/node")
    } finally {
      replay.setLatency(0)
      holder.child.kill("SIGTERM")
      await holder.exited
    }
  })
})
