import { describe, expect, it, vi } from "vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Warehouse } from "../sinks/warehouse.ts"
import { estimateJobOps, runJobOps, type OpProgress } from "../transforms/intel/ops.ts"
import { recordingClock } from "./support/fake-llm.ts"
import { useFakeLlm } from "./support/use-fake-llm.ts"
import { installLayerAnswers } from "./support/fake-layers.ts"
import { dagFrom, withDb, dirWithProfile } from "./support/harness.ts"

const fake = useFakeLlm()

/** fast / balanced / quality on three differently priced OpenAI models, so the ledger shows which tier ran. */
const setup = (extra = "", intelWith = "") => {
  const dir = dirWithProfile()
  const dag = dagFrom(
    `version: 1
profile: profile.yaml
${extra}
llm:
  tiers: { fast: [openai/gpt-4o-mini], balanced: [openai/gpt-4.1-mini], quality: [openai/gpt-4o] }
  on_budget: downgrade
  retry: { times: 1, base: 10ms }
nodes:
  intel: { transform: intel${intelWith} }
`,
    dir
  )
  return { dag, db: join(dir, "w.duckdb") }
}

/** A synthetic posting (not a recording). */
const DESC =
  "Acme Health sells care-management software to health plans and payers. We need a leader to rebuild our payer sales team and own revenue targets. Forecast accuracy has been poor and the board wants predictable pipeline reviews in Salesforce. Requires 10+ years of experience in enterprise healthcare sales. Salary $180,000 - $220,000. This role is fully remote in the US."

/** `n` synthetic jobs of one company under varying spellings (one normalized company_key), fit tier A. */
const seed = (n: number, spellings = ["Acme Health"]) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    for (let i = 1; i <= n; i++) {
      const id = `j${i}`
      yield* w.exec(
        `insert into jobs (id, source, source_id, url, title, company, company_key, location, remote, description_text, first_seen, last_seen)
         values ($1, 'synthetic', $1, 'https://example.com/' || $1, $2, $3, 'acmehealth', 'Remote - US', 'remote', $4, now(), now())`,
        [id, `VP Sales ${i}`, spellings[i % spellings.length], DESC]
      )
      yield* w.exec("insert into job_scores (job_id, fit_score, tier) values ($1, 88, 'A')", [id])
    }
  })

const keys = () => {
  vi.stubEnv("OPENAI_API_KEY", "sk-test")
  vi.stubEnv("OPENAI_BASE_URL", fake.openaiUrl)
  vi.stubEnv("ANTHROPIC_API_KEY", "")
}

const { clock } = recordingClock()
const go = <A, E>(db: string, eff: Effect.Effect<A, E, any>) =>
  withDb(db, Effect.scoped(eff).pipe(Effect.withClock(clock)) as Effect.Effect<A, E, never>)

const ledger = (db: string) =>
  go(
    db,
    Effect.gen(function* () {
      return yield* (yield* Warehouse).query<{ node: string; model: string; tier: string; usd: number }>(
        "select node, model, tier, usd from llm_calls order by called_at"
      )
    })
  )

const layerStatus = (db: string, jobId: string) =>
  go(
    db,
    Effect.gen(function* () {
      const [r] = yield* (yield* Warehouse).query<{ s: string }>(
        "select layer_status::varchar as s from job_intel where job_id = $1",
        [jobId]
      )
      return JSON.parse(r.s) as Record<string, { status: string; tier?: string; model?: string; message?: string }>
    })
  )

const newSignal = (id: string, title: string) =>
  Effect.flatMap(Warehouse, (w) =>
    w.exec(
      `insert into signals (signal_id, company_key, company_name, type, signal_date, title, source_url, first_seen, last_seen)
       values ($1, 'acmehealth', 'Acme Health', 'funding', '2026-01-10', $2, 'https://news.example.com/' || $1, now(), now())`,
      [id, title]
    )
  )
const ageResearch = (days: number) =>
  Effect.flatMap(Warehouse, (w) =>
    w.exec(`update company_research_cache set researched_at = now() - interval ${days} days`)
  )
/** Forgets a job's layers, so its next run does them again. */
const forget = (jobId: string) =>
  Effect.flatMap(Warehouse, (w) => w.exec("delete from job_intel where job_id = $1", [jobId]))

const runOps = (
  dag: ReturnType<typeof setup>["dag"],
  jobId: string,
  ops: any[],
  seen: OpProgress[] = [],
  runId = "r1"
) => runJobOps(jobId, ops, { tier: "auto", dag, runId, onProgress: (p) => void seen.push(p) })

describe("intel cost: per-job cap and company research once per company (synthetic postings)", {
  timeout: 60_000
}, () => {
  it("without a cap a fit tier A job runs at quality; a cap its estimate does not fit downgrades to balanced, and the ledger says so", async () => {
    keys()
    installLayerAnswers(fake)
    const free = setup()
    await go(
      free.db,
      Effect.gen(function* () {
        yield* seed(1)
        return yield* runOps(free.dag, "j1", ["extract"])
      })
    )
    expect((await ledger(free.db)).map((r) => [r.model, r.tier])).toEqual([["gpt-4o", "quality"]])

    fake.reset()
    installLayerAnswers(fake)
    // extract's estimate (~745 tokens in, 900 out): gpt-4o ≈ $0.0109, gpt-4.1-mini ≈ $0.0017.
    const capped = setup("budgets: { llm: { per_job_usd: 0.005 } }")
    const seen: OpProgress[] = []
    const out = await go(
      capped.db,
      Effect.gen(function* () {
        yield* seed(1)
        return yield* runOps(capped.dag, "j1", ["extract"], seen)
      })
    )
    expect(out.results.extract).toBe("done")
    const rows = await ledger(capped.db)
    expect(rows.map((r) => [r.node, r.model, r.tier])).toEqual([["intel.extract_jd", "gpt-4.1-mini", "balanced"]])
    expect(rows.reduce((a, r) => a + r.usd, 0)).toBeLessThanOrEqual(0.005)
    const status = await layerStatus(capped.db, "j1")
    expect(status.extract_jd).toMatchObject({ status: "done", tier: "balanced", model: "gpt-4.1-mini" })
    expect(status.extract_jd.message).toMatch(/quality → balanced to stay within the per-job cap \$0\.005/)
  })

  it("when what is left does not fit even fast, the layer is skipped with the cap in the reason, recorded in layer_status, and no call is made for it", async () => {
    keys()
    installLayerAnswers(fake)
    // extract at fast ≈ $0.00065 fits $0.0009; pain at fast (~745 in, 1200 out ≈ $0.00083) no longer does.
    const { dag, db } = setup("budgets: { llm: { per_job_usd: 0.0009 } }")
    const seen: OpProgress[] = []
    const out = await go(
      db,
      Effect.gen(function* () {
        yield* seed(1)
        return yield* runOps(dag, "j1", ["extract", "pain"], seen)
      })
    )
    expect(out.results).toEqual({ extract: "done", pain: "skipped" })
    const rows = await ledger(db)
    expect(rows.map((r) => [r.node, r.tier])).toEqual([["intel.extract_jd", "fast"]])
    expect(rows.reduce((a, r) => a + r.usd, 0)).toBeLessThanOrEqual(0.0009)
    expect(fake.requests.filter((r) => r.schemaName === "pain_points_results")).toHaveLength(0)
    const why = seen.find((p) => p.op === "pain" && p.status === "skipped")!.message!
    expect(why).toMatch(
      /^pain_points skipped — per-job cap \$0\.0009 reached \(\$0\.000\d+ spent on this job; fast \(gpt-4o-mini\) would need ~\$0\.0008/
    )
    expect((await layerStatus(db, "j1")).pain_points).toMatchObject({ status: "skipped", message: why })

    // The cap skip is not remembered as done: with room again, the next run does the layer.
    fake.reset()
    installLayerAnswers(fake)
    const roomy = dagFrom(readFileSync(dag.path, "utf8").replace("per_job_usd: 0.0009", "per_job_usd: 0.01"), dag.dir)
    const again = await go(db, runOps(roomy, "j1", ["extract", "pain"], [], "r2"))
    expect(again.results).toEqual({ extract: "skipped", pain: "done" })
  })

  it("30 jobs of one company (three spellings) make 1 company research call; a cache older than company_research_days is asked again", async () => {
    keys()
    installLayerAnswers(fake)
    const { dag, db } = setup()
    await go(db, seed(30, ["Acme Health", "ACME Health, Inc.", "acme health"]))
    // Before anything ran, every job's estimate counts its own company research call.
    const before = await go(db, estimateJobOps(["j1", "j2"], ["research"], "auto", dag))
    expect(before.calls).toBe(4)
    await go(db, runOps(dag, "j1", ["research"], [], "r1"))
    // Once researched, the company's other jobs estimate only their role research.
    expect((await go(db, estimateJobOps(["j2"], ["research"], "auto", dag))).calls).toBe(1)
    await go(
      db,
      Effect.forEach(
        Array.from({ length: 29 }, (_, i) => `j${i + 2}`),
        (id) => runOps(dag, id, ["research"], [], `r-${id}`)
      )
    )
    const byNode = (rows: Array<{ node: string }>, node: string) => rows.filter((r) => r.node === node).length
    let rows = await ledger(db)
    expect(byNode(rows, "intel.company_research")).toBe(1)
    expect(byNode(rows, "intel.role_research")).toBe(30)

    // A new signal within the week changes nothing: research is once per company per week.
    await go(db, newSignal("sig-week", "acmehealth raises $40M Series C"))
    await go(db, forget("j1"))
    await go(db, runOps(dag, "j1", ["research"], [], "r-week"))
    expect(byNode(await ledger(db), "intel.company_research")).toBe(1)

    // Eight days later the 7-day default is stale: the next job of the company asks again.
    await go(db, ageResearch(8))
    await go(db, forget("j1"))
    await go(db, runOps(dag, "j1", ["research"], [], "r-stale"))
    rows = await ledger(db)
    expect(byNode(rows, "intel.company_research")).toBe(2)

    // With company_research_days: 30, an 8-day-old research is still reused.
    const monthly = setup("", ", with: { company_research_days: 30 }")
    await go(monthly.db, seed(2))
    await go(monthly.db, runOps(monthly.dag, "j1", ["research"], [], "m1"))
    await go(monthly.db, ageResearch(8))
    await go(monthly.db, newSignal("sig-month", "acmehealth hires a new CRO"))
    const est = await go(monthly.db, estimateJobOps(["j2"], ["research"], "auto", monthly.dag))
    expect(est.calls).toBe(1)
    await go(monthly.db, runOps(monthly.dag, "j2", ["research"], [], "m2"))
    expect(byNode(await ledger(monthly.db), "intel.company_research")).toBe(1)
  })
})
