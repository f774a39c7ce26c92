/**
 * Rippling, Gem and BambooHR: what each connector makes of its (synthetic) board response, and that BambooHR's
 * per-company hosts reach the per-host limiter as separate hosts under a base_url.
 */
import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { rippling, normalizeRipplingJob, RipplingJob } from "../sources/rippling/index.ts"
import { gem, normalizeGemPost, GemJobPost } from "../sources/gem/index.ts"
import { bamboohr, normalizeBambooJob, BambooJob } from "../sources/bamboohr/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { sources } from "../app/index.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"

const fixture = (f: string) => JSON.parse(readFileSync(join(__dirname, "..", "fixtures", f), "utf8"))
const board = { key: "b", token: "b", company: "Acme", domain: "acme.example" }

describe("rippling", () => {
  it("maps a board job to a posting with its department and location, no invented date", () => {
    const [j] = fixture("rippling/synthetic-1x-board.json").map((x: unknown) =>
      Schema.decodeUnknownSync(RipplingJob)(x)
    )
    const p = normalizeRipplingJob(board, j)
    expect(p).toMatchObject({
      source: "rippling",
      source_id: "b:5f0c1e52-7a3b-4c1d-9e2f-1a2b3c4d5e6f",
      title: "Senior Robotics Software Engineer",
      company: "Acme",
      company_domain: "acme.example",
      location: "Palo Alto, CA",
      department: "Engineering",
      posted_at: null
    })
  })
})

describe("gem", () => {
  it("reads location_type as the workplace, and falls back to the HTML content", () => {
    const [a, b] = fixture("gem/synthetic-11x-ai-board.json").map((x: unknown) =>
      Schema.decodeUnknownSync(GemJobPost)(x)
    )
    expect(normalizeGemPost(board, a)).toMatchObject({
      remote: "onsite",
      employment_type: "full_time",
      department: "Engineering",
      description_text: "Build agents."
    })
    expect(normalizeGemPost(board, a).posted_at).toMatch(/^2026-01-12/)
    expect(normalizeGemPost(board, b)).toMatchObject({ remote: "remote", description_text: "Design the product." })
  })
})

describe("bamboohr", () => {
  it("builds the job URL on the company's host and reads locationType", () => {
    const [a, b] = fixture("bamboohr/synthetic-1010games-careers.json").result.map((x: unknown) =>
      Schema.decodeUnknownSync(BambooJob)(x)
    )
    expect(normalizeBambooJob({ ...board, token: "1010games" }, a)).toMatchObject({
      url: "https://1010games.bamboohr.com/careers/41",
      location: "Liverpool, United Kingdom",
      remote: "onsite",
      department: "Engineering"
    })
    expect(normalizeBambooJob({ ...board, token: "1010games" }, b)).toMatchObject({
      remote: "remote",
      location: "United Kingdom"
    })
  })

  describe("in a DAG on loopback", () => {
    let replay: ReplayServer
    beforeAll(async () => {
      replay = await startReplayServer([rippling, gem, bamboohr])
    })
    afterAll(() => replay.close())

    it("stages the three boards, and BambooHR's request is counted against the company's own host", async () => {
      const dag = dagFrom(
        `version: 1
nodes:
  r: { source: rippling, with: { boards: [1x], base_url: "${replay.baseUrlFor("rippling")}" } }
  g: { source: gem, with: { boards: [11x-ai], base_url: "${replay.baseUrlFor("gem")}" } }
  b: { source: bamboohr, with: { boards: [1010games], base_url: "${replay.baseUrlFor("bamboohr")}" } }
`,
        tempDir()
      )
      const rows = await withDb(
        join(tempDir(), "w.duckdb"),
        Effect.gen(function* () {
          const { summary } = yield* run({ dag })
          expect(summary.nodes.map((n) => n.status)).toEqual(["success", "success", "success"])
          const w = yield* Warehouse
          return yield* w.query<{ source: string; n: number }>(
            "select source, count(*)::int as n from stg_jobs group by source order by source"
          )
        })
      )
      expect(rows).toEqual([
        { source: "bamboohr", n: 2 },
        { source: "gem", n: 2 },
        { source: "rippling", n: 2 }
      ])
      expect(replay.requests.some((r) => r.host === "1010games.bamboohr.com")).toBe(true)
      expect(sources.map((s) => s.kind)).toEqual(expect.arrayContaining(["rippling", "gem", "bamboohr"]))
    })
  })
})
