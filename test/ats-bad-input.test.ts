/**
 * Bad input against the loopback server, for every ATS connector: a dead board (404), HTML where
 * JSON was expected, truncated JSON and a record missing its id are each counted per board in
 * source_errors, the other boards and records go on; a 429 waits as long as Retry-After says.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { it as eit } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { sources } from "../app/index.ts"
import { fixturesDir, startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { lever } from "../sources/lever/index.ts"
import { Http } from "../sources/http.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { collect } from "./support/source-run.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer(sources)
})
afterAll(() => replay.close())

interface Case {
  readonly kind: string
  /** A board with a recording, and how it is written in with.boards. */
  readonly good: unknown
  readonly goodKey: string
  readonly board: (name: string) => unknown
  /** Path (under /{kind}) of a board's listing, for scripting its answer. */
  readonly listing: (name: string) => string
  readonly file: string
  readonly records: (body: any) => any[]
  readonly idField: string
  /** Options besides boards: detail fetches off, so each board's listing is all that is asked. */
  readonly extra?: Record<string, unknown>
}

const wd = (tenant: string) => ({ tenant, site: "site-not-recorded", instance: "wd5" })
const cases: ReadonlyArray<Case> = [
  {
    kind: "greenhouse",
    good: "gitlab",
    goodKey: "gitlab",
    board: (n) => n,
    listing: (n) => `/v1/boards/${n}/jobs`,
    file: "greenhouse/breteai-gitlab-jobs-content.json",
    records: (b) => b.jobs,
    idField: "id",
    extra: { details: false }
  },
  {
    kind: "lever",
    good: "palantir",
    goodKey: "palantir",
    board: (n) => n,
    listing: (n) => `/v0/postings/${n}`,
    file: "lever/intern-radar-palantir-postings.json",
    records: (b) => b,
    idField: "id"
  },
  {
    kind: "ashby",
    good: "notion",
    goodKey: "notion",
    board: (n) => n,
    listing: (n) => `/posting-api/job-board/${n}`,
    file: "ashby/breteai-notion-board.json",
    records: (b) => b.jobs,
    idField: "id"
  },
  {
    kind: "smartrecruiters",
    good: "HireVue",
    goodKey: "HireVue",
    board: (n) => n,
    listing: (n) => `/v1/companies/${n}/postings`,
    file: "smartrecruiters/candidatezero-hirevue-postings.json",
    records: (b) => b.content,
    idField: "id",
    extra: { details: false }
  },
  {
    kind: "workable",
    good: "crewai",
    goodKey: "crewai",
    board: (n) => n,
    listing: (n) => `/api/v1/widget/accounts/${n}`,
    file: "workable/candidatezero-crewai-account.json",
    records: (b) => b.jobs,
    idField: "shortcode"
  },
  {
    kind: "workday",
    good: wd("workday"),
    goodKey: "workday.wd5/site-not-recorded",
    board: wd,
    listing: (n) => `/${n}.wd5.myworkdayjobs.com/wday/cxs/${n}/site-not-recorded/jobs`,
    file: "workday/candidatezero-workday-jobs.json",
    records: (b) => b.jobPostings,
    idField: "externalPath",
    extra: { details: false }
  }
]

describe.each(cases)("bad input: $kind", (c) => {
  it("counts a dead board, HTML, truncated JSON and a record without id per board, and keeps everything else", async () => {
    const raw = readFileSync(join(fixturesDir, c.file), "utf8")
    const body = JSON.parse(raw)
    const total = c.records(body).length
    delete c.records(body)[0][c.idField]
    const goodName = c.goodKey.split(".")[0]
    replay.script(`/${c.kind}${c.listing(goodName)}`, [{ status: 200, body: JSON.stringify(body) }])
    replay.script(`/${c.kind}${c.listing("html-board")}`, [
      {
        status: 200,
        body: "<!doctype html><html><body>Please enable JavaScript</body></html>",
        headers: { "content-type": "text/html" }
      }
    ])
    replay.script(`/${c.kind}${c.listing("cut-board")}`, [
      { status: 200, body: raw.slice(0, Math.floor(raw.length / 2)) }
    ])
    const boards = [c.good, c.board("dead-board"), c.board("html-board"), c.board("cut-board")]
    const dag = dagFrom(`version: 1
defaults: { retry: { times: 0 } }
nodes:
  subject: { source: ${c.kind}, with: ${JSON.stringify({ base_url: replay.baseUrlFor(c.kind), boards, ...c.extra })} }
`)
    const db = join(tempDir(), "w.duckdb")
    const { summary } = await withDb(db, run({ dag }))
    expect(summary.nodes[0]).toMatchObject({ status: "partial", rowsOut: total - 1 })
    const errs = await withDb(
      db,
      Effect.flatMap(Warehouse, (w) =>
        w.query<{ unit: string; reason: string; message: string }>(
          "select unit, reason, message from source_errors where run_id = $1 order by unit",
          [summary.runId]
        )
      )
    )
    const unitOf = (name: string) => (c.kind === "workday" ? `${name}.wd5/site-not-recorded` : name)
    const find = (name: string) => errs.filter((e) => e.unit === unitOf(name) || e.unit?.endsWith(` ${unitOf(name)}`))
    expect(find("dead-board").map((e) => e.reason)).toEqual(["NotFound"])
    expect(find("html-board").map((e) => e.reason)).toEqual(["BadBody"])
    expect(find("html-board")[0].message).toContain("HTML where JSON was expected")
    expect(find("cut-board").map((e) => e.reason)).toEqual(["BadBody"])
    expect(find("cut-board")[0].message).toContain("not valid JSON")
    const bad = errs.filter((e) => e.reason === "InvalidRecord")
    expect(bad).toHaveLength(1)
    expect(bad[0].message).toContain("record #0")
    expect(bad[0].message).toContain(c.idField)
    expect(errs).toHaveLength(4)
    const perUnit = await withDb(
      db,
      Effect.flatMap(Warehouse, (w) =>
        w.query<{ unit: string; n: number }>(
          "select unit, count(*)::int as n from stg_jobs where run_id = $1 group by 1",
          [summary.runId]
        )
      )
    )
    expect(perUnit).toEqual([{ unit: c.goodKey, n: total - 1 }])
  }, 30_000)
})

describe("429 with Retry-After", () => {
  const hits = () => replay.requests.filter((r) => r.path.startsWith("/lever/v0/postings/palantir")).length
  const until = (cond: () => boolean) =>
    Effect.promise(async () => {
      for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10))
    })
  const settle = Effect.promise(() => new Promise((r) => setTimeout(r, 150)))

  eit.effect("waits exactly as long as the server says before asking again", () =>
    Effect.gen(function* () {
      const before = hits()
      replay.script("/lever/v0/postings/palantir", [{ status: 429, headers: { "retry-after": "7" }, body: "{}" }])
      const fiber = yield* Effect.fork(collect(lever, { base_url: replay.baseUrlFor("lever"), boards: ["palantir"] }))
      yield* until(() => hits() === before + 1)
      yield* TestClock.adjust("6999 millis")
      yield* settle
      expect(hits()).toBe(before + 1)
      yield* TestClock.adjust("1 millis")
      const out = yield* Fiber.join(fiber)
      expect(hits()).toBe(before + 2)
      expect(out.records).toHaveLength(3)
      expect(out.skips).toEqual([])
    }).pipe(Effect.provide(Http.layer({ timeoutMs: 60_000 })))
  )
})
