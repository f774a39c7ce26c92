import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { yc } from "../sources/yc/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer([yc])
})
afterAll(() => replay.close())

describe("yc", { timeout: 60_000 }, () => {
  it("reads yc-oss batch and industry lists: batch, industry, team size, isHiring, website, former names", async () => {
    const dag = dagFrom(`version: 1
nodes:
  yc: { source: yc, with: { base_url: "${replay.baseUrlFor("yc")}", lists: [batches/fall-2025, industries/healthcare-it, industries/not-recorded] } }
`)
    const r = await withDb(
      join(tempDir("yc-"), "w.duckdb"),
      Effect.gen(function* () {
        const { summary } = yield* run({ dag })
        const w = yield* Warehouse
        const rows = yield* w.query<{
          list: string
          name: string
          batch: string
          industry: string
          team_size: number
          is_hiring: boolean
          website: string
          former_names: string[]
        }>(
          "select list, name, batch, industry, team_size, is_hiring, website, former_names from stg_yc_companies where run_id = $1",
          [summary.runId]
        )
        return { summary, rows }
      })
    )
    expect(r.summary.nodes[0].status).toBe("partial")
    expect(r.rows.filter((x) => x.list === "batches/fall-2025")).toHaveLength(148)
    expect(r.rows.filter((x) => x.list === "industries/healthcare-it")).toHaveLength(142)
    expect(r.rows.find((x) => x.name === "OpenBuilder")).toMatchObject({
      batch: "Fall 2025",
      industry: "B2B",
      team_size: 3,
      is_hiring: true,
      website: "https://theopenbuilder.com/",
      former_names: ["Personabo", "EasyCode (Formerly Personabo)", "EasyCode"]
    })
    expect(r.rows.find((x) => x.name === "DrChrono")).toMatchObject({ batch: "Winter 2011", team_size: 150 })
  })
})
