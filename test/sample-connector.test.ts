/**
 * Adding a source is one folder and one line: the synthetic SampleATS connector (test/fixtures/sample-connector/)
 * is registered in a test-only composition built from the production one, and with nothing else edited it gets a
 * node kind, a target-universe provider, its dedupe URL key, a place in `needs: [sources.*]` and the conformance suite.
 */
import { Effect, Either, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { app, compose, connectors, sources } from "../app/index.ts"
import { composition } from "../app/composition.ts"
import { sampleAts } from "./fixtures/sample-connector/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { atsUrlKeyMacro, DEDUPE_MACROS } from "../transforms/dedupe/sql.ts"
import { conformanceSuite } from "./support/conformance.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"

const testApp = compose([...sources, sampleAts]) // the one line

describe("a connector's declaration, which validate reads without importing the connector", () => {
  it("is what the connector spreads: kind, description, options, ATS pattern, time dimension and staging table", async () => {
    for (const c of connectors) {
      const src = await c.load()
      expect([src.kind, src.description, src.options, src.ats, src.timeDimension, src.output.table], c.kind).toEqual([
        c.kind,
        c.description,
        c.options,
        c.ats,
        c.timeDimension,
        c.table
      ])
      expect(src.output.table, c.kind).toBe(c.table)
    }
  })

  it("gives the same node kinds as the imported connectors", () => {
    const view = (k: (typeof app.kinds)[number]) => [k.role, k.kind, k.description, k.stages, k.jobUrl, k.ownsTimeout]
    expect(composition.kinds.map(view)).toEqual(app.kinds.map(view))
    expect(composition.AtsProvider.literals).toEqual(app.AtsProvider.literals)
  })
})

describe("a connector registered in one place", () => {
  it("is a provider of the target universe; the production app does not know it", () => {
    expect(Either.isRight(Schema.decodeUnknownEither(testApp.AtsProvider)("sampleats"))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(app.AtsProvider)("sampleats"))).toBe(true)
    expect(testApp.AtsProvider.literals).toEqual([...app.AtsProvider.literals, "sampleats"])
    // Dedupe ranks its sightings as the employer's own (their URL is where one applies).
    expect(testApp.ats.map((a) => a.kind)).toEqual([...app.ats.map((a) => a.kind), "sampleats"])
  })

  it("is refused when its kind is already registered", () => {
    expect(() => compose([...sources, sampleAts, { ...sampleAts, description: "again" }])).toThrow(
      /source kind sampleats is registered twice/
    )
  })

  it("gets its dedupe URL key from its declared pattern, and the other ATS keep theirs", async () => {
    const keyOf = (jobUrls: ReadonlyArray<string>, url: string) =>
      withDb(
        join(tempDir(), "k.duckdb"),
        Effect.gen(function* () {
          const w = yield* Warehouse
          for (const m of [...DEDUPE_MACROS, atsUrlKeyMacro(jobUrls)]) yield* w.exec(m)
          return (yield* w.query<{ k: string | null }>("select ats_url_key($1) as k", [url]))[0].k
        })
      )
    const sample = "https://jobs.sampleats.example/acme/jobs/100203?utm_source=feed"
    expect(
      await keyOf(
        testApp.ats.map((a) => a.jobUrl),
        sample
      )
    ).toBe("jobs.sampleats.example/acme/jobs/100203")
    expect(
      await keyOf(
        app.ats.map((a) => a.jobUrl),
        sample
      )
    ).toBeNull()
    expect(
      await keyOf(
        testApp.ats.map((a) => a.jobUrl),
        "https://boards.greenhouse.io/stripe/jobs/6042172?gh_src=x"
      )
    ).toBe("boards.greenhouse.io/stripe/jobs/6042172")
    // No ATS at all: nothing is an ATS URL, not even a missing one; a quote in a pattern stays inside the SQL string.
    expect(await keyOf([], "")).toBeNull()
    expect(await keyOf(["it's\\.example/[0-9]+"], "https://it's.example/42")).toBe("it's.example/42")
  })

  describe("runs in a DAG: boards from the universe, read by dedupe through needs: [sources.*]", () => {
    let replay: ReplayServer
    beforeAll(async () => {
      replay = await startReplayServer([sampleAts])
    })
    afterAll(() => replay.close())

    it("stages the universe's sampleats boards and dedupe folds them into jobs", async () => {
      const dir = tempDir()
      writeFileSync(
        join(dir, "companies.yaml"),
        `companies:
  - { name: Acme Health, domain: acme.example, ats: sampleats, board: acme, evidence: synthetic }
  - { name: Other Co, ats: greenhouse, board: other, evidence: synthetic }
`
      )
      const dag = dagFrom(
        `version: 1
targets: companies.yaml
nodes:
  sample: { source: sampleats, with: { base_url: "${replay.baseUrlFor("sampleats")}" } }
  dedupe: { transform: dedupe, needs: [sources.*] }
`,
        dir,
        testApp.kinds
      )
      expect(dag.spec.nodes.dedupe.needs).toEqual(["sample"])
      const db = join(dir, "w.duckdb")
      const out = await withDb(
        db,
        Effect.gen(function* () {
          const { summary } = yield* run({ dag })
          const w = yield* Warehouse
          return {
            summary,
            jobs: yield* w.query<{ title: string; company: string }>("select title, company from jobs order by title")
          }
        })
      )
      expect(out.summary.nodes.map((n) => [n.node, n.status])).toEqual([
        ["sample", "success"],
        ["dedupe", "success"]
      ])
      expect(out.jobs).toEqual([
        { title: "Product Designer", company: "Acme Health" },
        { title: "Senior Data Engineer", company: "Acme Health" },
        { title: "Staff Platform Engineer", company: "Acme Health" }
      ])
    })
  })
})

describe("needs: [sources.*]", () => {
  const dagText = (dedupeNeeds: string) => `version: 1
nodes:
  gh: { source: greenhouse, with: { boards: [a] } }
  lv: { source: lever, with: { boards: [b] } }
  off: { source: ashby, enabled: false, with: { boards: [c] } }
  filings: { source: edgar, with: { tickers: [X], user_agent: "t t@example.com" } }
  dedupe: { transform: dedupe, needs: ${dedupeNeeds} }
  relevance: { transform: relevance, needs: [dedupe] }
`
  it("is every enabled source node that stages postings: not a disabled one, not a filings source", () => {
    expect(dagFrom(dagText("[sources.*]")).spec.nodes.dedupe.needs).toEqual(["gh", "lv"])
  })
  it("mixes with explicit needs, each once, and explicit needs alone stay as written", () => {
    expect(dagFrom(dagText("[lv, sources.*]")).spec.nodes.dedupe.needs).toEqual(["lv", "gh"])
    expect(dagFrom(dagText("[lv]")).spec.nodes.dedupe.needs).toEqual(["lv"])
    expect(dagFrom(dagText("[sources.*]")).spec.nodes.relevance.needs).toEqual(["dedupe"])
  })
})

conformanceSuite(testApp, (s) => s.kind === "sampleats")
