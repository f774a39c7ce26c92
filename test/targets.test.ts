import { describe, expect, it, beforeAll, afterAll } from "vitest"
import { Command } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { Effect, Schema } from "effect"
import { execFile } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { parse, stringify } from "yaml"
import { Http } from "../sources/http.ts"
import { sources } from "../app/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { loadTargets, type Target } from "../targets/universe.ts"
import { boardKey, nameFromSlug } from "../targets/board-key.ts"
import { focusRule } from "../targets/build-focus.ts"
import { sourceTargets } from "../app/targets.ts"
import { kinds } from "../app/index.ts"
import { loadDag } from "../pipelines/load.ts"
import { preflight } from "../pipelines/preflight.ts"
import { companyFromToken, tokenBoards } from "../sources/boards.ts"
import {
  checkAndRecord,
  checkTargets,
  parseBaseUrlFor,
  resolveTargetsPath,
  summarize,
  type CheckRow
} from "../app/board-check.ts"
import { targetsCommand } from "../pipelines/cli/targets-command.ts"
import { dagFrom, run as runDagIn, tempDir, withDb } from "./support/harness.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

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

  it("is not what the default DAG fans out over: that is the focus list", () => {
    expect(resolveTargetsPath(join(root, "dag.yaml"), undefined)).toBe(join(root, "targets", "focus.json"))
  })
})

describe("targets/universe.json", () => {
  const companies = loadTargets(join(root, "targets", "universe.json"))
  const withBoard = companies.filter((c) => c.board != null)

  it("holds at least 20,000 boards over the nine ATS providers", () => {
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

describe("display names and the focus list", () => {
  const dag = {
    spec: { targets: "targets/focus.json", universe: "targets/universe.json" },
    resolvePath: (p: string) => join(root, p)
  }

  it("makes a bare slug readable by one rule", () => {
    expect(nameFromSlug("wealth-com")).toBe("Wealth.com")
    expect(nameFromSlug("11x-ai")).toBe("11x.ai")
    expect(nameFromSlug("people-data-labs")).toBe("People Data Labs")
    expect(nameFromSlug("peopledatalabs")).toBe("Peopledatalabs")
    expect(nameFromSlug("acme_inc")).toBe("Acme Inc")
  })

  it("names every universe company, marking the names made from a slug, with a domain only from curated or YC", () => {
    const companies = loadTargets(join(root, "targets", "universe.json"))
    for (const c of companies) {
      expect(c.name.trim(), JSON.stringify(c.board)).not.toBe("")
      expect(c.name_source, c.name).toBeDefined()
      if (c.domain) expect(["curated", "yc"], c.name).toContain(c.name_source)
    }
    const ramp = companies.find((c) => c.ats === "ashby" && c.board === "ramp")
    expect(ramp).toMatchObject({ name: "Ramp", name_source: "curated", domain: "ramp.com" })
    expect(companies.find((c) => c.ats === "ashby" && c.board === "wealth-com")).toMatchObject({ name: "Wealth.com" })
  })

  it("gives a board named in with.boards its company from the universe (Workday by tenant), and a readable name otherwise", async () => {
    const hook = sourceTargets(dag, {})
    expect(hook.companyOf!("lever", "outreach")).toEqual({ name: "Outreach", domain: "outreach.io" })
    expect(hook.companyOf!("ashby", "Wealth-Com")).toEqual({ name: "Wealth.com", domain: "wealth.com" })
    expect(hook.companyOf!("workday", { tenant: "workday", site: "site-not-recorded", instance: "wd5" })?.name).toBe(
      "Workday"
    )
    expect(hook.companyOf!("greenhouse", "synthetic-no-such-board")).toBeUndefined()
    // A name the universe only made from the slug gives way to the provider's own (Greenhouse's company_name).
    expect(hook.companyOf!("greenhouse", "mattermost")).toEqual({ name: null, domain: null })
    const ctx = {
      node: "ashby",
      runId: "t",
      baseUrl: "http://127.0.0.1:1",
      window: {},
      cursor: null,
      skip: () => Effect.void,
      log: () => Effect.void,
      ...hook
    }
    const units = await Effect.runPromise(tokenBoards("ashby", ["wealth-com", "synthetic-unlisted-board"], ctx))
    expect(units.map((u) => [u.company, u.domain])).toEqual([
      ["Wealth.com", "wealth.com"],
      [null, null]
    ])
    expect(companyFromToken("synthetic-unlisted-board")).toBe("Synthetic Unlisted Board")
  })

  it("fans out over the focus list by default and the whole universe under with.universe: all", () => {
    const focus = sourceTargets(dag, {}).targets()
    const all = sourceTargets(dag, { universe: "all" }).targets()
    expect(all.length).toBeGreaterThan(20_000)
    expect(focus.length).toBeGreaterThan(500)
    expect(focus.length).toBeLessThan(all.length / 10)
    // The focus list is the universe's entries that fit profile.yaml, by the rule build-focus.ts states.
    const fits = focusRule(parse(readFileSync(join(root, "profile.yaml"), "utf8")))
    for (const c of focus) expect(fits(c), c.name).toBeDefined()
    expect(focus.filter((c) => fits(c) === undefined)).toEqual([])
    const inFocus = new Set(focus.map((c) => `${c.ats}:${JSON.stringify(c.board)}:${c.name}`))
    expect(all.filter((c) => fits(c) !== undefined).length).toBe(inFocus.size)
  })

  it("validate checks the universe file only for a node that fans out over it", () => {
    const dir = tempDir("jobsignal-universe-")
    const write = (universeOf: string) => {
      writeFileSync(
        join(dir, "dag.yaml"),
        `version: 1\ntargets: ${join(root, "targets", "focus.json")}\nuniverse: synthetic-missing-universe.json\nnodes:\n  lever:\n    source: lever\n${universeOf}`
      )
      return preflight(loadDag(join(dir, "dag.yaml"), kinds), { env: {} }).problems.map((p) => p.message)
    }
    expect(write("").join("\n")).not.toMatch(/synthetic-missing-universe/)
    expect(write("    with: { universe: all }\n").join("\n")).toMatch(
      /synthetic-missing-universe\.json does not exist: the full target universe/
    )
  })

  it("accepts with.universe on ATS nodes only", () => {
    const ats = kinds.find((k) => k.kind === "lever")!
    const notAts = kinds.find((k) => k.kind === "remotive")!
    expect(Schema.decodeUnknownEither(ats.options as Schema.Schema<unknown>)({ universe: "all" })._tag).toBe("Right")
    expect(Schema.decodeUnknownEither(ats.options as Schema.Schema<unknown>)({ universe: "some" })._tag).toBe("Left")
    expect(
      Schema.decodeUnknownEither(notAts.options as Schema.Schema<unknown>, { onExcessProperty: "error" })({
        universe: "all"
      })._tag
    ).toBe("Left")
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

  it("reports alive with the job count, dead for a 404 token, blocked for a refusal, unknown ATS without a board", async () => {
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
    expect(byName(rows, "GitLab")).toMatchObject({ status: "alive", jobs: gitlabJobs, board: "gitlab", skipped: 0 })
    expect(byName(rows, "Dead Token Co")).toMatchObject({ status: "dead", jobs: null })
    expect(byName(rows, "Dead Token Co").detail).toMatch(/404/)
    expect(byName(rows, "Blocked Co")).toMatchObject({ status: "blocked", jobs: null })
    expect(byName(rows, "Blocked Co").detail).toMatch(/403/)
    expect(byName(rows, "No ATS Co")).toMatchObject({ status: "unknown ATS", board: "" })
    // The unknown-ATS company made no request; the dead token was asked once.
    expect(server.requests.filter((r) => r.path.includes("synthetic-dead-token"))).toHaveLength(1)
    expect(summarize(rows)).toMatchObject({ alive: 1, dead: 1, blocked: 1, errors: 0, unknown: 1, jobs: gitlabJobs })
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
        "json",
        "--db",
        join(dir, "synthetic-checks.duckdb")
      ],
      { cwd: root, timeout: 60_000 }
    )
    const out = JSON.parse(stdout) as { rows: CheckRow[]; summary: { alive: number; dead: number; unknown: number } }
    expect(out.rows.map((r) => [r.company, r.status])).toEqual([
      ["GitLab", "alive"],
      ["Dead Token Co", "dead"],
      ["No ATS Co", "unknown ATS"]
    ])
    expect(out.summary).toMatchObject({ alive: 1, dead: 1, unknown: 1 })
    expect(stderr).toMatch(/\[\d\/3\] GitLab: alive/)
    expect(stderr).toMatch(/3 companies: 1 alive \(\d+ jobs\), 1 dead, 0 moved, 0 blocked, 0 errors, 1 unknown/)
  }, 90_000)

  it("reports moved, with where to, for a board that answers from another URL", async () => {
    const to = `${server.baseUrlFor("greenhouse")}/v1/boards/gitlab/jobs?content=true`
    server.script("/greenhouse/v1/boards/synthetic-moved", [{ status: 301, headers: { location: to } }])
    const [moved] = await Effect.runPromise(
      checkTargets({
        targets: [{ name: "Moved Co", ats: "greenhouse", board: "synthetic-moved", evidence: "synthetic" }],
        baseUrls: { greenhouse: server.baseUrlFor("greenhouse") },
        timeoutMs: 10_000
      }).pipe(Effect.provide(Http.layer({ timeoutMs: 5_000 })))
    )
    expect(moved).toMatchObject({ status: "moved", jobs: gitlabJobs })
    expect(moved.detail).toMatch(/redirected to .*\/v1\/boards\/gitlab\/jobs/)
  })

  it("records each board in board_checks as it answers, and a second check resumes from there without asking again", async () => {
    const db = join(tempDir("jobsignal-checks-"), "synthetic-checks.duckdb")
    const req = {
      targets: synthetic.filter((t) => t.name !== "Blocked Co"),
      baseUrls: { greenhouse: server.baseUrlFor("greenhouse") },
      timeoutMs: 10_000
    }
    const asked = () => server.requests.filter((r) => r.path.includes("synthetic-dead-token")).length
    const first = await withDb(db, checkAndRecord(req, 24))
    const afterFirst = asked()
    expect(first.map((r) => r.status)).toEqual(["alive", "dead", "unknown ATS"])
    const recorded = await withDb(
      db,
      Effect.flatMap(Warehouse, (w) =>
        w.query<{ unit_key: string; status: string; jobs: number | null }>(
          "select unit_key, status, jobs from board_checks order by unit_key"
        )
      )
    )
    expect(recorded).toEqual([
      { unit_key: "gitlab", status: "alive", jobs: gitlabJobs },
      { unit_key: "synthetic-dead-token", status: "dead", jobs: null }
    ])
    // Resumed (as after a kill): fresh boards are reported from the table, not asked.
    const second = await withDb(db, checkAndRecord(req, 24))
    expect(second.map((r) => r.status)).toEqual(["alive", "dead", "unknown ATS"])
    expect(second[1].detail).toMatch(/^recorded 20\d\d-/)
    expect(asked()).toBe(afterFirst)
    // --fresh-hours 0 asks every board again.
    await withDb(db, checkAndRecord(req, 0))
    expect(asked()).toBe(afterFirst + 1)

    // An ATS node leaves out the board recorded dead, and says so.
    const dag = dagFrom(`version: 1
nodes:
  gh: { source: greenhouse, with: { base_url: "${server.baseUrlFor("greenhouse")}", boards: [gitlab, synthetic-dead-token], details: false } }
`)
    const { summary, events } = await withDb(db, runDagIn({ dag }))
    expect(summary.nodes[0].status).toBe("success")
    expect(asked()).toBe(afterFirst + 1)
    expect(JSON.stringify((events as unknown as { seen: unknown[] }).seen)).toMatch(
      /1 board\(s\) left out: recorded dead/
    )
  }, 60_000)

  it("keeps at most 6 requests in flight per host by default", async () => {
    let inFlight = 0
    let peak = 0
    const slow = createServer((_req, res) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      setTimeout(() => {
        inFlight--
        res.writeHead(200, { "content-type": "application/json" }).end('{"jobs":[]}')
      }, 500)
    })
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", r))
    try {
      const port = (slow.address() as AddressInfo).port
      // Greenhouse's own limits (16 at once, 20 a second) would put ~10 in flight at 500 ms a board.
      const many: Target[] = Array.from({ length: 24 }, (_, i) => ({
        name: `Synthetic ${i}`,
        ats: "greenhouse",
        board: `synthetic-${i}`,
        evidence: "synthetic"
      }))
      const rows = await Effect.runPromise(
        checkTargets({ targets: many, baseUrls: { greenhouse: `http://127.0.0.1:${port}` }, concurrency: 30 }).pipe(
          Effect.provide(Http.layer({ timeoutMs: 5_000 }))
        )
      )
      expect(rows.every((r) => r.status === "alive")).toBe(true)
      expect(peak).toBeLessThanOrEqual(6)
      expect(peak).toBeGreaterThanOrEqual(4)
    } finally {
      slow.close()
    }
  })

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
