/**
 * JobSpy's remaining search parameters on loopback: `distance` and `offset` mapped to each site's own
 * parameters and paging, `proxies` taken in turn per request through a proxy started here, Google's pay and
 * job type from its recorded cards, and `jobsignal search`'s table within 100 columns.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createServer, request as httpRequest, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { search } from "../sources/search/index.ts"
import { recordedSiteFolders } from "../sources/search/fixtures.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { loadDag } from "../pipelines/load.ts"
import { kinds } from "../app/index.ts"
import { runSource } from "./support/boards.ts"
import { cli } from "./support/cli.ts"
import { tempDir } from "./support/harness.ts"
import { writeFileSync } from "node:fs"
import { join } from "node:path"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer([search])
})
afterAll(() => replay.close())

const ALL = ["linkedin", "indeed", "ziprecruiter", "glassdoor", "google"]
const term = { term: "staff platform architect", location: "Remote (USA)", results_wanted: 60 }
const runSites = (searches: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) =>
  runSource(replay, "search", { sites: ALL, base_urls: recordedSiteFolders, searches, delay_ms: 0, ...extra }, "search")
const perSite = (rows: Array<Record<string, any>>) =>
  Object.fromEntries(ALL.map((s) => [s, rows.filter((r) => r.source === s).map((r) => r.source_id)]))
const requestsSince = (n: number) => replay.requests.slice(n).map((r) => r.path)

describe("distance and offset, per site", () => {
  it("distance goes out as LinkedIn's distance and Indeed's and ZipRecruiter's radius; Glassdoor and Google say they ignore it", async () => {
    const before = replay.requests.length
    const r = await runSites([{ ...term, distance: 25 }])
    expect(r.status).toBe("success")
    const paths = requestsSince(before)
    const q = (prefix: string) =>
      paths.filter((p) => p.startsWith(prefix)).map((p) => new URL(p, "http://x").searchParams)
    expect(q("/search/linkedin/jobs-guest")[0].get("distance")).toBe("25")
    expect(q("/search/indeed-wrapped-from-scraper-output/jobs")[0].get("radius")).toBe("25")
    expect(q("/search/ziprecruiter/jobs-search")[0].get("radius")).toBe("25")
    expect(q("/search/google-wrapped-from-scraper-output/search")[0].get("radius")).toBeNull()
    expect(r.infos).toContain("subject: glassdoor takes no distance parameter: distance ignored there")
    expect(r.infos).toContain("subject: google takes no distance parameter: distance ignored there")
    expect(r.infos.some((m) => /linkedin takes no distance/.test(m))).toBe(false)
  })

  it("offset N skips each site's first N results: paging starts at the page holding result N, the rest of it is dropped", async () => {
    const all = perSite((await runSites([term])).rows)
    const before = replay.requests.length
    const skipped = await runSites([{ ...term, offset: 5 }])
    const got = perSite(skipped.rows)
    // The recordings hold one page each (LinkedIn 2 cards, Indeed 45, ZipRecruiter 20, Glassdoor 20, Google 57).
    expect(all.indeed.length).toBeGreaterThan(5)
    for (const site of ALL) expect(got[site].length, site).toBe(Math.max(0, all[site].length - 5))
    // Result 5 is on the first page everywhere: LinkedIn and Indeed ask from start 0, ZipRecruiter page 1.
    const paths = requestsSince(before)
    expect(paths.find((p) => p.startsWith("/search/linkedin/jobs-guest"))).toMatch(/[?&]start=0(&|$)/)
    expect(paths.find((p) => p.startsWith("/search/indeed-wrapped"))).not.toMatch(/[?&]start=/)
    const zip = paths.find((p) => p.startsWith("/search/ziprecruiter/jobs-search"))
    expect(zip).not.toMatch(/[?&]page=/)

    const far = replay.requests.length
    const deep = await runSites([{ ...term, offset: 25 }], { sites: ["linkedin", "indeed", "ziprecruiter"] })
    const deepPaths = requestsSince(far)
    // 25 is on LinkedIn's and Indeed's third page (start=20) and ZipRecruiter's second (page=2): the recordings
    // have no such pages (LinkedIn's route repeats its page, which is then all skipped; the others end).
    expect(deepPaths.find((p) => p.startsWith("/search/linkedin/jobs-guest"))).toMatch(/[?&]start=20(&|$)/)
    expect(deepPaths.find((p) => p.startsWith("/search/indeed-wrapped"))).toMatch(/[?&]start=20(&|$)/)
    expect(deepPaths.find((p) => p.startsWith("/search/ziprecruiter/jobs-search"))).toMatch(/[?&]page=2(&|$)/)
    expect(deep.rows).toHaveLength(0)
  })
})

describe("Google: pay and job type from the recorded result cards", () => {
  it("reads the Salary and Employment Type chips into numbers and a type", async () => {
    const r = await runSource(
      replay,
      "search",
      { sites: ["google"], base_urls: recordedSiteFolders, searches: [term], delay_ms: 0 },
      "search"
    )
    const by = (title: string, company: string) => r.rows.find((x) => x.title === title && x.company === company)
    expect(by("Senior Python Software Engineer", "Venture Up")).toMatchObject({
      salary_min: 200000,
      salary_max: 300000,
      salary_period: "year",
      salary_currency: null,
      employment_type: "full-time"
    })
    const hourly = r.rows.filter((x) => x.salary_period === "hour").map((x) => [x.salary_min, x.salary_max])
    expect(hourly).toContainEqual([70, 80])
    expect(hourly).toContainEqual([100, 100])
    // 21 of the 57 recorded results state pay, 55 a schedule type; the node keeps 57 (results_wanted 60).
    expect(r.rows.filter((x) => x.salary_min != null)).toHaveLength(21)
    expect(r.rows.filter((x) => x.employment_type === "contractor")).toHaveLength(5)
    expect(r.rows.filter((x) => x.employment_type === "full-time, part-time")).toHaveLength(1)
  })
})

/** A forward HTTP proxy on loopback: it counts what passes through and what credentials it was shown. */
const startProxy = async () => {
  const seen: Array<{ url: string; auth: string | undefined }> = []
  const server: Server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", auth: req.headers["proxy-authorization"] })
    const target = new URL(req.url ?? "")
    const headers = { ...req.headers }
    delete headers["proxy-authorization"]
    delete headers["proxy-connection"]
    const up = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers)
        r.pipe(res)
      }
    )
    up.on("error", () => res.writeHead(502).end())
    req.pipe(up)
  })
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    seen,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections()
        server.close(() => ok())
      })
  }
}

describe("proxies: round-robin per request, credentials kept secret", () => {
  it("jobsignal search --proxy twice sends the requests through both proxies in turn; only host:port is printed", async () => {
    const a = await startProxy()
    const b = await startProxy()
    try {
      const before = replay.requests.length
      const r = await cli([
        "search",
        "staff platform architect",
        "--sites",
        "zip_recruiter,linkedin",
        "--format",
        "json",
        "--base-url",
        replay.baseUrlFor("search"),
        "--proxy",
        `http://bob:s3cret-pw@127.0.0.1:${a.port}`,
        "--proxy",
        `127.0.0.1:${b.port}`
      ])
      expect(r.code).toBe(0)
      const served = replay.requests.length - before
      expect(served).toBeGreaterThanOrEqual(2)
      // Every request the replay served came through a proxy, taken in turn.
      expect(a.seen.length + b.seen.length).toBe(served)
      expect(Math.abs(a.seen.length - b.seen.length)).toBeLessThanOrEqual(1)
      expect(a.seen.every((s) => s.url.startsWith(replay.baseUrlFor("search")))).toBe(true)
      expect(a.seen[0].auth).toBe(`Basic ${Buffer.from("bob:s3cret-pw").toString("base64")}`)
      expect(b.seen[0].auth).toBeUndefined()
      expect(r.stderr).toContain(`proxies: 127.0.0.1:${a.port}, 127.0.0.1:${b.port}`)
      expect(r.stdout + r.stderr).not.toMatch(/s3cret|bob:/)
      // --results-wanted defaults to 15, as JobSpy's does.
      expect(r.stderr).toMatch(/^ziprecruiter: 15 posting\(s\)$/m)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it("with.proxies on a DAG node, from ${ENV}; a dead proxy fails the unit naming host:port only", async () => {
    const p = await startProxy()
    process.env.TEST_SEARCH_PROXY = `http://user:hunter2@127.0.0.1:${p.port}`
    try {
      const r = await runSource(
        replay,
        "search",
        { sites: ["ziprecruiter"], searches: [term], delay_ms: 0, proxies: ["${TEST_SEARCH_PROXY}"] },
        "search"
      )
      expect(r.rows).toHaveLength(20)
      expect(p.seen.length).toBeGreaterThanOrEqual(1)
      expect(p.seen[0].auth).toBe(`Basic ${Buffer.from("user:hunter2").toString("base64")}`)
    } finally {
      await p.close()
    }
    // The proxy is gone: the request fails on the wire, and the error names the proxy by host:port.
    const dead = await runSource(
      replay,
      "search",
      {
        sites: ["ziprecruiter"],
        searches: [term],
        delay_ms: 0,
        proxies: ["${TEST_SEARCH_PROXY}"],
        max_retry_after_s: 0
      },
      "search"
    )
    delete process.env.TEST_SEARCH_PROXY
    const msg = dead.errors.map((e) => e.message).join("\n")
    expect(msg).toContain(`via proxy 127.0.0.1:${p.port}`)
    expect(msg).not.toMatch(/hunter2|user:/)
  })

  it("a malformed proxy URL is refused at load, naming the node and field but not the value", () => {
    const dir = tempDir("search-proxy-")
    const file = join(dir, "dag.yaml")
    writeFileSync(
      file,
      'version: 1\nnodes:\n  jobs: { source: search, with: { searches: [{ term: x }], proxies: ["http://me:topsecret@nohostport"] } }\n'
    )
    let message = ""
    try {
      loadDag(file, kinds)
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(/nodes\.jobs\.with\.proxies\[0\].*not a proxy URL/)
    expect(message).not.toContain("topsecret")
  })

  it("a malformed proxy from ${ENV} fails the node at its start as Fatal/Config, by path, without the value", async () => {
    process.env.TEST_BAD_PROXY = "http://me:topsecret@nohostport"
    try {
      const r = await runSource(replay, "search", { searches: [term], proxies: ["${TEST_BAD_PROXY}"] }, "search")
      expect(r.status).toBe("failed")
      expect(r.error).toBe(
        "Fatal/Config: nodes.subject.with.proxies[0]: not a proxy URL: http://[user:pass@]host:port (the value is not shown: it may hold credentials)"
      )
    } finally {
      delete process.env.TEST_BAD_PROXY
    }
  })
})

describe("jobsignal search --replay: the table a job seeker reads", () => {
  it("prints one block per job, every line but the link within 100 columns, pay and type where the site states them", async () => {
    const r = await cli(["search", "revenue operations", "--results-wanted", "50", "--replay", "--distance", "50"])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/replaying the recorded responses in fixtures\//)
    expect(r.stderr).toMatch(/^google: \d+ posting\(s\); takes no distance parameter: distance ignored there$/m)
    const lines = r.stdout.trimEnd().split("\n")
    expect(lines.length).toBeGreaterThan(30)
    expect(lines.filter((l) => !l.trimStart().startsWith("http") && l.length > 100)).toEqual([])
    expect(r.stdout).toMatch(
      /Senior Python Software Engineer · Venture Up · San Francisco, CA\n\s+google · posted 2026-06-09 · full-time · 200K–300K a year/
    )
    // Google's tracking parameters are left out of the links shown.
    expect(r.stdout).not.toContain("utm_campaign")
  })
})

describe("LinkedIn: descriptions from the recorded job-page JSON-LD, through the detail fetch", () => {
  it("fetch_descriptions reads each job page's JSON-LD: description and employment type", async () => {
    const before = replay.requests.length
    const r = await runSource(
      replay,
      "search",
      {
        sites: ["linkedin"],
        base_urls: { linkedin: "linkedin-jsonld-wrapped-synthetic-ids" },
        searches: [term],
        delay_ms: 0,
        fetch_descriptions: true
      },
      "search"
    )
    expect(r.status).toBe("success")
    expect(r.rows.map((p) => p.company).sort()).toEqual([
      "Altimetrik",
      "HRC Global Services",
      "Tactibit Technologies",
      "US Tech Solutions",
      "US Tech Solutions",
      "Unisys"
    ])
    const views = requestsSince(before).filter((p) => p.includes("/jobs/view/"))
    expect(views).toHaveLength(6)
    const altimetrik = r.rows.find((p) => p.company === "Altimetrik")!
    expect(altimetrik.employment_type).toBe("full-time")
    expect(altimetrik.description_text).toContain("Help translate product requirements into user stories")
    expect(r.rows.find((p) => p.company === "Unisys")!.employment_type).toBe("contractor")
    // Without the flag, no job page is asked for and the cards carry no description.
    const cardsOnly = await runSource(
      replay,
      "search",
      {
        sites: ["linkedin"],
        base_urls: { linkedin: "linkedin-jsonld-wrapped-synthetic-ids" },
        searches: [term],
        delay_ms: 0
      },
      "search"
    )
    expect(cardsOnly.rows.every((p) => p.description_text == null)).toBe(true)
  })
})
