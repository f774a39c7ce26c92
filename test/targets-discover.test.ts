/**
 * `targets discover`: boards found from a careers page's links and from tokens guessed from a name, each verified
 * through its connector against the replay server (recorded boards: gitlab, stripe on Greenhouse); guesses that do
 * not answer, or answer empty, are left out.
 */
import { Effect } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sources } from "../app/index.ts"
import {
  answerOf,
  candidateTokens,
  discover,
  discoverAll,
  linkedBoards,
  triedLines
} from "../pipelines/cli/targets-discover.ts"
import { Http } from "../sources/http.ts"
import { type ReplayServer, startReplayServer } from "../sources/replay.ts"
import { cli } from "./support/cli.ts"

let replay: ReplayServer
let site: Server
let siteUrl = ""
let silent: Server
let silentUrl = ""
const ats = () => sources.filter((s) => s.ats !== undefined)
const baseUrls = () => Object.fromEntries(ats().map((s) => [s.kind, replay.baseUrlFor(s.kind)]))

beforeAll(async () => {
  replay = await startReplayServer(sources)
  // A careers page as companies write them: the board embedded by its URL, plus links that name no board.
  site = createServer((req, res) => {
    if (req.url === "/synthetic-workday-careers") {
      // A synthetic page linking the tenant/instance of the recorded candidatezero listing (site not recorded).
      res.setHeader("content-type", "text/html")
      res.end(
        `<a href="https://workday.wd5.myworkdayjobs.com/en-US/site-not-recorded/details/x">Jobs</a>
         <a href="https://workday.wd5.myworkdayjobs.com/wday/cxs/workday/site-not-recorded/jobs">api</a>`
      )
    } else if (req.url === "/careers") {
      res.setHeader("content-type", "text/html")
      res.end(
        `<html><body><a href="https://job-boards.greenhouse.io/stripe/jobs/123">Open roles</a>
         <script src="https://boards.greenhouse.io/embed/job_board/js?for=stripe"></script>
         <a href="https://jobs.lever.co/">Lever</a></body></html>`
      )
    } else {
      res.statusCode = 404
      res.end("not found")
    }
  })
  await new Promise<void>((r) => site.listen(0, "127.0.0.1", r))
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
  // Accepts and never answers: a provider that times out.
  silent = createServer(() => {})
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r))
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
})
afterAll(async () => {
  await replay.close()
  await new Promise((r) => site.close(r))
  silent.closeAllConnections()
  await new Promise((r) => silent.close(r))
})

describe("targets discover", () => {
  it("derives a few likely tokens from a name or a domain", () => {
    expect(candidateTokens("Wealth.com")).toEqual(expect.arrayContaining(["wealth", "wealthcom", "wealth-com"]))
    expect(candidateTokens("Cohere Health, Inc.")).toEqual(expect.arrayContaining(["coherehealth", "cohere-health"]))
    expect(candidateTokens("Cohere Health, Inc.")).not.toContain("coherehealthinc")
    expect(candidateTokens("ramp.com")[0]).toBe("ramp")
  })

  it("reads ATS links from a careers page, not the bare host", () => {
    const found = linkedBoards(
      '<a href="https://jobs.ashbyhq.com/Ramp">x</a> <a href="https://jobs.lever.co/">y</a> acme.bamboohr.com/careers',
      "https://ramp.com/careers"
    )
    expect(found.map((f) => `${f.ats} ${f.board}`).sort()).toEqual(["ashby ramp", "bamboohr acme"])
    expect(found[0].evidence).toContain("linked from https://ramp.com/careers")
  })

  it("finds a recorded board from the company's name and keeps no dead guess", async () => {
    const found = await Effect.runPromise(
      discover({ query: "GitLab Inc.", sources, baseUrls: baseUrls() }).pipe(Effect.provide(Http.layer({})))
    )
    expect(found.map((f) => `${f.ats} ${f.board}`)).toEqual(["greenhouse gitlab"])
    expect(found[0].jobs).toBeGreaterThan(0)
    expect(found[0].evidence).toBe(`greenhouse's public endpoint answered for "gitlab"`)
  }, 60_000)

  it("finds the board a domain's careers page links, through the built CLI", async () => {
    const r = await cli([
      "targets",
      "discover",
      "stripe.com",
      "--site",
      siteUrl,
      "--format",
      "json",
      ...ats().flatMap((s) => ["--base-url-for", `${s.kind}=${replay.baseUrlFor(s.kind)}`])
    ])
    expect(r.code).toBe(0)
    const rows = JSON.parse(r.stdout) as Array<{ ats: string; board: string; jobs: number; evidence: string }>
    const stripe = rows.find((x) => x.ats === "greenhouse" && x.board === "stripe")
    expect(stripe?.evidence).toContain(`linked from ${siteUrl}/careers`)
    expect(stripe?.jobs).toBeGreaterThan(0)
    expect(r.stderr).toContain("careers pages of stripe.com: 1 ATS link(s)")
  }, 120_000)

  it("reads a Workday career site (tenant, instance, site) from a link, with or without a locale", () => {
    const found = linkedBoards(
      `<a href="https://humana.wd5.myworkdayjobs.com/Humana_External_Career_Site">a</a>
       <a href="https://CVSHealth.wd1.myworkdayjobs.com/en-US/CVS_Health_Careers/job/x">b</a>
       <a href="https://acme.wd3.myworkdayjobs.com/wday/cxs/acme/External/jobs">c</a>`,
      "https://example.com/careers"
    )
    expect(found.filter((f) => f.ats === "workday").map((f) => f.board)).toEqual([
      "humana/Humana_External_Career_Site/wd5",
      "cvshealth/CVS_Health_Careers/wd1",
      "acme/External/wd3"
    ])
  })

  it("finds a Workday board linked from a synthetic careers page and verifies it through the connector", async () => {
    const found = await Effect.runPromise(
      discover({
        query: "workday.com",
        sources: sources.filter((s) => s.kind === "workday"),
        baseUrls: baseUrls(),
        siteBaseUrl: `${siteUrl}/synthetic-workday-careers#`
      }).pipe(Effect.provide(Http.layer({})))
    )
    expect(found.map((f) => `${f.ats} ${f.board} ${f.status}`)).toEqual(["workday workday/site-not-recorded/wd5 alive"])
    expect(found[0].jobs).toBeGreaterThan(0)
    expect(found[0].evidence).toContain("linked from")
  }, 60_000)

  it("says which providers were tried and what each answered when none has the board (404, timeout, refused)", async () => {
    const only = sources.filter((s) => ["greenhouse", "lever", "ashby"].includes(s.kind))
    const d = await Effect.runPromise(
      discoverAll({
        query: "Synthetic Nowhere Co",
        sources: only,
        baseUrls: {
          greenhouse: replay.baseUrlFor("greenhouse"),
          // Port 1 on loopback: nothing listens there.
          lever: "http://127.0.0.1:1",
          ashby: silentUrl
        },
        timeoutMs: 10_000
      }).pipe(Effect.provide(Http.layer({ timeoutMs: 2_000, retry: { times: 1, baseMs: 10, capMs: 10 } })))
    )
    expect(d.found).toEqual([])
    const lines = triedLines(d)
    expect(lines.find((l) => l.startsWith("greenhouse:"))).toMatch(
      /asked syntheticnowhere, synthetic-nowhere, .*: 404 ×\d$/
    )
    expect(lines.find((l) => l.startsWith("lever:"))).toMatch(/: connection refused ×\d/)
    expect(lines.find((l) => l.startsWith("ashby:"))).toMatch(/: timeout ×\d/)
    expect(
      answerOf({ status: "error", jobs: null, detail: "Retriable/Transport: x failed: getaddrinfo ENOTFOUND a.b" })
    ).toBe("network down (DNS lookup failed)")
  }, 60_000)
})
