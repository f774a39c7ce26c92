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
import { candidateTokens, discover, linkedBoards } from "../pipelines/cli/targets-discover.ts"
import { Http } from "../sources/http.ts"
import { type ReplayServer, startReplayServer } from "../sources/replay.ts"
import { cli } from "./support/cli.ts"

let replay: ReplayServer
let site: Server
let siteUrl = ""
const ats = () => sources.filter((s) => s.ats !== undefined)
const baseUrls = () => Object.fromEntries(ats().map((s) => [s.kind, replay.baseUrlFor(s.kind)]))

beforeAll(async () => {
  replay = await startReplayServer(sources)
  // A careers page as companies write them: the board embedded by its URL, plus links that name no board.
  site = createServer((req, res) => {
    if (req.url === "/careers") {
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
})
afterAll(async () => {
  await replay.close()
  await new Promise((r) => site.close(r))
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
})
