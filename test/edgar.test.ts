import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Either } from "effect"
import { join } from "node:path"
import { edgar, resolveUserAgent } from "../sources/edgar/index.ts"
import { itemsFromSummary, parseCurrentFeed } from "../sources/edgar/current.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"
import { readFileSync } from "node:fs"
import { fixturesDir } from "../sources/replay.ts"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer([edgar])
})
afterAll(() => replay.close())

const UA = "jobsignal-test tests@example.invalid"

const runEdgar = (withYaml: string, extra: { backfill?: { since: string } } = {}) => {
  const db = join(tempDir("edgar-"), "w.duckdb")
  const dag = dagFrom(`version: 1
defaults: { retry: { times: 0 } }
nodes:
  e: { source: edgar, with: { base_url: "${replay.baseUrlFor("edgar")}", ${withYaml} } }
`)
  return withDb(
    db,
    Effect.gen(function* () {
      const { summary } = yield* run({
        dag,
        ...(extra.backfill ? { backfill: { node: "e", since: extra.backfill.since } } : {})
      })
      const w = yield* Warehouse
      const node = summary.nodes.find((n) => n.node === "e")!
      const rows =
        node.status === "failed"
          ? []
          : yield* w.query<{
              origin: string
              accession: string
              company: string
              ticker: string | null
              form: string
              filed_at: string
              items: string[]
              url: string
            }>(
              "select origin, accession, company, ticker, form, filed_at::varchar as filed_at, items, url from stg_filings where run_id = $1",
              [summary.runId]
            )
      const errors = yield* w.query<{ unit: string; error_tag: string; reason: string; message: string }>(
        "select unit, error_tag, reason, message from source_errors where run_id = $1",
        [summary.runId]
      )
      const details = JSON.parse(
        (yield* w.query<{ d: string }>("select details::varchar as d from node_runs where run_id = $1 and node = 'e'", [
          summary.runId
        ]))[0].d ?? "{}"
      )
      return { node, rows, errors, details }
    })
  )
}

describe("edgar: User-Agent", () => {
  it("is required, with a contact, from with.user_agent, a ${VAR} placeholder or SEC_USER_AGENT", () => {
    const missing = resolveUserAgent({}, {})
    expect(Either.isLeft(missing) && missing.left.reason).toBe("Config")
    expect(Either.isLeft(missing) && missing.left.message).toMatch(/User-Agent.*SEC_USER_AGENT/)
    const noContact = resolveUserAgent({ user_agent: "jobsignal" }, {})
    expect(Either.isLeft(noContact) && noContact.left.message).toMatch(/no contact/)
    expect(resolveUserAgent({ user_agent: "${MY_UA}" }, { MY_UA: UA })).toEqual(Either.right(UA))
    expect(resolveUserAgent({}, { SEC_USER_AGENT: UA })).toEqual(Either.right(UA))
  })

  it("a node without one fails fatally before any request, naming the fix", async () => {
    const before = replay.requests.length
    const prev = process.env.SEC_USER_AGENT
    delete process.env.SEC_USER_AGENT
    try {
      const r = await runEdgar(`ciks: [310522]`)
      expect(r.node.status).toBe("failed")
      expect(r.node.error).toMatch(/Fatal\/Config.*User-Agent/)
      expect(replay.requests.length).toBe(before)
    } finally {
      if (prev !== undefined) process.env.SEC_USER_AGENT = prev
    }
  })
})

describe("edgar: recorded responses", { timeout: 60_000 }, () => {
  it("reads 8-Ks by CIK and by ticker (through company_tickers.json), with item codes and sec.gov links", async () => {
    const r = await runEdgar(`user_agent: "${UA}", ciks: [310522], tickers: [TSLA], current: false`)
    expect(r.node.status).toBe("success")
    const tesla = r.rows.filter((x) => x.company === "Tesla, Inc.")
    expect(tesla.filter((x) => x.form === "8-K")).toHaveLength(163)
    expect(tesla.every((x) => x.ticker === "TSLA")).toBe(true)
    const fannie = r.rows.filter((x) => x.company.startsWith("FEDERAL NATIONAL MORTGAGE"))
    expect(fannie.filter((x) => x.form === "8-K")).toHaveLength(28)
    const officer = r.rows.find((x) => x.accession === "0000310522-25-000516")!
    expect(officer.items).toEqual(["5.02"])
    expect(officer.url).toBe(
      "https://www.sec.gov/Archives/edgar/data/310522/000031052225000516/0000310522-25-000516-index.htm"
    )
    // The User-Agent went out on every request (the replay server records paths only; the Http layer sets the header).
    expect(r.errors).toEqual([])
  })

  it("an unknown ticker fails its unit alone, named", async () => {
    const r = await runEdgar(`user_agent: "${UA}", ciks: [310522], tickers: [ZZZZQ], current: false`)
    expect(r.node.status).toBe("partial")
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0].message).toContain("ticker ZZZZQ is not in SEC's company_tickers.json")
  })

  it("parses the getcurrent Atom page and counts the 503 maintenance page as one skip, keeping page 1", async () => {
    const r = await runEdgar(
      `user_agent: "${UA}", current: { type: "", start: 5000, count: 100, pages: 3, watched_only: false }`
    )
    expect(r.node.status).toBe("partial")
    expect(r.rows.map((x) => x.form).sort()).toEqual([...Array(9).fill("8-K"), "8-K/A", "8-K/A"])
    expect(r.details.skipped_records).toBe(1)
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toMatchObject({ error_tag: "Skippable", reason: "Exhausted" })
    expect(r.errors[0].message).toMatch(/start=5100.*HTTP 503.*File Unavailable.*kept the 1 page/)
  })

  it("reads full-text search hits (synthetic body) and skips a hit without CIKs, counted", async () => {
    const r = await runEdgar(`user_agent: "${UA}", current: false, search: [{ q: "chief revenue officer" }]`)
    expect(r.rows.map((x) => [x.company, x.ticker, x.items])).toEqual([
      ["Example Health Plan Inc", "EXHP", ["5.02", "9.01"]],
      ["Sample Managed Care Corp", null, ["2.01", "9.01"]]
    ])
    expect(r.details.skipped_records).toBe(1)
    expect(r.errors[0].message).toContain("ciks")
  })

  it("backfill keeps filings inside the window and reaches for older submission pages", async () => {
    const r = await runEdgar(`user_agent: "${UA}", ciks: [310522], current: false`, {
      backfill: { since: "2024-01-01" }
    })
    expect(r.rows.length).toBeGreaterThan(0)
    expect(r.rows.every((x) => x.filed_at >= "2024-01-01")).toBe(true)
    // `recent` holds 2024-02 onwards here, so the page covering 2020-11..2024-02 is asked for, the older ones are not.
    // The older page overlapping the window is not recorded: a named, counted skip rather than silence.
    expect(r.errors.map((e) => e.reason)).toEqual(["NotFound"])
    expect(r.errors[0].message).toContain("CIK0000310522-submissions-001.json")
  })
})

describe("edgar: getcurrent parsing", () => {
  it("reads form, company, CIK, accession, filing date and worded items", () => {
    const page = parseCurrentFeed(
      new TextDecoder("latin1").decode(readFileSync(join(fixturesDir, "edgar/getcurrent-all-forms-start5000.atom.xml")))
    )
    expect(page.entries).toBe(100)
    expect(page.unreadable).toEqual([])
    const amc = page.filings.find((f) => f.accession === "0001411579-25-000077")!
    expect(amc).toMatchObject({
      form: "8-K",
      cik: "0001411579",
      company: "AMC ENTERTAINMENT HOLDINGS, INC.",
      filed_at: "2025-12-11",
      items: ["3.03", "5.03", "5.07", "9.01"]
    })
    expect(page.filings.find((f) => f.cik === "0000810958")!.company).toBe("CITIZENS & NORTHERN CORP")
    expect(itemsFromSummary("&lt;br&gt;Item 5.02: Departure of Directors").items).toEqual(["5.02"])
  })
})

describe("edgar: Form D mode", { timeout: 60_000 }, () => {
  it("reads the daily index's Form D / D/A rows through their primary documents", async () => {
    const r = await runEdgar(`user_agent: "${UA}", current: false, form_d: { dates: [2023-01-27, 2023-01-31] }`)
    expect(r.node.status).toBe("success")
    expect(r.errors).toEqual([])
    const d = r.rows.filter((x) => x.origin === "form_d")
    expect(d.map((x) => [x.form, x.company, x.filed_at]).sort()).toEqual([
      ["D", "1685 38th REIT, L.L.C.", "2023-01-27"],
      ["D/A", "Shepherd's Finance, LLC", "2023-01-31"]
    ])
    expect(d.find((x) => x.form === "D")!.url).toBe(
      "https://www.sec.gov/Archives/edgar/data/1961089/000000000023000001/0000000000-23-000001-index.htm"
    )
  })

  it("a day with no index (holiday, not yet out) is said, not an error", async () => {
    const r = await runEdgar(`user_agent: "${UA}", current: false, form_d: { dates: [2023-01-27, 2023-02-01] }`)
    expect(r.node.status).toBe("success")
    expect(r.rows.filter((x) => x.origin === "form_d")).toHaveLength(1)
    expect(r.errors).toEqual([])
  })

  it("without dates, reads the days before the run's day, weekends left out (or up to a backfill's end)", async () => {
    const { indexDays } = await import("../sources/edgar/form-d-fetch.ts")
    // 2026-03-09 is a Monday: the day before is Sunday, so Friday and Thursday.
    expect(indexDays({ days: 4 }, undefined, "2026-03-09")).toEqual(["2026-03-06", "2026-03-05"])
    expect(indexDays({ days: 1 }, "2026-03-04", "2026-03-09")).toEqual(["2026-03-04"])
    expect(indexDays({ dates: ["2023-01-27"] }, undefined, "2026-03-09")).toEqual(["2023-01-27"])
  })
})

describe("edgar: replay of a node's own watch list", () => {
  it("keeps the watched companies with recordings and names the ones without (no swap)", () => {
    const r = edgar.replayFor!({ tickers: ["UNH", "TSLA"], ciks: [310522, 999] })
    expect(r.options.tickers).toEqual(["TSLA"])
    expect(r.options.ciks).toEqual([310522])
    expect(r.note).toContain("no recorded filings for UNH, CIK 999")
    const none = edgar.replayFor!({ tickers: ["UNH", "HUM"] })
    expect(none.options.tickers).toEqual([])
    expect(none.note).toContain("watching none of its companies")
  })
})
