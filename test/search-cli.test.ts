/** `jobsignal search`: JobSpy's one call on the built binary, against the replay server's recordings. */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { search } from "../sources/search/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { cli } from "./support/cli.ts"
import { tempDir } from "./support/harness.ts"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer([search])
})
afterAll(() => replay.close())

const COLUMNS = [
  "site",
  "job_url",
  "title",
  "company",
  "location",
  "date_posted",
  "job_type",
  "interval",
  "min_amount",
  "max_amount",
  "currency",
  "is_remote",
  "description"
]

describe("jobsignal search", () => {
  it("prints JobSpy's columns after cross-site dedupe and one status line per site", async () => {
    const out = join(tempDir("search-cli-"), "jobs.json")
    const r = await cli([
      "search",
      "staff platform architect",
      "--location",
      "Remote (USA)",
      "--sites",
      "linkedin,zip_recruiter,glassdoor",
      "--results-wanted",
      "50",
      "--format",
      "json",
      "--out",
      out,
      "--base-url",
      replay.baseUrlFor("search")
    ])
    expect(r.code).toBe(0)
    // Glassdoor's raw route serves the synthetic token page and results: 2 listings.
    expect(r.stderr).toMatch(/^linkedin: 2 posting\(s\)$/m)
    expect(r.stderr).toMatch(/^ziprecruiter: 20 posting\(s\)$/m)
    expect(r.stderr).toMatch(/^glassdoor: \d+ posting\(s\)/m)
    const rows = JSON.parse(readFileSync(out, "utf8")) as Array<Record<string, unknown>>
    expect(Object.keys(rows[0])).toEqual(COLUMNS)
    expect(rows.find((x) => x.company === "Spotnana")).toMatchObject({
      site: "ziprecruiter",
      title: "Senior Staff Software Engineer, Backend",
      date_posted: "2026-02-07",
      interval: "year",
      min_amount: 210000,
      max_amount: 240000,
      currency: "USD"
    })
    expect(r.stderr).toMatch(new RegExp(`${rows.length} job\\(s\\) after cross-site dedupe written to`))
  })

  it("a site that is stopped says why; an unknown site is a usage error", async () => {
    replay.script("/search/linkedin/jobs-guest", Array(3).fill({ status: 429, body: "" }))
    const r = await cli([
      "search",
      "rust engineer",
      "--sites",
      "linkedin",
      "--format",
      "csv",
      "--base-url",
      replay.baseUrlFor("search")
    ])
    expect(r.stderr).toMatch(/^linkedin: 0 posting\(s\); stopped: Exhausted: .*rate limited \(429\)/m)
    const bad = await cli(["search", "x", "--sites", "monster"])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--sites: unknown monster/)
  })
})
