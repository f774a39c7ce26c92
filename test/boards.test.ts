import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { boardSources } from "../app/index.ts"
import { fixturesDir, startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { parseHiringComment } from "../sources/hn/parse.ts"
import { jobPostingNodes, jsonLdBlocks } from "../sources/jsonld/parse.ts"
import { parseSalaryText } from "../sources/jobboards/common.ts"
import { runSource } from "./support/boards.ts"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer(boardSources, {
    extraRoutes: {
      "arbeitnow-paged": [
        { path: "/api/job-board-api", query: { page: "2" }, file: "arbeitnow/synthetic-page-2-loops-back.json" },
        { path: "/api/job-board-api", file: "arbeitnow/synthetic-page-1.json" }
      ],
      "wellfound-blocked": [{ path: "/role/python-developer", file: "wellfound/synthetic-captcha-page.html" }]
    }
  })
})
afterAll(() => replay.close())

const fixture = (f: string) => readFileSync(join(fixturesDir, f), "utf8")

describe("free job APIs on their recordings", () => {
  it("remoteok: element 0 is the legal notice, kept as attribution on every posting", async () => {
    const r = await runSource(replay, "remoteok", {})
    expect(r.status).toBe("success")
    expect(r.rows.map((p) => p.source_id)).toEqual(["1136687", "1136719", "1136747"])
    for (const p of r.rows) {
      expect(p.url).toMatch(/^https:\/\/remoteOK\.com\/remote-jobs\//)
      expect(p.raw.attribution.source).toBe("Remote OK")
      expect(p.raw.attribution.link).toBe(p.url)
      expect(p.raw.attribution.terms).toMatch(/link back/)
    }
    expect(r.rows.find((p) => p.source_id === "1136719")).toMatchObject({
      company: "Harris Farm Markets",
      location: "Cammeray",
      salary_min: null
    })
  })

  it("remotive: zone-less timestamps are UTC and salary text becomes numbers", async () => {
    const r = await runSource(replay, "remotive", {})
    expect(r.rows).toHaveLength(5)
    const outsite = r.rows.find((p) => p.company === "Outsite")!
    expect([outsite.salary_min, outsite.salary_max, outsite.salary_currency, outsite.salary_period]).toEqual([
      45000,
      50000,
      "USD",
      "year"
    ])
    expect(r.rows.find((p) => p.source_id === "2091081")!.posted_at).toBe("2026-07-28 14:23:05+00")
  })

  it("arbeitnow follows links.next and stops when a page points back at one already read", async () => {
    const before = replay.requests.length
    const r = await runSource(replay, "arbeitnow", {}, "arbeitnow-paged")
    expect(r.status).toBe("success")
    expect(r.rows.map((p) => p.source_id)).toEqual([
      "synthetic-backend-engineer-berlin-1",
      "synthetic-data-engineer-remote-2",
      "synthetic-product-manager-hamburg-3"
    ])
    // page 2 links back to page 1, which is read once more, seen to repeat, and ends the paging
    expect(replay.requests.slice(before).map((q) => q.path)).toEqual([
      "/arbeitnow-paged/api/job-board-api",
      "/arbeitnow-paged/api/job-board-api?page=2",
      "/arbeitnow-paged/api/job-board-api?page=1"
    ])
    expect(r.rows.find((p) => p.source_id.endsWith("-2"))!.remote).toBe("remote")
    expect(r.rows.find((p) => p.source_id.endsWith("-1"))!.remote).toBe("unknown")
  })

  it("himalayas: the placeholder company name is replaced by the company the description links", async () => {
    const r = await runSource(replay, "himalayas", {})
    expect(r.rows.map((p) => p.company).sort()).toEqual(["Alignment Health", "Gt Ecom", "Mercor"].sort())
  })

  it("hn: top-level comments in the 'Company | Role | Location' format become postings, replies do not", async () => {
    const r = await runSource(replay, "hn", { story_ids: [47975571] })
    expect(r.status).toBe("success")
    expect(r.rows).toHaveLength(301)
    expect(r.infos.join("\n")).toMatch(
      /555 comments, 335 top-level, 301 postings, 34 not in the 'Company \| Role \| Location' format/
    )
    const woosmap = r.rows.find((p) => p.company === "Woosmap")!
    expect(woosmap).toMatchObject({
      title: "Backend Engineer (Mid-level & Senior)",
      remote: "hybrid",
      company_domain: "woosmap.com",
      employment_type: "full-time"
    })
    expect(woosmap.url).toBe(`https://news.ycombinator.com/item?id=${woosmap.source_id}`)
    const parabola = r.rows.find((p) => p.company === "Parabola")!
    expect(parabola.apply_url).toMatch(/^https:\/\/jobs\.ashbyhq\.com\/parabola-io\//)
  })

  it("hn: without story ids the latest 'Who is hiring?' thread is looked up (not 'Who wants to be hired?')", async () => {
    const r = await runSource(replay, "hn", {})
    expect(r.rows).toHaveLength(301)
  })

  it("hn parser reads the reshaped recorded thread too", () => {
    const item = JSON.parse(fixture("hn/hunt-algolia-item-whoishiring-2026-09.json")) as {
      children: Array<{ id: number; text: string; created_at: string }>
    }
    const got = item.children.map((c) =>
      parseHiringComment({ objectID: String(c.id), comment_text: c.text, created_at: c.created_at })
    )
    expect(got.map((g) => (g.ok ? [g.posting.company, g.posting.title] : g.why))).toEqual([
      ["Modash.io", "Senior Product Engineer"],
      ["Quill", "Fullstack SWE"],
      [
        "Open Education Applications / Neon",
        "Senior/Lead Platform & DevOps Engineer, Senior Frontend Engineer, Senior Full-Stack Engineer"
      ]
    ])
    const modash = got[0].ok ? got[0].posting : null
    expect(modash).toMatchObject({
      remote: "remote",
      salary_min: 75000,
      salary_max: 110000,
      salary_currency: "EUR",
      company_domain: "modash.io"
    })
  })
})

describe("JSON-LD job pages", () => {
  it("finds the JobPosting behind BuiltIn's escaped type attribute (application/ld&#x2B;json)", () => {
    const html = fixture("builtin/builtin-job-6872535-innovaccer.html")
    expect(html).toContain('type="application/ld&#x2B;json"')
    expect(jobPostingNodes(jsonLdBlocks(html).blocks)).toHaveLength(1)
  })

  it("builtin: company named faithfully, BuiltIn's own company page is not taken for a domain", async () => {
    const r = await runSource(replay, "builtin", { jobs: ["/job/3199-ai-software-development-engineer-ii/6872535"] })
    expect(r.rows).toHaveLength(1)
    expect(r.rows[0]).toMatchObject({
      source_id: "6872535",
      title: "3199-AI-Software Development Engineer II",
      company: "Innovaccer",
      company_domain: null,
      url: "https://builtin.com/job/3199-ai-software-development-engineer-ii/6872535",
      location: "Noida, Uttar Pradesh, IND",
      employment_type: "full_time"
    })
    expect(r.rows[0].description_text).toMatch(/^Engineering at Innovaccer/)
  })

  it("builtin search: listing links are read once each; a dead job page is counted and the rest kept", async () => {
    const r = await runSource(replay, "builtin", { searches: ["ai engineer"] })
    expect(r.status).toBe("partial")
    expect(r.rows.map((p) => p.source_id)).toEqual(["6872535"])
    expect(r.details.skipped_records).toBe(1)
    expect(r.errors[0].message).toMatch(/synthetic-missing-job\/1000001.*404/)
  })

  it("jsonld: a page without a JobPosting fails its unit with a message naming the page", async () => {
    const r = await runSource(replay, "jsonld", {
      pages: ["/job/3199-ai-software-development-engineer-ii/6872535", "/nope"]
    })
    expect(r.status).toBe("partial")
    expect(r.rows[0].source_id).toBe("127.0.0.1:6872535")
    expect(r.errors.map((e) => e.reason)).toEqual(["NotFound"])
  })
})

describe("wellfound", () => {
  it("reads postings from the Apollo state of __NEXT_DATA__ (synthetic page)", async () => {
    const r = await runSource(replay, "wellfound", { roles: ["synthetic-python-developer"] })
    expect(r.status).toBe("success")
    expect(r.rows.map((p) => [p.source_id, p.company, p.remote])).toEqual([
      ["7000001", "Synthetic Robotics", "remote"],
      ["7000002", "Synthetic Robotics", "unknown"],
      ["7000003", "Example Health Labs", "hybrid"]
    ])
    expect(r.rows[0]).toMatchObject({
      salary_min: 150000,
      salary_max: 190000,
      url: "https://wellfound.com/jobs/7000001-senior-python-developer"
    })
  })

  it("the recorded scraper output holds startups but not their listings: every missing listing is counted", async () => {
    const r = await runSource(replay, "wellfound", { roles: ["python-developer"] })
    expect(r.rows).toHaveLength(0)
    expect(r.details.skipped_records).toBe(53)
    expect(r.errors[0].message).toMatch(
      /references JobListingSearchResult:\d+, which the page's Apollo state does not hold/
    )
  })

  it("bot protection fails cleanly and is counted: a challenge page and a 403", async () => {
    const page = await runSource(replay, "wellfound", { roles: ["python-developer"] }, "wellfound-blocked")
    expect(page.status).toBe("failed")
    expect(page.error).toMatch(/captcha|bot-challenge/)
    replay.script("/wellfound/role/synthetic-python-developer", [{ status: 403, body: "<html>Forbidden</html>" }])
    const r403 = await runSource(replay, "wellfound", { roles: ["synthetic-python-developer", "python-developer"] })
    expect(r403.status).toBe("partial")
    expect(r403.errors.filter((e) => e.reason === "Blocked").map((e) => e.unit)).toEqual(["synthetic-python-developer"])
  })
})

describe("adzuna", () => {
  const searches = [{ term: "registered nurse", location: "Boston" }]

  it("without credentials the node runs no unit and ends skipped, saying why", async () => {
    const saved = [process.env.ADZUNA_APP_ID, process.env.ADZUNA_APP_KEY]
    delete process.env.ADZUNA_APP_ID
    delete process.env.ADZUNA_APP_KEY
    try {
      const r = await runSource(replay, "adzuna", { searches })
      // Nothing fetched for want of a key is not a green success.
      expect(r.status).toBe("skipped")
      expect(r.rows).toHaveLength(0)
      expect(r.infos.join("\n")).toMatch(/skipped: no Adzuna credentials \(set ADZUNA_APP_ID and ADZUNA_APP_KEY/)
    } finally {
      if (saved[0]) process.env.ADZUNA_APP_ID = saved[0]
      if (saved[1]) process.env.ADZUNA_APP_KEY = saved[1]
    }
  })

  it("parses the documented response (synthetic) and keeps keys out of error messages", async () => {
    const ok = await runSource(replay, "adzuna", { app_id: "id-123", app_key: "sekret-key-456", searches })
    expect(ok.rows.map((p) => [p.title, p.company, p.salary_min])).toEqual([
      ["Registered Nurse - ICU (synthetic)", "Example General Hospital", 85000],
      ["Travel Registered Nurse Med/Surg (synthetic)", "Sample Staffing Partners", 95000.5],
      ["Remote Utilization Review Nurse (synthetic)", "Placeholder Health Plan", null]
    ])
    expect(ok.rows[1].tags).toEqual(["salary_predicted"])
    replay.script("/adzuna/v1/api/jobs", [{ status: 400, body: "{}" }])
    const bad = await runSource(replay, "adzuna", { app_id: "id-123", app_key: "sekret-key-456", searches })
    expect(bad.status).toBe("failed")
    expect(bad.error).toContain("app_key=REDACTED")
    expect(JSON.stringify(bad)).not.toContain("sekret-key-456")
  })
})

describe("salary text", () => {
  it.each([
    ["$18 - $22/hr", [18, 22, "USD", "hour"]],
    ["$150 - 210K USD + equity", [150000, 210000, "USD", "year"]],
    ["€75k–110k", [75000, 110000, "EUR", "year"]],
    ["$14/hr", [14, 14, "USD", "hour"]]
  ])("%s", (text, want) => {
    const s = parseSalaryText(text)
    expect([s.salary_min, s.salary_max, s.salary_currency, s.salary_period]).toEqual(want)
  })

  it("no amount, no guess", () => expect(parseSalaryText("competitive")).toEqual({}))
})
