/** The search fan-out's default searches come from profile.yaml (target titles × locations × remote); `plan` lists them. */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { copyFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { readSearchSeed, searchesFromProfile } from "../sources/search/from-profile.ts"
import { search } from "../sources/search/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { collectingEvents } from "../pipelines/events.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"
import { cli } from "./support/cli.ts"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer([search])
})
afterAll(() => replay.close())

describe("searches derived from the profile", () => {
  it("the repo's profile: every target title remote in the US first, then on site in the US, then per city", () => {
    const seed = readSearchSeed("profile.yaml")
    const { searches, total } = searchesFromProfile(seed, 1000)
    // 16 titles × (remote US + US + 7 cities); "us", "usa" and "united states" are one place.
    expect(total).toBe(16 * 9)
    expect(searches[0]).toEqual({
      term: "Chief Revenue Officer",
      location: "United States",
      remote: true,
      results_wanted: 25
    })
    expect(searches[16]).toEqual({ term: "Chief Revenue Officer", location: "United States", results_wanted: 25 })
    expect(searches.map((s) => s.location)).toContain("San Francisco")
    expect(searchesFromProfile(seed, 10).searches).toHaveLength(10)
  })

  it("remote_only keeps the remote searches; any drops them", () => {
    const seed = { target_titles: ["VP Sales", "VP Sales "], locations: ["USA", "remote", "Boston"] }
    expect(searchesFromProfile({ ...seed, remote: "remote_only" }).searches).toEqual([
      { term: "VP Sales", location: "United States", remote: true, results_wanted: 25 }
    ])
    expect(
      searchesFromProfile({ ...seed, remote: "any" }).searches.map((s) => [s.location, s.remote ?? false])
    ).toEqual([
      ["United States", false],
      ["Boston", false]
    ])
  })

  it("a node without searches runs the derived ones on every site and says how many", async () => {
    const dir = tempDir("search-profile-")
    writeFileSync(
      join(dir, "profile.yaml"),
      "name: t\nsummary: s\ntarget_titles: [Head of Sales, VP Engineering]\nlocations: [united states]\nremote: remote_only\n"
    )
    const dag = dagFrom(
      `version: 1
defaults: { retry: { times: 0 } }
nodes:
  subject: { source: search, with: { base_url: "${replay.baseUrlFor("search")}", sites: [linkedin], delay_ms: 0 } }
`,
      dir
    )
    const events = collectingEvents()
    const summary = await withDb(
      join(dir, "w.duckdb"),
      Effect.map(run({ dag, events }), (r) => r.summary)
    )
    const node = summary.nodes.find((n) => n.node === "subject")!
    expect(node.status).toBe("success")
    const infos = events.seen.filter((e) => e.type === "info").map((e) => (e as { message: string }).message)
    expect(infos.join("\n")).toMatch(/subject: 2 searches derived from the profile/)
    const paths = replay.requests.filter((q) => q.path.startsWith("/search/linkedin/jobs-guest")).map((q) => q.path)
    expect(paths.some((p) => p.includes("keywords=Head+of+Sales") && p.includes("f_WT=2"))).toBe(true)
    expect(paths.some((p) => p.includes("keywords=VP+Engineering"))).toBe(true)
  })

  it("jobsignal plan lists the derived searches of the default DAG", async () => {
    const dir = tempDir("plan-")
    copyFileSync("dag.yaml", join(dir, "dag.yaml"))
    copyFileSync("profile.yaml", join(dir, "profile.yaml"))
    const r = await cli(["plan", "--dag", join(dir, "dag.yaml")])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(
      /search: 32 searches derived from profile\.yaml \(target titles × locations × remote; 144 in all/
    )
    expect(r.stdout).toMatch(/Chief Revenue Officer\s+United States\s+yes\s+25/)
  })
})
