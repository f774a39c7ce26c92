import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { join } from "node:path"
import { ASSUME, estimateBackfill } from "../app/backfill-estimate.ts"
import { sources } from "../app/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { builtinPrices, costUsd } from "../transforms/llm/prices.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer(sources)
})
afterAll(() => replay?.close())

const dagText = () => `
version: 1
nodes:
  greenhouse:
    source: greenhouse
    with: { boards: [gitlab, stripe, gongio], base_url: "${replay.baseUrlFor("greenhouse")}", per_second: 2 }
  dedupe:
    transform: dedupe
    needs: [greenhouse]
  relevance:
    transform: relevance
    needs: [dedupe]
  fit:
    transform: fit_score
    needs: [relevance]
`

describe("backfill --dry-run estimate", () => {
  it("mode: batch on a provider with a batch API is estimated at the batch price; DeepSeek (none) stays online", async () => {
    const text = dagText()
      .replace("    needs: [dedupe]\n", "    needs: [dedupe]\n    with: { mode: batch }\n")
      .replace("    needs: [relevance]\n", "    needs: [relevance]\n    with: { mode: batch }\n")
      .replace(
        "\nnodes:",
        `\nllm:\n  providers: { deepseek: { kind: openai_compatible, base_url: "https://api.deepseek.com" } }\n  tiers: { fast: [anthropic/claude-haiku-4-5], balanced: [deepseek/deepseek-chat] }\nnodes:`
      )
    const est = await withDb(
      join(tempDir(), "bf.duckdb"),
      estimateBackfill(dagFrom(text), { node: "greenhouse", since: "2026-01-01", until: "2026-01-31" })
    )
    const [rel, fit] = est.llm
    expect([rel.mode, fit.mode]).toEqual(["batch", "online"])
    const usage = (l: typeof rel) => ({
      inputTokens: l.inputTokens,
      cachedInputTokens: 0,
      outputTokens: l.outputTokens
    })
    expect(rel.usd).toBeCloseTo(costUsd(builtinPrices["claude-haiku-4-5"], usage(rel)) / 2, 4)
    expect(fit.usd).toBeCloseTo(costUsd(builtinPrices["deepseek-chat"], usage(fit)), 4)
  })

  it("without history: units against the rate limit, assumed jobs, LLM tokens priced from the price table", async () => {
    const db = join(tempDir(), "bf.duckdb")
    const dag = dagFrom(dagText())
    const est = await withDb(
      db,
      estimateBackfill(dag, { node: "greenhouse", since: "2026-01-01", until: "2026-01-31" })
    )
    expect(est.source).toMatchObject({
      units: 3,
      requests: 3,
      jobs: 3 * ASSUME.jobsPerUnit,
      limit: "2/s, 16 at once",
      timeDimension: "posted_at"
    })
    // The built-in tiers (no llm.tiers); with.mode unset: online when run by hand, batch when scheduled.
    expect(est.llm.map((l) => [l.node, l.tier, l.model, l.mode, l.scheduledMode])).toEqual([
      ["relevance", "fast", "gpt-5-nano", "online", "batch"],
      ["fit", "balanced", "gpt-5-mini", "online", "batch"]
    ])
    const rel = est.llm[0]
    expect(rel.jobs).toBe(75)
    const online = costUsd(builtinPrices["gpt-5-nano"], {
      inputTokens: rel.inputTokens,
      cachedInputTokens: 0,
      outputTokens: rel.outputTokens
    })
    expect(rel.usd).toBeCloseTo(online, 4)
    const scheduled = await withDb(
      db,
      estimateBackfill(dag, { node: "greenhouse", since: "2026-01-01", until: "2026-01-31" }, { scheduled: true })
    )
    expect(scheduled.llm.map((l) => l.mode)).toEqual(["batch", "batch"])
    expect(scheduled.llm[0].usd).toBeCloseTo(online / 2, 4)
    expect(est.llm[1].jobs).toBe(Math.round(75 * ASSUME.relevantShare))
    // Nothing was fetched or written.
    expect(replay.requests.length).toBe(0)
    const [{ n }] = await withDb(
      db,
      Effect.flatMap(Warehouse, (w) => w.query<{ n: number }>("select count(*)::int as n from runs"))
    )
    expect(n).toBe(0)
  })

  it("with history: requests and jobs per unit from past runs, and only the jobs inside the window", async () => {
    const db = join(tempDir(), "bf2.duckdb")
    const dag = dagFrom(dagText().replace(/\n {2}relevance:[\s\S]*$/, "\n"))
    const { summary } = await withDb(db, run({ dag }))
    expect(["success", "partial"]).toContain(summary.nodes[0].status)
    const [h] = await withDb(
      db,
      Effect.flatMap(Warehouse, (w) =>
        w.query<{ rows: number; requests: number }>(
          "select rows_out::int as rows, json_extract_string(details, '$.requests')::int as requests from node_runs where node = 'greenhouse'"
        )
      )
    )
    const all = await withDb(
      db,
      estimateBackfill(dag, { node: "greenhouse", since: "2000-01-01", until: "2100-01-01" })
    )
    expect(all.source.jobs).toBe(h.rows)
    expect(all.source.requests).toBe(h.requests)
    expect(all.source.basis).toMatch(/last 1 run/)
    const none = await withDb(
      db,
      estimateBackfill(dag, { node: "greenhouse", since: "2001-01-01", until: "2001-01-31" })
    )
    expect(none.source.jobs).toBe(0)
  })

  it("refuses a node that is not a source", async () => {
    const db = join(tempDir(), "bf3.duckdb")
    await expect(
      withDb(db, estimateBackfill(dagFrom(dagText()), { node: "dedupe", since: "2026-01-01" }))
    ).rejects.toThrow(/backfill takes a source node/)
  })
})
