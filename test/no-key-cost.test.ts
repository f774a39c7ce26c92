/**
 * Honest cost without a provider key: `run --dry-run` and `backfill --dry-run` price an LLM node only when its tier
 * has a key; without one it costs $0 and says what happens instead (relevance and fit_score lexical, intel skipped).
 * The dashboard's per-job estimate says its LLM layers are skipped rather than quoting USD.
 */
import { Effect } from "effect"
import { join } from "node:path"
import { afterEach, describe, expect, it, vi } from "vitest"
import { backfillDryRunReport, runDryRunReport } from "../app/dry-run-report.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { estimateJobOps } from "../transforms/intel/ops.ts"
import { dagFrom, tempDir, withDb, dirWithProfile } from "./support/harness.ts"

const setup = () => {
  const dir = dirWithProfile()
  // Nothing is fetched in a dry run: the base URL is never asked.
  return dagFrom(
    `version: 1
profile: profile.yaml
nodes:
  gh: { source: greenhouse, with: { boards: [gitlab, stripe], base_url: "http://127.0.0.1:9" } }
  dedupe: { transform: dedupe, needs: [gh] }
  relevance: { transform: relevance, needs: [dedupe] }
  fit_score: { transform: fit_score, needs: [relevance] }
  intel: { transform: intel, needs: [fit_score] }
`,
    dir
  )
}

const noKeys = () => {
  for (const k of ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "DEEPSEEK_API_KEY", "OPENROUTER_API_KEY"]) vi.stubEnv(k, "")
  for (const t of ["FAST", "BALANCED", "QUALITY"]) vi.stubEnv(`JOBSIGNAL_LLM_${t}`, "")
}
afterEach(() => {
  vi.unstubAllEnvs()
})

const db = () => join(tempDir(), "w.duckdb")

describe("cost without a provider key", () => {
  it("run --dry-run: $0 and lexical / skipped per LLM node, no USD estimate; with a key, the USD estimate", async () => {
    const dag = setup()
    noKeys()
    const without = await withDb(db(), runDryRunReport({ dag }))
    expect(without).toMatch(/relevance\s+relevance\s+fast\s+\(no key\)\s+\d+\s+0\s+0\s+0\s+lexical\s+\$0\n/)
    expect(without).toMatch(/intel\s+intel\s+\S+ \S+\s+\(no key\)\s+\d+\s+0\s+0\s+0\s+skipped\s+\$0\n/)
    expect(without).toContain("): relevance, fit_score lexical, intel skipped — $0\n")
    expect(without).toContain("no LLM provider key (set one of: anthropic (ANTHROPIC_API_KEY)")
    expect(without).not.toContain("estimated LLM cost")
    expect(without).not.toMatch(/\$0\.\d{4}/)

    vi.stubEnv("OPENAI_API_KEY", "sk-test")
    const withKey = await withDb(db(), runDryRunReport({ dag }))
    expect(withKey).toMatch(/estimated LLM cost: \$\d+\.\d{4} at most/)
    expect(withKey).toMatch(/relevance\s+relevance\s+fast\s+gpt-5-nano\s+\d+\s+[1-9]\d*\s/)
    expect(withKey).not.toContain("(no key)")
    expect(withKey).not.toContain("no LLM provider key")
  })

  it("backfill --dry-run: the same, and no token basis or price list for calls it will not make", async () => {
    const dag = setup()
    noKeys()
    const without = await withDb(db(), backfillDryRunReport({ dag, backfill: { node: "gh", since: "2025-01-01" } }))
    expect(without).toContain("relevance, fit_score lexical, intel skipped — $0")
    expect(without).not.toContain("estimated LLM cost")
    expect(without).not.toContain("tokens/job")
    expect(without).not.toContain("prices: built-in list prices")
    vi.stubEnv("ANTHROPIC_API_KEY", "sk-ant-test")
    const withKey = await withDb(db(), backfillDryRunReport({ dag, backfill: { node: "gh", since: "2025-01-01" } }))
    expect(withKey).toMatch(/estimated LLM cost: \$\d+\.\d{4} at most/)
    expect(withKey).toContain("prices: built-in list prices")
  })

  it("the dashboard's per-job estimate: $0 and why without a key for the tier; calls and USD with one", async () => {
    const dag = setup()
    const file = db()
    const job = Effect.flatMap(Warehouse, (w) =>
      w.exec(
        `insert into jobs (id, source, source_id, url, title, company, company_key, location, remote, description_text, first_seen, last_seen)
         values ('j1', 'synthetic', 'j1', 'https://example.com/j1', 'Data Engineer', 'Acme', 'acme', 'Remote', 'remote', 'We build data pipelines in Python and SQL.', now(), now())`
      )
    )
    await withDb(file, job)
    noKeys()
    const without = await withDb(file, estimateJobOps(["j1"], ["extract", "pain"], "fast", dag))
    expect(without).toMatchObject({ calls: 0, inputTokens: 0, outputTokens: 0, usd: 0 })
    expect(without.skipped).toMatch(
      /^no LLM provider key for the fast tier \(set one of: .*ANTHROPIC_API_KEY.*\): its LLM layers are skipped — \$0$/
    )
    vi.stubEnv("OPENAI_API_KEY", "sk-test")
    const withKey = await withDb(file, estimateJobOps(["j1"], ["extract", "pain"], "fast", dag))
    expect(withKey.calls).toBeGreaterThan(0)
    expect(withKey.usd).toBeGreaterThan(0)
    expect(withKey.skipped).toBeUndefined()
  })
})
