/**
 * `jobsignal up` owns the warehouse; while it runs, the CLI's queries go through its API and print what they print on
 * the file, writes need --write, and a writer of its own is told who holds the file. SIGTERM stops it cleanly.
 */
import { spawn } from "node:child_process"
import { existsSync, statSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { bin, cli, ensureBuilt } from "./support/cli.ts"
import { tempDir } from "./support/harness.ts"

const env = { SEC_USER_AGENT: "jobsignal-test test@example.com", NO_COLOR: "1" }

describe("jobsignal up", () => {
  it("serves the CLI's queries while it owns the warehouse, and stops on SIGTERM", async () => {
    await ensureBuilt()
    const db = join(tempDir(), "up.duckdb")
    // Before: the same query on the file itself, for the comparison below.
    expect((await cli(["sql", "create table t as select 41 + 1 as answer", "--db", db, "--write"], env)).code).toBe(0)
    const direct = await cli(["sql", "select answer, 2::bigint as big from t", "--db", db], env)

    const child = spawn(process.execPath, [bin, "up", "--replay", "--port", "0", "--db", db], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = ""
    child.stderr.on("data", (b) => {
      stderr += String(b)
    })
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)))
    try {
      for (let i = 0; i < 600 && !stderr.includes("now ask this process"); i++)
        await new Promise((r) => setTimeout(r, 100))
      expect(stderr).toContain("now ask this process")
      expect(stderr).toMatch(/dashboard and API on http:\/\/127\.0\.0\.1:\d+\//)
      const upFile = `${db}.up.json`
      expect(statSync(upFile).mode & 0o777).toBe(0o600)

      const viaUp = await cli(["sql", "select answer, 2::bigint as big from t", "--db", db], env)
      expect(viaUp).toEqual(direct)
      expect(viaUp.stdout).toContain("42")

      const refused = await cli(["sql", "drop table t", "--db", db], env)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain("pass --write")
      const written = await cli(["sql", "insert into t values (7)", "--db", db, "--write"], env)
      expect(written.code).toBe(0)
      expect((await cli(["sql", "select count(*) as n from t", "--db", db, "--format", "json"], env)).stdout).toContain(
        '"n": 2'
      )
      expect((await cli(["runs", "--db", db], env)).code).toBe(0)

      // A queue action goes through up's API too, and the queue read through it leaves the job out.
      const job = `insert into jobs (id, source, source_id, title, company, first_seen, last_seen)
        values ('q1', 'greenhouse', 'a:1', 'Data Engineer', 'Acme', '2025-06-01', '2025-06-01')`
      expect((await cli(["sql", job, "--db", db, "--write"], env)).code).toBe(0)
      const dismissed = await cli(["today", "dismiss", "q1", "--db", db], env)
      expect(dismissed.stderr).toBe("")
      expect(dismissed.stdout).toContain("q1: dismiss")
      expect((await cli(["today", "--as-of", "2025-06-02", "--db", db], env)).stdout).toContain("0 item(s)")

      // The dry run is answered by up (it used to open the file and be refused the lock).
      const run = await cli(["run", "--dry-run", "--only", "hn", "--db", db], env)
      expect(run.code).toBe(0)
      expect(run.stdout).toContain("would run: hn")
      // A command that makes no sense beside up is told who owns the file, not "/usr/bin/node (PID …)".
      const schedule = await cli(["schedule", "--db", db], env)
      expect(schedule.code).toBe(2)
      expect(schedule.stderr).toMatch(
        /jobsignal up on http:\/\/127\.0\.0\.1:\d+ \(pid \d+\) owns .* already fires its schedules/
      )
      expect(schedule.stderr).not.toContain("/usr/bin/node")
    } finally {
      child.kill("SIGTERM")
    }
    expect(await exited).toBe(0)
    expect(stderr).toContain("stopped; warehouse closed")
    expect(existsSync(`${db}.up.json`)).toBe(false)
    // Without up, the same command opens the file again.
    expect(await cli(["sql", "select answer, 2::bigint as big from t where answer = 42", "--db", db], env)).toEqual(
      direct
    )
  }, 180_000)
})
