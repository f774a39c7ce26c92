/**
 * The JobSpy-class boards on their real recordings (fixtures/SOURCES.md, "Added 2026-12"): ZipRecruiter's two
 * raw page layouts, Indeed's and Google's scraper output and Glassdoor's listings put back into their page
 * shape by the replay routes that say so, Adzuna's API response, LinkedIn job-page JSON-LD, BuiltIn's cards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import { search } from "../sources/search/index.ts"
import { adzuna } from "../sources/adzuna/index.ts"
import { builtin } from "../sources/builtin/index.ts"
import { normalizeZipCard, ZipCard, zipSearchPage } from "../sources/search/ziprecruiter.ts"
import { parseIndeedViewJob } from "../sources/search/indeed.ts"
import { GlassdoorHeader, normalizeGlassdoorEmployerHeader } from "../sources/search/glassdoor.ts"
import { linkedInJsonLdPosting, parseLinkedInDetail } from "../sources/search/linkedin.ts"
import { recordedSiteFolders } from "../sources/search/fixtures.ts"
import { fixturesDir, startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { runSource } from "./support/boards.ts"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer([search, adzuna, builtin])
})
afterAll(() => replay.close())

const fixture = (f: string) => readFileSync(join(fixturesDir, f), "utf8")
const one = { term: "staff platform architect", location: "Remote (USA)", results_wanted: 60 }
const runSites = (sites: string[], extra: Record<string, unknown> = {}) =>
  runSource(
    replay,
    "search",
    { sites, base_urls: recordedSiteFolders, searches: [one], delay_ms: 0, ...extra },
    "search"
  )
const pick = (p: Record<string, any>) => ({
  title: p.title,
  company: p.company,
  location: p.location,
  salary: [p.salary_min, p.salary_max, p.salary_currency, p.salary_period],
  posted_at: p.posted_at === null ? null : new Date(p.posted_at).toISOString()
})

describe("ziprecruiter: the job search web page, both recorded layouts", () => {
  const cards = (file: string) => {
    const page = zipSearchPage(fixture(file))!
    return {
      page,
      posts: page.cards.map((c) =>
        normalizeZipCard(Schema.decodeUnknownSync(ZipCard, { onExcessProperty: "ignore" })(c))
      )
    }
  }

  it("js_variables layout: 20 cards with pay, dates and the opened job's full description", async () => {
    const { page, posts } = cards("ziprecruiter/jobsearchrag-serp-real-js_variables-2026-02.html")
    expect(page).toMatchObject({ layout: "js_variables", total: 30, maxPages: 2 })
    expect(posts).toHaveLength(20)
    expect(pick(posts[0])).toEqual({
      title: "Senior Staff Software Engineer, Backend",
      company: "Spotnana",
      location: "US",
      salary: [210000, 240000, "USD", "year"],
      posted_at: "2026-02-07T00:53:34.000Z"
    })
    // interval 4 is a month: the card's own minAnnual (338,400) is 12 × 28,200.
    expect(posts.find((p) => p.company === "Asana")).toMatchObject({ salary_min: 28200, salary_period: "month" })
    const r = await runSites(["ziprecruiter"])
    expect(r.status).toBe("success")
    expect(r.rows).toHaveLength(20)
    const spotnana = r.rows.find((p) => p.company === "Spotnana")!
    expect(spotnana.description_text.length).toBeGreaterThan(3000)
    expect(spotnana.url).toMatch(/^https:\/\/www\.ziprecruiter\.com\/c\/Spotnana\/Job\//)
  })

  it("Next.js layout: the same search after the move, read from the flight chunks", async () => {
    const { page, posts } = cards("ziprecruiter/jobsearchrag-serp-real-nextjs-2026-03.html")
    expect(page).toMatchObject({ layout: "nextjs", total: 119 })
    expect(posts).toHaveLength(20)
    expect(pick(posts[0])).toEqual({
      title: "Member of Technical Staff, Platform Engineering",
      company: "Anchorage Digital",
      location: "Charleston, WV US",
      salary: [12.25, 17, "USD", "hour"],
      posted_at: "2025-12-23T00:15:10.000Z"
    })
    expect(posts[0]).toMatchObject({ remote: "remote", employment_type: "full-time" })
    expect(posts.find((p) => p.company === "Maven Clinic")).toMatchObject({ remote: "hybrid", salary_max: 300000 })
    const before = replay.requests.length
    const r = await runSites(["ziprecruiter"], { base_urls: { ziprecruiter: "ziprecruiter-nextjs" } })
    expect(r.rows).toHaveLength(20)
    // Page 2 is not recorded (404): the end of the results, not a failure.
    expect(r.status).toBe("success")
    expect(replay.requests.slice(before).map((q) => new URL(q.path, "http://x").searchParams.get("page"))).toEqual([
      null,
      "2"
    ])
  })
})

describe("indeed: the web search page's mosaic job cards (scraper output, wrapped back into the page)", () => {
  it("41 distinct jobs from 45 cards, with pay, remote mode and dates; no key needed", async () => {
    const saved = process.env.INDEED_API_KEY
    delete process.env.INDEED_API_KEY
    try {
      const r = await runSites(["indeed"])
      expect(r.status).toBe("success")
      expect(r.rows).toHaveLength(41)
      const by = (c: string) => r.rows.find((p) => p.company === c)!
      expect(pick(by("WeInfuse"))).toEqual({
        title: "Full-Stack Software Developer",
        company: "WeInfuse",
        location: "Austin, TX 78731",
        salary: [90000, 120000, "USD", "year"],
        posted_at: "2024-10-22T05:00:00.000Z"
      })
      expect(by("WeInfuse")).toMatchObject({ remote: "hybrid", employment_type: "full-time" })
      // max -1 is an open upper end; min 0 an unknown floor.
      expect(by("Quinnox")).toMatchObject({ salary_min: 110000, salary_max: null })
      expect(by("Intone Networks")).toMatchObject({ salary_min: null, salary_max: 42, salary_period: "hour" })
      expect(r.rows.filter((p) => p.remote === "remote")).toHaveLength(13)
    } finally {
      if (saved) process.env.INDEED_API_KEY = saved
    }
  })

  it("fetch_descriptions asks each card's job page; one not recorded keeps the card and its snippet", async () => {
    const r = await runSites(["indeed"], { fetch_descriptions: true, searches: [{ ...one, results_wanted: 2 }] })
    expect(r.status).toBe("success")
    expect(r.rows).toHaveLength(2)
    expect(r.rows.every((p) => typeof p.description_text === "string" && p.description_text.length > 0)).toBe(true)
    expect(r.infos.join("\n")).toMatch(/job page of \w+ not fetched .*; kept with the card's snippet/)
  })

  it("the job page's data (wrapped back into window._initialData) gives title, company and full description", async () => {
    const res = await fetch(
      `${replay.baseUrlFor("search")}/indeed-wrapped-from-scraper-output/viewjob?jk=5361f22542fe4a95`
    )
    const d = parseIndeedViewJob(await res.text())!
    expect(d).toMatchObject({ title: "Data Scientist", company: "Apple", location: "Sunnyvale, CA" })
    expect(d.description_text).toMatch(/Video Engineering DAQ team is seeking/)
  })
})

describe("glassdoor: JobListingSearchResult items and JobViewHeader objects", () => {
  it("the 20 search results (TS wrapper stripped, put in the GraphQL envelope) with pay and ages from the capture", async () => {
    const r = await runSites(["glassdoor"])
    expect(r.status).toBe("success")
    expect(r.rows).toHaveLength(20)
    const chubb = r.rows.find((p) => p.company === "Chubb")!
    expect(chubb).toMatchObject({
      title: "Junior Support Developer",
      location: "Toronto",
      salary_min: 59000,
      salary_max: 89000,
      salary_currency: "CAD",
      salary_period: "year",
      url: "https://www.glassdoor.ca/job-listing/junior-support-developer-chubb-JV_IC2281069_KO0,24_KE25,30.htm?jl=1009633080810"
    })
    // ageInDays 39, counted from the capture (cb=1742619686428, 2025-03-22; a Date header has whole seconds).
    expect(new Date(chubb.posted_before).toISOString()).toBe(new Date(1742619686000 - 39 * 86_400_000).toISOString())
    expect(r.rows.find((p) => p.company === "Idea Theorem inc.")).toMatchObject({
      salary_min: 34,
      salary_period: "hour"
    })
  })

  it("an employer page's 135 cached headers (eBay): 128 distinct listings, pay from p10/p90", () => {
    const headers = JSON.parse(fixture("glassdoor/scrapfly-jobviewheaders-ebay-2025-09.json")) as unknown[]
    const now = Date.parse("2025-09-24T00:00:00Z")
    const posts = headers
      .map((h) => Schema.decodeUnknownSync(GlassdoorHeader, { onExcessProperty: "ignore" })(h))
      .map((h) => normalizeGlassdoorEmployerHeader(h, "eBay", now)!)
    expect(new Set(posts.map((p) => p.source_id)).size).toBe(128)
    expect(posts[0]).toMatchObject({
      source_id: "1009884820565",
      title: "ESS Manager",
      company: "eBay",
      location: "San Jose, CA",
      salary_min: 140800,
      salary_max: 188000,
      salary_currency: "USD",
      salary_period: "year",
      url: "https://www.glassdoor.com/job-listing/ess-manager-ebay-JV_IC1147436_KO0,11_KE12,16.htm?jl=1009884820565"
    })
  })
})

describe("google jobs: the 57 saved results, written back as the page's job arrays", () => {
  it("titles, companies, the boards' urls and ages counted from the capture day", async () => {
    const r = await runSites(["google"], { searches: [{ ...one, results_wanted: 100 }] })
    expect(r.status).toBe("success")
    expect(r.rows).toHaveLength(57)
    const first = r.rows.find((p) => p.title === "Senior Python Software Engineer" && p.company === "Venture Up")!
    expect(first).toMatchObject({
      location: "San Francisco, CA",
      url: "https://www.linkedin.com/jobs/view/senior-python-software-engineer-at-venture-up-4422266825?utm_campaign=google_jobs_apply&utm_source=google_jobs_apply&utm_medium=organic"
    })
    // "2 days ago" on 2026-06-11: between the 8th and the 9th.
    expect([new Date(first.posted_after).toISOString(), new Date(first.posted_before).toISOString()]).toEqual([
      "2026-06-08T00:00:00.000Z",
      "2026-06-09T00:00:00.000Z"
    ])
  })
})

describe("adzuna: the recorded API response", () => {
  it("4 IT jobs with salaries and dates; the app id stays redacted as recorded", async () => {
    const r = await runSource(replay, "adzuna", adzuna.replayOptions)
    expect(r.status).toBe("success")
    expect(r.rows.map((p) => [p.company, p.salary_min, p.salary_max])).toEqual([
      ["SSG", 85389, 116975],
      ["Hewlett Packard Enterprise", 171527.66, 171527.66],
      ["Apex Systems", 83804.48, 83804.48],
      ["Center For Health Information And Analysis", 119025.7, 119025.7]
    ])
    const ssg = r.rows.find((p) => p.company === "SSG")!
    expect(ssg).toMatchObject({ salary_currency: "USD", salary_period: "year", source_id: "us:5801147013" })
    expect(new Date(ssg.posted_at).toISOString()).toBe("2026-07-15T08:33:45.000Z")
    expect(ssg.url).toBe("https://www.adzuna.com/details/5801147013?utm_medium=api&utm_source=REDACTED_APP_ID")
  })
})

describe("linkedin: job-page JSON-LD", () => {
  // The recording is the JSON-LD objects a scraper saved; a page carries them in a ld+json script.
  const wrapped = (ld: unknown) =>
    `<html><head><script type="application/ld+json">${JSON.stringify(ld)}</script></head><body></body></html>`
  it("title, company, place, date and employment type of the six recorded postings", () => {
    const lds = [
      ...JSON.parse(fixture("linkedin/scrapfly-job-jsonld-2025-03.json")),
      ...JSON.parse(fixture("linkedin/scrapfly-job-jsonld-2025-09.json"))
    ]
    const posts = lds.map((ld) => linkedInJsonLdPosting(wrapped(ld), "https://www.linkedin.com/jobs/view/x")!)
    expect(posts.map((p) => p.company)).toEqual([
      "US Tech Solutions",
      "US Tech Solutions",
      "Altimetrik",
      "Unisys",
      "HRC Global Services",
      "Tactibit Technologies"
    ])
    expect(posts[0]).toMatchObject({
      title: "Python Developer",
      location: "Strongsville, OH, US",
      posted_at: "2025-03-17T18:49:12.000Z",
      employment_type: "contractor"
    })
    expect(parseLinkedInDetail(wrapped(lds[2]))).toMatchObject({ employment_type: "full-time" })
  })
})

describe("builtin: the 212 listing cards (scraper output, wrapped back into listing pages)", () => {
  it("listing_only stages every card with its title, company and link", async () => {
    const r = await runSource(
      replay,
      "builtin",
      { searches: ["ai engineer"], listing_only: true, results_wanted: 500, max_pages: 20 },
      "builtin/wrapped-from-scraper-output"
    )
    expect(r.status).toBe("success")
    expect(r.rows).toHaveLength(212)
    expect(r.rows.find((p) => p.source_id === "8313283")).toMatchObject({
      title: "AI Engineer",
      company: "MVF",
      url: "https://builtin.com/job/ai-engineer/8313283"
    })
  })
})
