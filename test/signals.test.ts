import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { rss } from "../sources/rss/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"
import { extractNews } from "../transforms/signals/extract.ts"
import { moneyIn } from "../transforms/signals/money.ts"
import { typeFiling } from "../transforms/signals/filings.ts"
import { hiringSpikes } from "../transforms/signals/velocity.ts"
import { CompanyIndex } from "../transforms/signals/companies.ts"

describe("news extraction", () => {
  it("reads funding: company, round, amount, currency, lead investors, with the sentence", () => {
    const e = extractNews({
      title:
        "Prior-auth startup Acmeo Health lands $25 million Series B led by Example Ventures and Sample Capital, with participation from Other Fund"
    })
    expect(e).toMatchObject({
      type: "funding",
      company: "Acmeo Health",
      round: "series_b",
      amount: 25e6,
      currency: "USD",
      leadInvestors: ["Example Ventures", "Sample Capital"]
    })
    expect(e.evidence).toContain("lands $25 million")
    expect(extractNews({ title: "Quillfish raises €4.5M pre-seed" })).toMatchObject({
      company: "Quillfish",
      round: "pre_seed",
      amount: 4.5e6,
      currency: "EUR"
    })
    expect(extractNews({ title: "Lumen Labs secures $40M in venture debt" })).toMatchObject({
      round: "debt",
      amount: 40e6
    })
    expect(
      extractNews({
        title: "Hexa Bio closes growth round",
        summary: "Hexa Bio closed a $120 million growth equity round."
      })
    ).toMatchObject({ company: "Hexa Bio", round: "growth", amount: 120e6 })
    // Lead investors stated only in the body are picked up from the funding sentence there.
    const body = extractNews({
      title: "Configu raises a $3M pre-seed round",
      content:
        "Nobody loves config. The company this week announced a $3 million pre-seed funding round, led by Cardumen Capital. More text."
    })
    expect(body.leadInvestors).toEqual(["Cardumen Capital"])
  })

  it("does not read losses, prizes, market stories, old deals or fund raises as funding", () => {
    for (const title of [
      "Jumia expects losses not to exceed $100M this year, per Q3 financials",
      "The pre-seed market is recovering, but investors increasingly have the upper hand",
      "Chicken Soup for the Soul Entertainment cuts costs a year after buying Redbox",
      "Example Ventures raises $300M for its fifth fund",
      "Acme wins $1M prize at Disrupt"
    ])
      expect(extractNews({ title }).type, title).not.toBe("funding")
  })

  it("reads leadership, acquisitions and awards; an unparsed headline is low-confidence press with no company", () => {
    expect(extractNews({ title: "Acmeo Health names Dana Whitfield as chief revenue officer" })).toMatchObject({
      type: "leadership_change",
      company: "Acmeo Health",
      person: "Dana Whitfield",
      role: "chief revenue officer"
    })
    expect(extractNews({ title: "Jane Smith joins Oscar Health as CFO" })).toMatchObject({
      type: "leadership_change",
      company: "Oscar Health",
      person: "Jane Smith",
      role: "CFO"
    })
    expect(extractNews({ title: "Northwind Health to acquire Tailspin Analytics for $80M" })).toMatchObject({
      type: "acquisition",
      company: "Northwind Health",
      target: "Tailspin Analytics"
    })
    expect(extractNews({ title: "Brightpath Labs wins 2025 Digital Health Award" })).toMatchObject({
      type: "award",
      company: "Brightpath Labs"
    })
    expect(extractNews({ title: "Ten things we learned at the health-tech summit" })).toEqual({
      type: "press",
      company: null,
      evidence: "Ten things we learned at the health-tech summit",
      confidence: 0.2
    })
  })

  it("parses money in the forms outlets write it", () => {
    expect(
      moneyIn("raised US$1.2B, then £500,000 and USD 40m and 5 million euros").map((m) => [m.amount, m.currency])
    ).toEqual([
      [1.2e9, "USD"],
      [5e5, "GBP"],
      [40e6, "USD"],
      [5e6, "EUR"]
    ])
  })
})

describe("8-K typing", () => {
  it("gives one signal per mapped item type, none for results/exhibits, less confidence for amendments", () => {
    expect(typeFiling({ form: "8-K", items: ["1.01", "5.02", "9.01"], item_text: null }).map((s) => s.type)).toEqual([
      "material_agreement",
      "leadership_change"
    ])
    expect(typeFiling({ form: "8-K", items: ["2.02", "9.01"], item_text: null })).toEqual([])
    expect(typeFiling({ form: "8-K", items: ["2.01"], item_text: null })[0]).toMatchObject({
      type: "acquisition",
      evidence: "Item 2.01: Completion of Acquisition or Disposition of Assets"
    })
    expect(
      typeFiling({ form: "8-K/A", items: ["5.03"], item_text: "Item 5.03: Amendments to Articles" })[0]
    ).toMatchObject({ type: "governance", confidence: 0.5, evidence: "Item 5.03: Amendments to Articles" })
    expect(typeFiling({ form: "8-K", items: ["8.01"], item_text: null })[0].type).toBe("other")
    expect(typeFiling({ form: "10-K", items: ["5.02"], item_text: null })).toEqual([])
  })
})

describe("hiring velocity", () => {
  const day = (d: number) => new Date(Date.parse("2025-03-10T12:00:00Z") - d * 86_400_000).toISOString()
  const roles = (key: string, days: number[]) =>
    days.map((d, i) => ({ company_key: key, company: key, title: `Role ${i}`, opened_at: day(d) }))
  it("spikes at ≥ 5 new roles in 7 days and ≥ ratio × the company's own weekly baseline", () => {
    const s = hiringSpikes(
      [
        ...roles("spiky", [0, 1, 2, 3, 4, 5, 20]),
        ...roles("steady", [0, 1, 2, 3, 4, ...Array.from({ length: 32 }, (_, i) => 8 + i)]),
        ...roles("small", [0, 1, 2, 3])
      ],
      { asOf: "2025-03-10", minNew: 5, ratio: 2, baselineWeeks: 8 }
    )
    expect(s.map((x) => [x.company_key, x.newRoles, x.baselinePerWeek, x.baselineKnown])).toEqual([
      ["spiky", 6, 0.13, true]
    ])
  })
})

describe("company universe", () => {
  it("keys by domain first, folds spellings into one row with aliases, and re-keys a name-only row when its domain appears", () => {
    const idx = new CompanyIndex([], "2025-03-10T00:00:00Z")
    const a = idx.observe({ source: "jobs", name: "Acmeo Health, Inc." })
    expect(a).toBe("acmeo health")
    const b = idx.observe({ source: "yc", name: "Acmeo Health", domain: "https://www.acmeo.health/", is_hiring: true })
    expect(b).toBe("acmeo.health")
    expect(idx.rekeyed.get("acmeo health")).toBe("acmeo.health")
    expect(idx.observe({ source: "news", name: "ACMEO HEALTH" })).toBe("acmeo.health")
    const row = idx.rows.get("acmeo.health")!
    expect(row.name).toBe("Acmeo Health")
    expect(row.aliases).toEqual(expect.arrayContaining(["Acmeo Health, Inc.", "ACMEO HEALTH"]))
    expect(row.sources.sort()).toEqual(["jobs", "news", "yc"])
    expect(idx.rows.has("acmeo health")).toBe(false)
  })
})

describe("transform: signals over staged news, with jobs", { timeout: 120_000 }, () => {
  let replay: ReplayServer
  beforeAll(async () => {
    replay = await startReplayServer([rss])
  })
  afterAll(() => replay.close())

  it("dedupes one round across three outlets into one signal with three sources, and ranks it as a lead", async () => {
    const db = join(tempDir("signals-"), "w.duckdb")
    const dag = dagFrom(`version: 1
defaults: { retry: { times: 0 } }
nodes:
  news:
    source: rss
    with:
      base_url: "${replay.baseUrlFor("rss")}"
      google_news: { max: 0 }
      feeds: ["https://outlet-a.test/feed.xml", "https://outlet-b.test/feed.xml", "https://outlet-c.test/feed.xml", "https://synthetic.test/duplicate-guids.xml"]
  signals: { transform: signals, needs: [news] }
`)
    const r = await withDb(
      db,
      Effect.gen(function* () {
        const w = yield* Warehouse
        yield* w.exec(`insert into jobs (id, source, source_id, title, company, first_seen, last_seen) values
        ('j1', 'greenhouse', 'acmeo:1', 'Account Executive, Payer', 'Acmeo Health', now(), now()),
        ('j2', 'greenhouse', 'acmeo:2', 'Office Manager', 'Acmeo Health', now(), now())`)
        yield* w.exec("insert into job_scores (job_id, relevant) values ('j2', false)")
        const first = yield* run({ dag })
        const second = yield* run({ dag })
        yield* w.exec("update lead_settings set signal_window_days = 100000")
        const signals = yield* w.query<{
          type: string
          company_key: string
          amount: number | null
          round: string | null
          confidence: number
          sources: string
          details: string
          first_seen: string
          evidence: string
          source_url: string
        }>(
          "select type, company_key, amount, round, confidence, sources::varchar as sources, details::varchar as details, first_seen::varchar as first_seen, evidence, source_url from signals order by type, title"
        )
        const leads = yield* w.query<{ company: string; signal_type: string; open_jobs: number; why_now: string }>(
          "select company, signal_type, open_jobs, why_now from leads"
        )
        const companies = yield* w.query<{ company_key: string; sources: string[] }>(
          "select company_key, sources from companies order by 1"
        )
        return { first: first.summary, second: second.summary, signals, leads, companies }
      })
    )
    expect(r.first.status).toBe("success")
    const funding = r.signals.filter((s) => s.type === "funding")
    expect(funding).toHaveLength(1)
    expect(funding[0]).toMatchObject({ company_key: "acmeo health", amount: 25e6, round: "series_b" })
    expect(
      JSON.parse(funding[0].sources)
        .map((s: { url: string }) => s.url)
        .sort()
    ).toEqual([
      "https://outlet-a.test/acmeo-series-b",
      "https://outlet-b.test/news/acmeo",
      "https://outlet-c.test/acmeo-25m"
    ])
    expect(JSON.parse(funding[0].details).lead_investors).toEqual(["Example Ventures"])
    expect(r.signals.find((s) => s.type === "leadership_change" && s.company_key === "ridgeline care")).toBeDefined()
    expect(r.signals.find((s) => s.type === "acquisition")).toMatchObject({ company_key: "northwind health" })
    expect(r.signals.find((s) => s.type === "award")).toMatchObject({ company_key: "brightpath labs" })
    expect(r.signals.find((s) => s.type === "press")).toMatchObject({
      company_key: "(unattributed)",
      confidence: 0.2,
      evidence: "Ten things we learned at the health-tech summit"
    })
    // A second run over the same input changes nothing: same signals, same sources, same first_seen.
    expect(r.second.status).toBe("success")
    expect(r.signals.every((s) => s.source_url !== null)).toBe(true)
    expect(r.leads).toEqual([
      {
        company: "Acmeo Health",
        signal_type: "funding",
        open_jobs: 1,
        why_now: expect.stringMatching(
          /^Acmeo Health raised \$25M Series B led by Example Ventures \(2025-03-03, outlet-a\.test\) · 1 open relevant role$/
        )
      }
    ])
    expect(r.companies.find((c) => c.company_key === "acmeo health")!.sources.sort()).toEqual(["jobs", "news"])
  })
})

describe("hiring velocity per department, as of a day", () => {
  it("a team's 5 new roles in the 7 days to --as-of become a hiring_velocity signal that ranks the company as a lead that day", async () => {
    const db = join(tempDir("velocity-"), "w.duckdb")
    const dag = dagFrom(`version: 1
defaults: { retry: { times: 0 } }
nodes:
  signals: { transform: signals }
`)
    const r = await withDb(
      db,
      Effect.gen(function* () {
        const w = yield* Warehouse
        const days = ["2026-03-04", "2026-03-05", "2026-03-06", "2026-03-08", "2026-03-09"]
        const rows = days.map(
          (d, i) => `('v${i}', 'greenhouse', 'acme:${i}', 'Data Analyst ${i}', 'Acme Data', '${d}', now())`
        )
        yield* w.exec(
          `insert into jobs (id, source, source_id, title, company, first_seen, last_seen) values ${rows.join(", ")},
           ('v9', 'greenhouse', 'acme:9', 'Account Executive', 'Acme Data', '2026-01-05', now())`
        )
        const { summary } = yield* run({ dag, asOf: "2026-03-10" })
        const signals = yield* w.query<{ type: string; signal_date: string; why_now: string; title: string }>(
          "select type, strftime(signal_date, '%Y-%m-%d') as signal_date, why_now, title from signals order by type"
        )
        const leadsThen = yield* w.query<{ company: string; fresh_signals: number }>(
          "select company, fresh_signals from leads_as_of('2026-03-10'::date)"
        )
        const leadsLater = yield* w.query("select * from leads_as_of('2026-06-10'::date)")
        return { summary, signals, leadsThen, leadsLater }
      })
    )
    expect(r.summary.status).toBe("success")
    const v = r.signals.find((s) => s.type === "hiring_velocity")!
    expect(v).toMatchObject({ signal_date: "2026-03-10", title: "Acme Data Data: 5 new roles in 7 days" })
    expect(v.why_now).toContain("Data team opened 5 roles in the 7 days to 2026-03-10")
    // The company spike and the team's velocity both count; the lead shows the stronger one.
    expect(r.leadsThen).toEqual([{ company: "Acme Data", fresh_signals: 2 }])
    expect(r.leadsLater).toEqual([])
  }, 60_000)
})
