import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { search } from "../sources/search/index.ts"
import { parseLinkedInCards } from "../sources/search/linkedin.ts"
import { googleJobInfos } from "../sources/search/google.ts"
import { fixturesDir, startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { runSource } from "./support/boards.ts"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer([search])
})
afterAll(() => replay.close())

const fixture = (f: string) => readFileSync(join(fixturesDir, f), "utf8")
const one = { term: "rust engineer", location: "Brazil", results_wanted: 20 }
const requestsTo = (prefix: string, from: number) =>
  replay.requests.slice(from).filter((r) => r.path.startsWith(prefix))

describe("linkedin guest search", () => {
  it("parses the recorded job cards", () => {
    const cards = parseLinkedInCards(fixture("linkedin/hunt-seeMoreJobPostings-kraken.html"))
    expect(cards.map((c) => [c.source_id, c.title, c.company, c.location, c.posted_at])).toEqual([
      ["4465923787", "Senior Software Engineer - Rust - Core Services", "Kraken", "Brazil", "2026-09-15T00:00:00.000Z"],
      ["4459771918", "Senior Software Engineer - Rust - Backend - Pro", "Kraken", "Brazil", "2026-09-21T00:00:00.000Z"]
    ])
    expect(cards[0].url).toBe("https://www.linkedin.com/jobs/view/4465923787")
    expect(cards[0].raw).toMatchObject({ company_url: "https://www.linkedin.com/company/krakenfx" })
  })

  it("pages by start and stops when a page brings no new cards (the guest API repeats its last page)", async () => {
    const before = replay.requests.length
    const r = await runSource(replay, "search", { sites: ["linkedin"], searches: [one], delay_ms: 0 }, "search")
    expect(r.status).toBe("success")
    expect(r.rows).toHaveLength(2)
    const paths = requestsTo("/search/linkedin/", before).map((q) =>
      new URL(q.path, "http://x").searchParams.get("start")
    )
    expect(paths).toEqual(["0", "10"])
  })

  it("a 429 that outlasts the backoff stops that search with a count; nothing loops", async () => {
    const before = replay.requests.length
    replay.script("/search/linkedin/jobs-guest", [
      {
        status: 200,
        body: fixture("linkedin/hunt-seeMoreJobPostings-kraken.html"),
        headers: { "content-type": "text/html" }
      },
      ...Array(3).fill({ status: 429, body: "" })
    ])
    const r = await runSource(
      replay,
      "search",
      { sites: ["linkedin"], searches: [one], delay_ms: 0, linkedin_retries: 2, linkedin_backoff_ms: 10 },
      "search"
    )
    expect(r.status).toBe("partial")
    expect(r.rows).toHaveLength(2)
    expect(r.details.skipped_records).toBe(1)
    expect(r.errors[0]).toMatchObject({ reason: "Exhausted" })
    expect(r.errors[0].message).toMatch(
      /rate limited \(429\) on page 2 after 2 backoffs; search stopped with 2 postings/
    )
    expect(requestsTo("/search/linkedin/", before)).toHaveLength(4)
  })

  it("optional detail fetch adds the description; a failed detail keeps the card", async () => {
    const r = await runSource(
      replay,
      "search",
      { sites: ["linkedin"], searches: [one], delay_ms: 0, fetch_descriptions: true },
      "search"
    )
    const byId = Object.fromEntries(r.rows.map((p) => [p.source_id, p]))
    expect(byId["4465923787"].description_text).toMatch(/^SYNTHETIC description/)
    expect(byId["4465923787"].employment_type).toBe("full-time")
    expect(byId["4459771918"].description_text).toBeNull()
    expect(r.infos.join("\n")).toMatch(/detail of job 4459771918 not fetched/)
  })

  it("stops at results_wanted", async () => {
    const r = await runSource(
      replay,
      "search",
      { sites: ["linkedin"], searches: [{ ...one, results_wanted: 1 }], delay_ms: 0 },
      "search"
    )
    expect(r.rows).toHaveLength(1)
  })
})

describe("fan-out across sites on the synthetic shapes (the mobile APIs, Glassdoor's and Google's raw responses)", () => {
  it("units are search × site; each site's parser fills the canonical fields", async () => {
    const sites = ["linkedin", "indeed", "ziprecruiter", "glassdoor", "google"]
    const creds = {
      indeed_api: "mobile",
      indeed_api_key: "replay-indeed-key",
      ziprecruiter_api: "mobile",
      ziprecruiter_auth: "replay-zip-auth"
    }
    const r = await runSource(
      replay,
      "search",
      { sites, ...creds, delay_ms: 0, searches: [one, { term: "nurse", location: "Boston", results_wanted: 5 }] },
      "search"
    )
    expect(r.status).toBe("success")
    expect(r.details.units).toBe(10)
    const by = (s: string) => r.rows.filter((p) => p.source === s)
    // Both searches read the same page per site: each job is staged once, the repeat counted.
    expect(by("linkedin")).toHaveLength(2)
    expect(by("indeed")).toHaveLength(3)
    expect(new Set(r.rows.map((p) => `${p.source}:${p.source_id}`)).size).toBe(r.rows.length)
    expect(r.infos.join("\n")).toMatch(
      /search indeed:\w+[^:]*: 3 posting\(s\) already staged by another search of this run/
    )
    const rust = by("indeed").find((p) => p.source_id === "a1b2c3d4e5f60001")!
    expect(rust).toMatchObject({
      company: "Example Exchange Inc",
      remote: "remote",
      salary_min: 150000,
      salary_period: "year",
      url: "https://www.indeed.com/viewjob?jk=a1b2c3d4e5f60001"
    })
    expect(by("indeed").find((p) => p.source_id === "a1b2c3d4e5f60003")!.remote).toBe("hybrid")
    expect(by("ziprecruiter").find((p) => p.source_id === "SynthZr-0002")).toMatchObject({
      salary_period: "week",
      employment_type: "contract"
    })
    const gd = by("glassdoor").find((p) => p.source_id === "1009000000001")!
    expect(gd).toMatchObject({ company: "Example Exchange Inc", location: "São Paulo", posted_at: null })
    expect(Date.parse(gd.posted_before) - Date.parse(gd.posted_after)).toBe(86_400_000)
    expect(
      by("google")
        .map((p) => p.company)
        .sort()
    ).toEqual(["Example Exchange Inc", "Placeholder Fintech"])
  })

  it("a site without its credential is left out with a notice; the others run", async () => {
    const saved = process.env.INDEED_API_KEY
    delete process.env.INDEED_API_KEY
    try {
      const r = await runSource(
        replay,
        "search",
        { sites: ["indeed", "linkedin"], indeed_api: "mobile", searches: [one], delay_ms: 0 },
        "search"
      )
      expect(r.status).toBe("success")
      expect(r.details.units).toBe(1)
      expect(r.infos.join("\n")).toMatch(/indeed left out: no Indeed API key \(set INDEED_API_KEY/)
    } finally {
      if (saved) process.env.INDEED_API_KEY = saved
    }
  })

  it("google: job arrays are read with brackets and quotes inside strings", () => {
    const infos = googleJobInfos(fixture("google/synthetic-search-udm8.html"))
    expect(infos.map((i) => i[19])).toEqual([
      "SYNTHETIC Google Jobs description; remote friendly; not recorded.",
      'SYNTHETIC description with "quotes" and ] brackets [ inside strings.'
    ])
  })
})
