import { describe, expect, it, beforeAll, afterAll } from "vitest"
import { Command } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { stringify } from "yaml"
import { Http } from "../sources/http.ts"
import { sources } from "../app/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { loadTargets, type Target } from "../targets/universe.ts"
import { boardKey } from "../targets/board-key.ts"
import {
  checkTargets,
  parseBaseUrlFor,
  resolveTargetsPath,
  summarize,
  targetsCommand,
  type CheckRow
} from "../pipelines/cli/targets.ts"
import { tempDir } from "./support/harness.ts"

const root = join(import.meta.dirname, "..")
const run = promisify(execFile)

describe("targets/companies.yaml", () => {
  const companies = loadTargets(join(root, "targets", "companies.yaml"))

  it("decodes with the universe schema and holds at least 500 companies with unique names", () => {
    expect(companies.length).toBeGreaterThanOrEqual(500)
    const names = companies.map((c) => c.name.toLowerCase())
    expect(new Set(names).size).toBe(names.length)
  })

  it("gives every board its evidence, and no (ats, board) pair twice", () => {
    const withBoard = companies.filter((c) => c.board != null)
    expect(withBoard.length).toBeGreaterThan(0)
    for (const c of withBoard) {
      expect(c.ats, c.name).not.toBe("unknown")
      expect(c.evidence?.trim(), `${c.name} has a board but no evidence`).toBeTruthy()
    }
    const keys = withBoard.map((c) => `${c.ats}:${JSON.stringify(c.board)}`)
    const dupes = keys.filter((k, i) => keys.indexOf(k) !== i)
    expect(dupes).toEqual([])
    // Companies with no known board are listed, not given a guessed token.
    for (const c of companies.filter((c) => c.ats === "unknown")) expect(c.board ?? null, c.name).toBeNull()
  })

  it("is the universe the default DAG names", () => {
    expect(resolveTargetsPath(join(root, "dag.yaml"), undefined)).toBe(join(root, "targets", "companies.yaml"))
  })
})

describe("targets/universe.json", () => {
  const t0 = performance.now()
  const companies = loadTargets(join(root, "targets", "universe.json"))
  const loadMs = performance.now() - t0
  const withBoard = companies.filter((c) => c.board != null)

  it("holds at least 20,000 boards over the nine ATS providers, and loads in well under a second", () => {
    expect(withBoard.length).toBeGreaterThanOrEqual(20_000)
    const providers = new Set(withBoard.map((c) => c.ats))
    for (const p of [
      "greenhouse",
      "lever",
      "ashby",
      "workday",
      "smartrecruiters",
      "workable",
      "rippling",
      "gem",
      "bamboohr"
    ])
      expect(providers, p).toContain(p)
    // Measured 120-350 ms on a loaded 2-core machine; the bound only catches a regression to YAML-like seconds.
    expect(loadMs).toBeLessThan(2_000)
  })

  it("lists every board once (compared without case, Workday as tenant|instance|site), each with its evidence", () => {
    const keys = new Set<string>()
    const dupes: string[] = []
    for (const c of withBoard) {
      const k = boardKey(c.ats, c.board!)
      if (keys.has(k)) dupes.push(k)
      keys.add(k)
      expect(c.evidence?.trim(), `${c.name} (${k}) has no evidence`).toBeTruthy()
      expect(c.evidence, k).toMatch(
        /fixtures\/|kalil0321|search index|stapply-ai\/ats-scrapers@[0-9a-f]{12}|Feashliaa\/job-board-aggregator@[0-9a-f]{12}/
      )
    }
    expect(dupes).toEqual([])
  })

  it("keeps the curated and YC companies first, with their names, and writes tokens the way each provider takes them", () => {
    const known = loadTargets(join(root, "targets", "companies.yaml"))
    expect(companies.slice(0, known.length).map((c) => c.name)).toEqual(known.map((c) => c.name))
    for (const c of withBoard) {
      if (typeof c.board === "string") {
        if (c.ats !== "smartrecruiters") expect(c.board, c.name).toBe(c.board.toLowerCase())
      } else {
        expect(c.ats).toBe("workday")
        expect(c.board!.tenant).toBe(c.board!.tenant.toLowerCase())
        expect(c.board!.instance).toMatch(/^wd\d+$/)
        expect(c.board!.site).not.toMatch(/^[a-z]{2}(-[a-z]{2,4})?$/i)
      }
    }
  })
})

describe("parseBaseUrlFor", () => {
  it("takes repeated and comma-separated kind=url pairs", () => {
    expect(
      parseBaseUrlFor([
        "greenhouse=http://127.0.0.1:1/greenhouse,lever=http://127.0.0.1:1/lever",
        "ashby=https://x.test/a"
      ])
    ).toEqual({
      greenhouse: "http://127.0.0.1:1/greenhouse",
      lever: "http://127.0.0.1:1/lever",
      ashby: "https://x.test/a"
    })
  })
  it("rejects a pair that is not kind=http(s) url", () => {
    expect(() => parseBaseUrlFor(["greenhouse:http://x"])).toThrow(/--base-url-for/)
    expect(() => parseBaseUrlFor(["greenhouse=ftp://x"])).toThrow(/greenhouse=ftp/)
  })
})

describe("targets check against the replay server", () => {
  let server: ReplayServer
  const gitlabJobs = (
    JSON.parse(readFileSync(join(root, "fixtures", "greenhouse", "breteai-gitlab-jobs-content.json"), "utf8")) as {
      jobs: unknown[]
    }
  ).jobs.length
  // Synthetic universe: one recorded board, one token nothing serves, one board that refuses, one company with no known ATS.
  const synthetic: Target[] = [
    {
      name: "GitLab",
      domain: "gitlab.com",
      ats: "greenhouse",
      board: "gitlab",
      evidence: "recorded fixture",
      tags: ["saas"]
    },
    {
      name: "Dead Token Co",
      domain: "dead.example",
      ats: "greenhouse",
      board: "synthetic-dead-token",
      evidence: "synthetic",
      tags: []
    },
    {
      name: "Blocked Co",
      domain: "blocked.example",
      ats: "greenhouse",
      board: "synthetic-blocked",
      evidence: "synthetic",
      tags: []
    },
    { name: "No ATS Co", domain: "noats.example", ats: "unknown", tags: ["payer"] }
  ]
  const byName = (rows: ReadonlyArray<CheckRow>, name: string) => rows.find((r) => r.company === name)!

  beforeAll(async () => {
    server = await startReplayServer(sources)
  })
  afterAll(() => server.close())

  it("reports answered with the job count, dead for a 404 token, error for a refusal, unknown ATS without a board", async () => {
    server.script("/greenhouse/v1/boards/synthetic-blocked", [{ status: 403, body: "<html>denied</html>" }])
    const rows = await Effect.runPromise(
      checkTargets({
        targets: synthetic,
        baseUrls: { greenhouse: server.baseUrlFor("greenhouse") },
        concurrency: 4,
        timeoutMs: 10_000
      }).pipe(Effect.provide(Http.layer({ timeoutMs: 5_000 })))
    )
    expect(rows.map((r) => r.company)).toEqual(synthetic.map((t) => t.name))
    expect(byName(rows, "GitLab")).toMatchObject({ status: "answered", jobs: gitlabJobs, board: "gitlab", skipped: 0 })
    expect(byName(rows, "Dead Token Co")).toMatchObject({ status: "dead", jobs: null })
    expect(byName(rows, "Dead Token Co").detail).toMatch(/404/)
    expect(byName(rows, "Blocked Co")).toMatchObject({ status: "error", jobs: null })
    expect(byName(rows, "Blocked Co").detail).toMatch(/403/)
    expect(byName(rows, "No ATS Co")).toMatchObject({ status: "unknown ATS", board: "" })
    // The unknown-ATS company made no request; the dead token was asked once.
    expect(server.requests.filter((r) => r.path.includes("synthetic-dead-token"))).toHaveLength(1)
    expect(summarize(rows)).toMatchObject({ answered: 1, dead: 1, errors: 1, unknown: 1, jobs: gitlabJobs })
  })

  it("runs as a CLI: table on stdout, progress and summary on stderr, exit 0 though boards are dead", async () => {
    const dir = tempDir("jobsignal-targets-")
    const file = join(dir, "synthetic-targets.yaml")
    writeFileSync(file, stringify({ companies: synthetic.filter((t) => t.name !== "Blocked Co") }))
    const { stdout, stderr } = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        join(root, "pipelines", "cli", "main.ts"),
        "targets",
        "check",
        "--targets",
        file,
        "--base-url-for",
        `greenhouse=${server.baseUrlFor("greenhouse")}`,
        "--format",
        "json"
      ],
      { cwd: root, timeout: 60_000 }
    )
    const out = JSON.parse(stdout) as { rows: CheckRow[]; summary: { answered: number; dead: number; unknown: number } }
    expect(out.rows.map((r) => [r.company, r.status])).toEqual([
      ["GitLab", "answered"],
      ["Dead Token Co", "dead"],
      ["No ATS Co", "unknown ATS"]
    ])
    expect(out.summary).toMatchObject({ answered: 1, dead: 1, unknown: 1 })
    expect(stderr).toMatch(/\[\d\/3\] GitLab: answered/)
    expect(stderr).toMatch(/3 companies: 1 answered \(\d+ jobs\), 1 dead, 0 errors, 1 unknown/)
  }, 90_000)

  it("fails with exit code 2 on a config error (a targets file that does not exist), and only then", async () => {
    const cli = Command.run(Command.make("jobsignal").pipe(Command.withSubcommands([targetsCommand])), {
      name: "jobsignal",
      version: "test"
    })
    const before = process.exitCode
    const errors: string[] = []
    const write = process.stderr.write
    process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write
    try {
      await Effect.runPromise(
        cli(["node", "jobsignal", "targets", "check", "--targets", "/nonexistent/synthetic-targets.yaml"]).pipe(
          Effect.provide(NodeContext.layer)
        )
      )
      expect(process.exitCode).toBe(2)
    } finally {
      process.stderr.write = write
      process.exitCode = before
    }
    expect(errors.join("")).toMatch(/synthetic-targets\.yaml does not exist/)
  })
})
