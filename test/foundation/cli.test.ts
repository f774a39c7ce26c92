import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawn } from "node:child_process"
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { basename, join } from "node:path"
import { CliConfig, Command, CommandDescriptor, HelpDoc } from "@effect/cli"
import { HashMap, Option } from "effect"
import { greenhouse } from "../../sources/greenhouse/index.ts"
import { startReplayServer, type ReplayServer } from "../../sources/replay.ts"
import { bin, cli, ensureBuilt } from "../support/cli.ts"
import { COMMANDS } from "../../pipelines/cli/help.ts"
import { COMMANDS as CLI_COMMANDS } from "../../pipelines/cli/commands.ts"
import { tempDir } from "../support/harness.ts"
import { consoleEvents } from "../../pipelines/console.ts"

let replay: ReplayServer
let dir: string
beforeAll(async () => {
  replay = await startReplayServer([greenhouse])
  dir = tempDir()
})
afterAll(() => replay.close())

const writeDag = (name: string, boards: string[], schedule = "") => {
  const file = join(dir, name)
  writeFileSync(
    file,
    `version: 1
defaults: { retry: { times: 0 } }
nodes:
  gh: { source: greenhouse, with: { base_url: "${replay.baseUrlFor("greenhouse")}", boards: [${boards.join(", ")}] }${schedule ? `, schedule: "${schedule}"` : ""} }
  dedupe: { transform: dedupe, needs: [gh] }
`
  )
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
    expect(noUa.stderr).toMatch(/dag\.yaml:\d+ {2}nodes\.edgar\.with\.user_agent: \$\{SEC_USER_AGENT\} is not set/)
    const ok = await cli(["validate", "--dag", "dag.yaml"], { SEC_USER_AGENT: "jobsignal test@example.com" })
    expect(ok.code).toBe(0)
  })

  it("run, runs and sql work on one warehouse; a failed run exits 1", async () => {
    const db = join(dir, "cli.duckdb")
    const good = await cli(["run", "--dag", writeDag("good.yaml", ["gitlab", "stripe"]), "--db", db])
    expect(good.stderr).toContain("✓ dedupe success")
    expect(good.code).toBe(0)
    expect(good.stdout).toContain(`warehouse ${db}`)
    const json = await cli([
      "sql",
      "select company, count(*)::int as n from jobs group by 1 order by 1",
      "--format",
      "json",
      "--db",
      db
    ])
    expect(JSON.parse(json.stdout)).toEqual([
      { company: "GitLab", n: 3 },
      { company: "Stripe", n: 3 }
    ])
    const failed = await cli(["run", "--dag", writeDag("dead.yaml", ["nope"]), "--db", db])
    expect(failed.code).toBe(1)
    expect(failed.stdout).toMatch(/gh\s+greenhouse\s+failed/)
    const runs = await cli(["runs", "--db", db, "--format", "csv"])
    expect(runs.stdout.split("\n")[0]).toContain("run_id,mode,status")
    expect(runs.stdout).toContain(",failed,")
    const env = await cli(["sql", "select count(*)::int as n from runs", "--format", "csv"], { JOBSIGNAL_DB: db })
    expect(env.stdout.trim()).toBe("n\n2")
  })

  it("plan of the default dag.yaml shows each LLM node's mode in a run and in a scheduled run, and the per-job cap", async () => {
    const plan = await cli(["plan", "--dag", "dag.yaml"])
    expect(plan.code).toBe(0)
    const llmTable = plan.stdout.slice(plan.stdout.indexOf("LLM nodes"))
    const row = (node: string) =>
      llmTable
        .split("\n")
        .find((l) => l.startsWith(`${node} `))!
        .split(/\s{2,}/)
    expect(row("relevance")).toEqual(["relevance", "relevance", "fast", "gpt-5-nano", "online", "batch"])
    expect(row("fit_score")).toEqual(["fit_score", "fit_score", "fast", "gpt-5-nano", "online", "batch"])
    expect(row("intel").slice(-2)).toEqual(["online", "online"])
    expect(plan.stdout).toMatch(/\$0\.014 per job for the intel layers \(downgrade, then skip\)/)
  })

  it("plan prints levels and backfill rejects a bad date", async () => {
    const plan = await cli(["plan", "--dag", writeDag("p.yaml", ["gitlab"])])
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain("level 1 (parallel): gh")
    expect(plan.stdout).toContain("level 2 (parallel): dedupe")
    const bf = await cli([
      "backfill",
      "gh",
      "--since",
      "last week",
      "--dag",
      writeDag("b.yaml", ["gitlab"]),
      "--db",
      join(dir, "b.duckdb")
    ])
    expect(bf.code).not.toBe(0)
    expect(bf.stderr).toContain("--since must be a date like 2026-01-31")
  })
})

describe("terminal progress", () => {
  it("redraws a fan-out's progress line at most 10 times a second, and always its last unit", () => {
    const writes: string[] = []
    const tty = { isTTY: true, write: (s: string) => void writes.push(s) } as unknown as NodeJS.WriteStream
    const events = consoleEvents("text", tty)
    for (let done = 1; done <= 500; done++)
      events.emit({ type: "node_progress", node: "greenhouse", done, total: 500, rows: done * 3 })
    const drawn = writes.filter((w) => w.includes("units"))
    expect(drawn.length).toBeLessThanOrEqual(3)
    expect(drawn[0]).toContain("greenhouse: 1/500 units")
    expect(drawn.at(-1)).toContain("greenhouse: 500/500 units, 1500 rows")
  })
})

const distDir = join(import.meta.dirname, "..", "..", "dist")
/** The inputs (source files) and external packages a built chunk loads when imported: its static imports, through dist/. */
const loadedCode = (
  chunk: string,
  seen = new Set<string>(),
  out = { inputs: new Set<string>(), external: new Set<string>() }
) => {
  if (seen.has(chunk)) return out
  seen.add(chunk)
  const meta = JSON.parse(readFileSync(join(distDir, "meta.json"), "utf8")) as Record<
    string,
    {
      imports: Array<{ path: string; kind: string; external?: boolean }>
      inputs: Record<string, unknown>
    }
  >
  const entry = Object.entries(meta).find(([k]) => basename(k) === chunk)
  if (!entry) throw new Error(`${chunk} is not in dist/meta.json`)
  for (const input of Object.keys(entry[1].inputs)) out.inputs.add(input)
  for (const i of entry[1].imports) {
    if (i.kind === "dynamic-import") continue
    if (i.external) out.external.add(i.path)
    else loadedCode(basename(i.path), seen, out)
  }
  return out
}
/** The packages a built chunk loads: bundled ones count too (a chunk that holds undici runs it when imported). */
const loadedPackages = (chunk: string) => {
  const { inputs, external } = loadedCode(chunk)
  const out = new Set(external)
  for (const input of inputs) {
    // `node_modules/…`, or `../main/node_modules/…` in a worktree whose node_modules is a link.
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)
    if (m) out.add(m[1])
  }
  return out
}
/** The chunk `jobsignal NAME` imports, read from the entry's command table (bin/commonjs-chunks.js's loaders). */
const commandChunk = (name: string) => {
  const m = readFileSync(join(distDir, "main.js"), "utf8").match(
    new RegExp(`\\b${name}:\\s*\\(\\)\\s*=>\\s*__import(?:Chunk|Esm)\\("\\./([^"]+)"\\)`)
  )
  if (!m) throw new Error(`no chunk for ${name} in dist/main.js`)
  return m[1]
}
const HEAVY = ["@duckdb/node-api", "mongodb", "openai", "@anthropic-ai/sdk", "vite", "echarts"]

describe("the built CLI", { timeout: 240_000 }, () => {
  beforeAll(() => ensureBuilt())

  it("runs in one process: no child, and a SIGTERM to it stops the scheduler cleanly", async () => {
    const child = spawn(
      process.execPath,
      [bin, "schedule", "--dag", writeDag("sched.yaml", ["gitlab"], "0 6 * * *"), "--db", join(dir, "sched.duckdb")],
      { env: { ...process.env, NO_COLOR: "1" } }
    )
    let stderr = ""
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (d) => {
        stderr += String(d)
        if (stderr.includes("schedule: started")) resolve()
      })
      child.on("exit", () => reject(new Error(`exited before starting: ${stderr}`)))
    })
    // The old bin/jobsignal.js ran the CLI as a child of the started process.
    expect(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim()).toBe("")
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    child.kill("SIGTERM")
    await exited
    expect(stderr).toContain("SIGTERM: no new runs; stopping")
    expect(stderr).toContain("stopped; warehouse closed")
  })

  it("help and validate load no DuckDB, MongoDB, LLM SDK, Vite, HTTP client or HTML parser; sql loads DuckDB only", () => {
    const entry = loadedPackages("main.js")
    expect([...entry].filter((p) => !p.startsWith("node:") && !/^[a-z_]+$/.test(p))).toEqual([])
    // Each is required where it is first used (core/lazy-require.ts), so a command that only knows the node kinds
    // never loads them.
    const FETCHING = ["undici", "cheerio", "rss-parser", "entities", "htmlparser2", "fast-xml-parser"]
    for (const c of ["validate", "plan"])
      expect(
        [...loadedPackages(commandChunk(c))].filter((p) => [...HEAVY, ...FETCHING].includes(p)),
        c
      ).toEqual([])
    expect([...loadedPackages(commandChunk("sql"))].filter((p) => HEAVY.includes(p))).toEqual(["@duckdb/node-api"])
    expect([...loadedPackages(commandChunk("runs"))].filter((p) => HEAVY.includes(p))).toEqual(["@duckdb/node-api"])
    expect(readdirSync(distDir).some((f) => f.endsWith(".ts"))).toBe(false)
  })

  it("validate and plan compile the node kinds' declarations only: no connector, transform or sink implementation", () => {
    const IMPLEMENTATION =
      /^(sources\/[^/]+\/index|pipelines\/source-node|transforms\/(relevance|fit-score|dedupe\/node|signals\/index|intel\/node)|sinks\/mongo\/node)\.ts$/
    for (const c of ["validate", "plan"]) {
      const { inputs } = loadedCode(commandChunk(c))
      expect(
        [...inputs].filter((i) => IMPLEMENTATION.test(i)),
        c
      ).toEqual([])
      // What they do compile: every kind's declaration (each implementation is its own chunk, imported on first run).
      expect(inputs, c).toContain("sources/greenhouse/declaration.ts")
      expect(inputs, c).toContain("transforms/relevance-declaration.ts")
      // @effect/cli's file parsers are stubs that require the package when called (bin/build-dist.js), not bundled.
      expect(
        [...inputs].filter((i) => /node_modules\/(yaml|toml|ini)\//.test(i)),
        c
      ).toEqual([])
    }
  })

  it("every command's --help: real descriptions, `jobsignal …` usage, examples, no ANSI off a terminal, ≤ 100 columns", async () => {
    const paths = [[], ["quarantine"], ["targets"], ...COMMANDS.map((c) => c.name.split(" "))]
    for (const path of paths) {
      // NO_COLOR unset: stdout being a pipe alone must turn colour off.
      const r = await cli([...path, "--help"], { NO_COLOR: "" })
      const where = `jobsignal ${path.join(" ")} --help`
      expect(r.code, where).toBe(0)
      expect(r.stdout, where).not.toMatch(/\x1b\[/)
      expect(r.stdout, where).not.toContain("A user-defined piece of text")
      for (const line of r.stdout.split("\n")) expect(line.length, `${where}: ${line}`).toBeLessThanOrEqual(100)
      expect(r.stdout, where).toContain(`Usage:  jobsignal ${path.length ? `${path.join(" ")} ` : ""}`)
      const examples =
        r.stdout
          .split("Examples:\n")[1]
          ?.split("\n")
          .filter((l) => l.startsWith("  jobsignal ")) ?? []
      expect(examples.length, where).toBeGreaterThanOrEqual(1)
      if (path.length === 2 || (path.length === 1 && !["quarantine", "targets"].includes(path[0])))
        for (const e of examples) expect(e, where).toContain(`jobsignal ${path.join(" ")}`)
    }
    const unknown = await cli(["bogus"])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown command "bogus"')
    const badValue = await cli(["sql", "select 1", "--format", "nope"])
    expect(badValue.code).toBe(2)
    expect(badValue.stderr).toContain("Expected one of the following cases: table, csv, json")
    expect(badValue.stderr).not.toContain("ERROR (#")
  })

  it("help describes every option each command parses, and nothing it does not", async () => {
    // Each command module, as the CLI loads it (pipelines/cli/commands.ts): a new command is checked with no edit here.
    const modules = Object.fromEntries(
      await Promise.all(Object.entries(CLI_COMMANDS).map(async ([name, load]) => [name, await load()] as const))
    )
    const BUILTIN = new Set(["--completions", "--log-level", "--help", "--wizard", "--version"])
    for (const c of COMMANDS) {
      const [top, sub] = c.name.split(" ")
      const parent = modules[top as keyof typeof modules] as Command.Command<string, never, unknown, unknown>
      const doc = sub
        ? CommandDescriptor.getHelp(
            Option.getOrThrow(HashMap.get(Command.getSubcommands(parent), sub)),
            CliConfig.defaultConfig
          )
        : Command.getHelp(parent, CliConfig.defaultConfig)
      const text = HelpDoc.toAnsiText(doc).replace(/\x1b\[[0-9;]*m/g, "")
      // Each option heads its own paragraph of the OPTIONS section: "--name value".
      const parsed = new Set(
        text
          .split("\n")
          .map((l) => l.match(/^--[a-z][a-z-]*/)?.[0])
          .filter((f): f is string => !!f && !BUILTIN.has(f))
      )
      const described = new Set(c.options.map((o) => o.flag.split(" ")[0]).filter((f) => f.startsWith("--")))
      expect([...described].sort(), c.name).toEqual([...parsed].sort())
    }
  })

  it("sql is read-only unless --write, and prints BIGINT as numbers (past 2^53 as strings)", async () => {
    const db = join(dir, "sql.duckdb")
    const created = await cli([
      "sql",
      "create table t as select range::bigint as id from range(3)",
      "--db",
      db,
      "--write"
    ])
    expect(created.code).toBe(0)
    const refused = await cli(["sql", "delete from t", "--db", db])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("read-only; pass --write")
    const json = await cli([
      "sql",
      "select count(*) as n, max(id) as top, 9007199254740993::bigint as big from t",
      "--format",
      "json",
      "--db",
      db
    ])
    expect(JSON.parse(json.stdout)).toEqual([{ n: 3, top: 2, big: "9007199254740993" }])
    expect((await cli(["sql", "delete from t where id = 0", "--db", db, "--write"])).code).toBe(0)
    expect(
      JSON.parse((await cli(["sql", "select count(*) as n from t", "--format", "json", "--db", db])).stdout)
    ).toEqual([{ n: 2 }])
    const missing = await cli(["sql", "select 1", "--db", join(dir, "nope.duckdb")])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain(`cannot open warehouse ${join(dir, "nope.duckdb")}: no such file`)
  })

  it("runs RUN_ID shows each node's status, rows and error, then the source errors; the list sums no rows", async () => {
    const db = join(dir, "runs.duckdb")
    const r = await cli(["run", "--dag", writeDag("runs.yaml", ["gitlab", "nope"]), "--db", db])
    const runId = r.stdout.match(/run (\S+):/)![1]
    const show = await cli(["runs", runId, "--db", db])
    expect(show.code).toBe(0)
    expect(show.stdout).toContain(`run ${runId}: `)
    expect(show.stdout).toMatch(/gh\s+greenhouse\s+(partial|success|failed)/)
    expect(show.stdout).toMatch(/dedupe\s+dedupe\s+\w+/)
    expect(show.stdout).toMatch(/1 source error:?/)
    expect(show.stdout).toContain("nope")
    const json = JSON.parse((await cli(["runs", runId, "--db", db, "--format", "json"])).stdout)
    expect(json.nodes.map((n: { node: string }) => n.node).sort()).toEqual(["dedupe", "gh"])
    expect(json.nodes.find((n: { node: string }) => n.node === "gh").rows_out).toBe(3)
    expect(json.source_errors[0]).toMatchObject({ node: "gh", unit: expect.stringContaining("nope") })
    const list = await cli(["runs", "--db", db, "--format", "csv"])
    expect(list.stdout.split("\n")[0]).not.toContain("rows")
    const none = await cli(["runs", "no-such-run", "--db", db])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain("no run no-such-run")
  })

  it("run --dry-run prints units, requests against rate limits, LLM cost and what is missing, not a table of zeros", async () => {
    const db = join(dir, "dry.duckdb")
    const r = await cli(["run", "--dry-run", "--dag", writeDag("dry.yaml", ["gitlab", "stripe"]), "--db", db])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("dry run, nothing fetched or written")
    expect(r.stdout).toContain("would run: gh, dedupe")
    expect(r.stdout).toMatch(/gh\s+greenhouse\s+2\s+2\s+\S+\/s, \d+ at once/)
    expect(r.stdout).toContain("2 requests in all")
    expect(r.stdout).toContain("no node of this run calls an LLM")
    expect(r.stdout).not.toMatch(/rows_in/)
    const runs = await cli(["sql", "select count(*) as n from runs", "--db", db, "--format", "json"])
    expect(JSON.parse(runs.stdout)).toEqual([{ n: 0 }])
  })

  it("jobs lists what a person looks at, with the ids job takes; filters and leads answer on the same warehouse", async () => {
    const db = join(dir, "jobs.duckdb")
    expect((await cli(["run", "--dag", writeDag("jobs.yaml", ["gitlab", "stripe"]), "--db", db])).code).toBe(0)
    const all = JSON.parse((await cli(["jobs", "--db", db, "--format", "json"])).stdout) as Array<
      Record<string, unknown>
    >
    expect(all).toHaveLength(6)
    const ids = JSON.parse(
      (await cli(["sql", "select id from jobs order by id", "--db", db, "--format", "json"])).stdout
    ).map((r: { id: string }) => r.id)
    expect(all.map((j) => j.id).sort()).toEqual(ids)
    const gitlab = JSON.parse(
      (await cli(["jobs", "--company", "gitl", "--db", db, "--format", "json"])).stdout
    ) as Array<Record<string, unknown>>
    expect(gitlab.map((j) => j.company)).toEqual(["GitLab", "GitLab", "GitLab"])
    // Nothing is scored in this DAG: a tier or relevance filter leaves nothing.
    expect(JSON.parse((await cli(["jobs", "--tier", "A,B", "--db", db, "--format", "json"])).stdout)).toEqual([])
    expect(JSON.parse((await cli(["jobs", "--relevant", "--db", db, "--format", "json"])).stdout)).toEqual([])
    expect(JSON.parse((await cli(["jobs", "--since", "2999-01-01", "--db", db, "--format", "json"])).stdout)).toEqual(
      []
    )
    const bad = await cli(["jobs", "--since", "yesterday", "--db", db])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("--since must be a date like 2026-01-31")
    const leads = await cli(["leads", "--db", db, "--format", "json"])
    expect(leads.code).toBe(0)
    expect(JSON.parse(leads.stdout)).toEqual([])
  })
})
