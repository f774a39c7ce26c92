import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { join } from "node:path"
import { sources } from "../app/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { seedSyntheticAnalytics } from "../scripts/synthetic-analytics.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"

let replay: ReplayServer
const db = join(tempDir(), "views.duckdb")
let runId = ""

const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  withDb(
    db,
    Effect.flatMap(Warehouse, (w) => w.query<T>(sql, params))
  )

beforeAll(async () => {
  replay = await startReplayServer(sources)
  // "nosuchboard" has no recording: the replay server answers 404, a skippable unit error.
  const dag = dagFrom(`
version: 1
nodes:
  greenhouse:
    source: greenhouse
    with: { boards: [gitlab, stripe, gongio, generalassembly, nosuchboard], base_url: "${replay.baseUrlFor("greenhouse")}", details: false }
  dedupe:
    transform: dedupe
    needs: [greenhouse]
`)
  const { summary } = await withDb(db, run({ dag }))
  runId = summary.runId
  await withDb(db, seedSyntheticAnalytics(runId, { scored: 40 }))
})

afterAll(() => replay?.close())

describe("analytics views", () => {
  it("v_jobs has every canonical job once, with its score and sources", async () => {
    const [{ jobs }] = await q<{ jobs: number }>("select count(*)::int as jobs from jobs")
    const rows = await q<{ id: string; tier: string | null; sources: string[]; n_sources: number }>(
      "select id, tier, sources, n_sources from v_jobs"
    )
    expect(jobs).toBeGreaterThan(8)
    expect(rows.length).toBe(jobs)
    expect(new Set(rows.map((r) => r.id)).size).toBe(jobs)
    expect(rows.filter((r) => r.tier === "A").length).toBe(Math.ceil(jobs / 4))
    expect(rows.every((r) => r.sources.length === 1 && r.sources[0] === "greenhouse" && r.n_sources === 1)).toBe(true)
  })

  it("v_funnel follows one run from fetched to A/B tier", async () => {
    const [f] = await q<Record<string, number | string>>("select * from v_funnel where run_id = $1", [runId])
    const [{ staged }] = await q<{ staged: number }>("select count(*)::int as staged from stg_jobs where run_id = $1", [
      runId
    ])
    const [{ jobs }] = await q<{ jobs: number }>("select count(*)::int as jobs from jobs")
    expect(Number(f.fetched)).toBe(staged)
    expect(Number(f.new)).toBe(jobs) // first run: every job is new
    const tierOf = Array.from({ length: jobs }, (_, i) => i % 4)
    expect(Number(f.relevant)).toBe(tierOf.filter((t) => t !== 3).length)
    expect(Number(f.scored)).toBe(tierOf.filter((t) => t !== 3).length)
    expect(Number(f.ab_tier)).toBe(tierOf.filter((t) => t < 2).length)
    expect(Number(f.written)).toBe(0) // no sink node in this DAG
  })

  it("v_source_health counts units, rows and the 404 board by type", async () => {
    const rows = await q<Record<string, unknown>>("select * from v_source_health where run_id = $1", [runId])
    expect(rows.map((r) => r.node)).toEqual(["greenhouse"])
    const h = rows[0]
    expect(h.status).toBe("partial")
    expect(h.units).toBe(5)
    expect(h.failed_units).toBe(1)
    expect(Number(h.skippable_errors)).toBe(1)
    expect(Number(h.errors)).toBe(1)
    expect(JSON.stringify(h.errors_by_reason)).toContain("Skippable:NotFound")
    expect(Number(h.rows)).toBeGreaterThan(0)
    expect(Number(h.duration_s)).toBeGreaterThanOrEqual(0)
    // dedupe is a transform, not a source
    const [{ n }] = await q<{ n: number }>("select count(*)::int as n from v_source_health where node = 'dedupe'")
    expect(n).toBe(0)
  })

  it("v_llm_cost_daily sums calls, tokens and USD per day, node, model and tier", async () => {
    const rows = await q<Record<string, unknown>>("select * from v_llm_cost_daily order by day, tier")
    expect(rows.length).toBe(10) // 5 days × 2 tiers
    const last = rows.filter((r) => String(r.day).startsWith("2026-11-05"))
    const fast = last.find((r) => r.tier === "fast")!
    expect(Number(fast.calls)).toBe(5)
    expect(Number(fast.failed_calls)).toBe(1)
    expect(Number(fast.tokens)).toBe(5 * 4800)
    expect(Number(fast.usd)).toBeCloseTo(0.05, 6)
    const [{ total }] = await q<{ total: number }>("select sum(usd) as total from v_llm_cost_daily")
    expect(total).toBeCloseTo(15 * 0.06, 6)
  })

  it("v_dq is per rule: checked, passed, quarantined, still-open quarantine", async () => {
    const rows = await q<Record<string, unknown>>("select * from v_dq order by rule")
    expect(rows.map((r) => r.rule)).toEqual(["required_fields", "url_valid"])
    expect(Number(rows[0].checked)).toBe(100)
    expect(Number(rows[0].passed)).toBe(97)
    expect(Number(rows[0].quarantined)).toBe(3)
    expect(Number(rows[0].open_quarantine)).toBe(2)
    expect(Number(rows[1].open_quarantine)).toBe(0)
  })

  it("v_signals and v_leads join signals to companies with A/B jobs", async () => {
    const sig = await q<{ company: string; type: string }>("select company, type from v_signals")
    expect(sig.length).toBeGreaterThan(0)
    const leads = await q<{ company_key: string; signals: number; ab_jobs: number; lead_score: number }>(
      "select * from v_leads order by lead_score desc"
    )
    expect(leads.length).toBeGreaterThan(0)
    expect(leads.every((l) => l.signals > 0 || l.ab_jobs > 0)).toBe(true)
    expect(leads.some((l) => l.signals > 0 && l.ab_jobs > 0)).toBe(true)
  })
})
