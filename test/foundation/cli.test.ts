import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { greenhouse } from "../../sources/greenhouse/index.ts"
import { startReplayServer, type ReplayServer } from "../../sources/replay.ts"
import { cli } from "../support/cli.ts"
import { tempDir } from "../support/harness.ts"
import { consoleEvents } from "../../pipelines/console.ts"

let replay: ReplayServer
let dir: string
beforeAll(async () => {
  replay = await startReplayServer([greenhouse])
  dir = tempDir()
})
afterAll(() => replay.close())

const writeDag = (name: string, boards: string[]) => {
  const file = join(dir, name)
  writeFileSync(file, `version: 1
defaults: { retry: { times: 0 } }
nodes:
  gh: { source: greenhouse, with: { base_url: "${replay.baseUrlFor("greenhouse")}", boards: [${boards.join(", ")}] } }
  dedupe: { transform: dedupe, needs: [gh] }
`)
  return file
}

describe("jobsignal CLI", { timeout: 240_000 }, () => {
  it("--help lists the commands", async () => {
    const r = await cli(["--help"])
    expect(r.code).toBe(0)
    for (const c of ["run", "plan", "validate", "backfill", "sql", "runs"]) expect(r.stdout).toContain(c)
  })

  it("validate exits non-zero listing every problem with file:line and path", async () => {
    const bad = join(dir, "bad.yaml")
    writeFileSync(bad, "version: 1\nnodes:\n  a: { source: nope }\n  b: { transform: dedupe, needs: [zz] }\n")
    const r = await cli(["validate", "--dag", bad])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("2 problems")
    expect(r.stderr).toContain(`${bad}:3  nodes.a.source: unknown source kind "nope"`)
    expect(r.stderr).toContain(`${bad}:4  nodes.b.needs[0]`)
    // edgar's user_agent is "${SEC_USER_AGENT}": unset, the shipped DAG names that field; set, it is valid.
    const noUa = await cli(["validate", "--dag", "dag.yaml"], { SEC_USER_AGENT: "" })
    expect(noUa.code).toBe(1)
    expect(noUa.stderr).toMatch(/dag\.yaml:\d+  nodes\.edgar\.with\.user_agent: \$\{SEC_USER_AGENT\} is not set/)
    const ok = await cli(["validate", "--dag", "dag.yaml"], { SEC_USER_AGENT: "jobsignal test@example.com" })
    expect(ok.code).toBe(0)
  })

  it("run, runs and sql work on one warehouse; a failed run exits 1", async () => {
    const db = join(dir, "cli.duckdb")
    const good = await cli(["run", "--dag", writeDag("good.yaml", ["gitlab", "stripe"]), "--db", db])
    expect(good.stderr).toContain("✓ dedupe success")
    expect(good.code).toBe(0)
    expect(good.stdout).toContain(`warehouse ${db}`)
    const json = await cli(["sql", "select company, count(*)::int as n from jobs group by 1 order by 1", "--format", "json", "--db", db])
    expect(JSON.parse(json.stdout)).toEqual([{ company: "GitLab", n: 3 }, { company: "Stripe", n: 3 }])
    const failed = await cli(["run", "--dag", writeDag("dead.yaml", ["nope"]), "--db", db])
    expect(failed.code).toBe(1)
    expect(failed.stdout).toMatch(/gh\s+greenhouse\s+failed/)
    const runs = await cli(["runs", "--db", db, "--format", "csv"])
    expect(runs.stdout.split("\n")[0]).toContain("run_id,mode,status")
    expect(runs.stdout).toContain(",failed,")
    const env = await cli(["sql", "select count(*)::int as n from runs", "--format", "csv"], { JOBSIGNAL_DB: db })
    expect(env.stdout.trim()).toBe("n\n2")
  })

  it("plan prints levels and backfill rejects a bad date", async () => {
    const plan = await cli(["plan", "--dag", writeDag("p.yaml", ["gitlab"])])
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain("level 1 (parallel): gh")
    expect(plan.stdout).toContain("level 2 (parallel): dedupe")
    const bf = await cli(["backfill", "gh", "--since", "last week", "--dag", writeDag("b.yaml", ["gitlab"]), "--db", join(dir, "b.duckdb")])
    expect(bf.code).not.toBe(0)
    expect(bf.stderr).toContain("--since must be a date like 2026-01-31")
  })
})

describe("terminal progress", () => {
  it("redraws a fan-out's progress line at most 10 times a second, and always its last unit", () => {
    const writes: string[] = []
    const tty = { isTTY: true, write: (s: string) => void writes.push(s) } as unknown as NodeJS.WriteStream
    const events = consoleEvents("text", tty)
    for (let done = 1; done <= 500; done++) events.emit({ type: "node_progress", node: "greenhouse", done, total: 500, rows: done * 3 })
    const drawn = writes.filter((w) => w.includes("units"))
    expect(drawn.length).toBeLessThanOrEqual(3)
    expect(drawn[0]).toContain("greenhouse: 1/500 units")
    expect(drawn.at(-1)).toContain("greenhouse: 500/500 units, 1500 rows")
  })
})
