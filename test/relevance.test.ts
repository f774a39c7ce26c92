import { describe, expect, it, vi } from "vitest"
import { Effect } from "effect"
import { copyFileSync } from "node:fs"
import { join } from "node:path"
import type { NodeContext } from "../pipelines/node.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { scoreFit, FitScoreOptions } from "../transforms/fit-score.ts"
import { fitCategoryOf, fitTierOf } from "../transforms/llm/tiers.ts"
import { judgeRelevance, RelevanceOptions } from "../transforms/relevance.ts"
import { Schema } from "effect"
import { advancingClock, recordingClock } from "./support/fake-llm.ts"
import { useFakeLlm } from "./support/use-fake-llm.ts"
import { dagFrom, tempDir, withDb, transformCtx } from "./support/harness.ts"

const fake = useFakeLlm()

const dagText = (budget = "") => `version: 1
profile: profile.yaml
${budget}
llm:
  tiers: { fast: [anthropic/claude-haiku-4-5], balanced: [openai/gpt-4o-mini], quality: [openai/gpt-4o] }
  retry: { times: 2, base: 10ms }
nodes:
  dedupe: { transform: dedupe }
  relevance: { transform: relevance, needs: [dedupe] }
  fit_score: { transform: fit_score, needs: [relevance] }
`

const setup = (budget = "") => {
  const dir = tempDir()
  copyFileSync("profile.yaml", join(dir, "profile.yaml"))
  return { dag: dagFrom(dagText(budget), dir), db: join(dir, "w.duckdb") }
}

/** Synthetic jobs written straight into `jobs`, as dedupe would have left them for run `runId`. */
const JOBS = [
  {
    id: "j1",
    title: "VP Sales, Payer Partnerships",
    company: "Acme Health",
    location: "Remote - US",
    remote: "remote",
    description_text: "Lead sales to health plans and payers. Own revenue targets and build the team."
  },
  {
    id: "j2",
    title: "Registered Nurse",
    company: "City Hospital",
    location: "Boston, MA",
    remote: "onsite",
    description_text: "Patient care on a medical-surgical unit."
  },
  {
    id: "j3",
    title: "Director of Engineering",
    company: "CareFlow",
    location: "Remote",
    remote: "remote",
    description_text: "Lead engineering teams building healthcare SaaS with FHIR integrations."
  },
  {
    id: "j4",
    title: "Head of Revenue Operations",
    company: "PlanPilot",
    location: "New York, NY",
    remote: "hybrid",
    description_text: "Own forecasting, pipeline and Salesforce for a payer-facing GTM team."
  },
  {
    id: "j5",
    title: "Senior Director, Product Marketing",
    company: "Widgets Inc",
    location: "Remote",
    remote: "remote",
    description_text: "Launch consumer products; B2C marketing."
  }
]

const seed = (runId: string, changed: Partial<Record<string, string>> = {}) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    for (const j of JOBS)
      yield* w.exec(
        `insert into jobs (id, source, source_id, title, company, location, remote, description_text, first_seen, last_seen, last_run_id)
         values ($1, 'synthetic', $1, $2, $3, $4, $5, $6, now(), now(), $7)
         on conflict (id) do update set description_text = excluded.description_text, last_run_id = excluded.last_run_id`,
        [j.id, j.title, j.company, j.location, j.remote, changed[j.id] ?? j.description_text, runId]
      )
  })

const relOpts = Schema.decodeUnknownSync(RelevanceOptions)({})
const fitOpts = Schema.decodeUnknownSync(FitScoreOptions)({})

const runBoth = (dag: NodeContext["dag"], runId: string) =>
  Effect.gen(function* () {
    const rel = yield* judgeRelevance(relOpts, transformCtx(dag, "relevance", "dedupe", runId))
    const fit = yield* scoreFit(fitOpts, transformCtx(dag, "fit_score", "relevance", runId))
    const w = yield* Warehouse
    const rows = yield* w.query<Record<string, any>>("select * from job_scores order by job_id")
    const calls = yield* w.query<{ n: number }>("select count(*)::int as n from llm_calls")
    return { rel, fit, rows, calls: calls[0].n }
  })

const keys = () => {
  vi.stubEnv("ANTHROPIC_API_KEY", "sk-ant-test")
  vi.stubEnv("ANTHROPIC_BASE_URL", fake.anthropicUrl)
  vi.stubEnv("OPENAI_API_KEY", "sk-test")
  vi.stubEnv("OPENAI_BASE_URL", fake.openaiUrl)
}
const noKeys = () => {
  for (const k of ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]) vi.stubEnv(k, "")
}

describe("relevance and fit_score nodes", { timeout: 60_000 }, () => {
  it("without a key both fall back to the lexical scorer, say so once, and make no calls", async () => {
    noKeys()
    const { dag, db } = setup()
    const out = await withDb(
      db,
      Effect.gen(function* () {
        yield* seed("r1")
        return yield* runBoth(dag, "r1")
      })
    )
    expect(out.calls).toBe(0)
    expect(out.rel.notes).toHaveLength(1)
    expect(out.rel.notes![0]).toMatch(/no LLM provider key.*lexical/)
    expect(out.fit.notes).toHaveLength(1)
    expect(out.rows.every((r) => r.relevance_by === "lexical")).toBe(true)
    const nurse = out.rows.find((r) => r.job_id === "j2")!
    expect(nurse).toMatchObject({ relevant: false })
    expect(nurse.relevance_reason).toMatch(/prefilter: title has avoided keyword "nurse"/)
    const scored = out.rows.filter((r) => r.fit_score !== null)
    expect(scored.length).toBeGreaterThan(0)
    for (const r of scored)
      expect(r).toMatchObject({
        scored_by: "lexical",
        tier: fitTierOf(r.fit_score),
        fit_category: fitCategoryOf(r.fit_score)
      })
    expect(scored.every((r) => r.relevant === true)).toBe(true)
  })

  it("with keys: prefilter first, the fast tier judges survivors, the balanced tier scores; a rerun over unchanged jobs makes zero calls", async () => {
    keys()
    const { dag, db } = setup()
    const { clock } = recordingClock()
    const first = await withDb(
      db,
      Effect.gen(function* () {
        yield* seed("r1")
        return yield* runBoth(dag, "r1")
      }).pipe(Effect.withClock(clock))
    )
    const relCalls = fake.requests.filter((r) => r.api === "anthropic")
    const fitCalls = fake.requests.filter((r) => r.api === "openai")
    expect(relCalls.length).toBe(1)
    // The nurse was rejected by the free prefilter: no model ever saw it.
    expect(fake.requests.some((r) => r.user.includes("Registered Nurse"))).toBe(false)
    expect(first.rows.find((r) => r.job_id === "j2")).toMatchObject({ relevant: false, relevance_by: "lexical" })
    const judged = first.rows.filter((r) => r.relevance_by === "llm")
    expect(judged.length).toBe(relCalls[0].ids.length)
    expect(judged.every((r) => r.relevance_model === "claude-haiku-4-5")).toBe(true)
    expect(fitCalls.length).toBe(1)
    const scored = first.rows.filter((r) => r.fit_score !== null)
    expect(scored.length).toBe(fitCalls[0].ids.length)
    for (const r of scored) {
      expect(r).toMatchObject({
        scored_by: "llm",
        model: "gpt-4o-mini",
        tier: fitTierOf(r.fit_score),
        fit_category: fitCategoryOf(r.fit_score)
      })
      expect(r.fit_rationale.length).toBeGreaterThan(0)
      expect(fitCalls[0].user).toContain(r.fit_quote)
    }
    expect(first.calls).toBe(2)
    expect(first.rel.notes).toEqual([])

    fake.reset()
    const again = await withDb(
      db,
      Effect.gen(function* () {
        yield* seed("r2")
        return yield* runBoth(dag, "r2")
      }).pipe(Effect.withClock(clock))
    )
    expect(fake.requests.length).toBe(0)
    expect(again.calls).toBe(2)
    expect(again.rel.details).toMatchObject({ unchanged: 5 })
    expect(again.fit.details).toMatchObject({ unchanged: scored.length })
    expect(again.rows.map((r) => [r.job_id, r.relevant, r.fit_score])).toEqual(
      first.rows.map((r) => [r.job_id, r.relevant, r.fit_score])
    )

    // One changed description: only that job is judged and scored again.
    const third = await withDb(
      db,
      Effect.gen(function* () {
        yield* seed("r3", { j1: JOBS[0].description_text + " Quota-carrying." })
        return yield* runBoth(dag, "r3")
      }).pipe(Effect.withClock(clock))
    )
    expect(fake.requests.map((r) => r.ids.length)).toEqual([1, 1])
    expect(third.calls).toBe(4)
  })

  it("a budget too small for the next call stops the node cleanly with BudgetExceeded, unjudged jobs left for later", async () => {
    keys()
    const { dag, db } = setup("budgets: { llm: { per_run_usd: 0.00001 } }")
    const out = await withDb(
      db,
      Effect.gen(function* () {
        yield* seed("r1")
        return yield* runBoth(dag, "r1")
      })
    )
    expect(fake.requests.length).toBe(0)
    expect(out.rel.partial).toBe(true)
    expect(out.rel.details).toMatchObject({ outcome: "BudgetExceeded" })
    expect(out.rel.notes!.join(" ")).toMatch(/BudgetExceeded: LLM budget per run is \$0\.0000/)
    const survivors = out.rows.filter((r) => r.relevance_by === null)
    expect(survivors.length).toBeGreaterThan(0)
    expect(survivors.every((r) => r.relevant === null && r.relevance_prompt_version === null)).toBe(true)
  })
})

describe("with.mode: batch on the nodes", { timeout: 60_000 }, () => {
  it("relevance and fit_score go through the batch APIs; a node run after a crash resumes the committed batch; a rerun makes 0 calls", async () => {
    keys()
    const { dag, db } = setup()
    const { clock } = recordingClock()
    const batchRel = Schema.decodeUnknownSync(RelevanceOptions)({ mode: "batch" })
    const batchFit = Schema.decodeUnknownSync(FitScoreOptions)({ mode: "batch", batch_deadline: "12h" })
    const creates = () => fake.batchOps.filter((o) => o.op === "create").length
    // The first relevance run dies while its batch is in flight (after two polls).
    fake.planBatches({ pollsBeforeEnd: 1_000_000 })
    const crashed = await withDb(
      db,
      Effect.gen(function* () {
        yield* seed("r1")
        return yield* Effect.raceFirst(
          judgeRelevance(batchRel, transformCtx(dag, "relevance", "dedupe", "r1")),
          Effect.promise(async () => {
            while (fake.batchOps.filter((o) => o.op === "retrieve").length < 2)
              await new Promise((ok) => setTimeout(ok, 2))
          }).pipe(Effect.flatMap(() => Effect.fail(new Error("crash") as never)))
        ).pipe(Effect.either)
      }).pipe(Effect.withClock(clock))
    )
    expect(crashed._tag).toBe("Left")
    expect(creates()).toBe(1)
    fake.planBatches({ pollsBeforeEnd: 1 })
    const run = (runId: string) =>
      withDb(
        db,
        Effect.gen(function* () {
          yield* seed(runId)
          const rel = yield* judgeRelevance(batchRel, transformCtx(dag, "relevance", "dedupe", runId))
          const fit = yield* scoreFit(batchFit, transformCtx(dag, "fit_score", "relevance", runId))
          const w = yield* Warehouse
          const rows = yield* w.query<Record<string, any>>("select * from job_scores order by job_id")
          const batches = yield* w.query<{ node: string; status: string }>(
            "select node, status from llm_batches order by submitted_at"
          )
          return { rel, fit, rows, batches }
        }).pipe(Effect.withClock(clock))
      )
    const second = await run("r2")
    // relevance resumed its batch (no second create); fit_score submitted its own.
    expect(creates()).toBe(2)
    expect(second.batches).toEqual([
      { node: "relevance", status: "ended" },
      { node: "fit_score", status: "ended" }
    ])
    expect(second.rel.details).toMatchObject({ batchesResumed: 1, batchesSubmitted: 0 })
    expect(second.fit.details).toMatchObject({ mode: "batch", batchesSubmitted: 1 })
    expect(fake.requests.every((r) => r.batchId !== undefined)).toBe(true)
    expect(second.rows.filter((r) => r.relevance_by === "llm").length).toBeGreaterThan(0)
    expect(second.rows.filter((r) => r.scored_by === "llm").length).toBeGreaterThan(0)
    fake.reset()
    const third = await run("r3")
    expect(fake.requests).toEqual([])
    expect(fake.batchOps).toEqual([])
    expect(third.rows.map((r) => [r.job_id, r.relevant, r.fit_score])).toEqual(
      second.rows.map((r) => [r.job_id, r.relevant, r.fit_score])
    )
  })
})

describe("with.mode unset: batch when scheduled, online when someone waits", { timeout: 60_000 }, () => {
  it("a scheduled run's relevance and fit_score go through the batch APIs; the same nodes in an interactive run call online", async () => {
    keys()
    const { clock } = recordingClock()
    const rel = Schema.decodeUnknownSync(RelevanceOptions)({})
    const fit = Schema.decodeUnknownSync(FitScoreOptions)({})
    expect([rel.mode, fit.mode]).toEqual([undefined, undefined])
    fake.planBatches({ pollsBeforeEnd: 1 })
    const both = (scheduled: boolean) => {
      const { dag, db } = setup()
      const ctx = (node: string, need: string) => ({ ...transformCtx(dag, node, need, "r1"), scheduled })
      return withDb(
        db,
        Effect.gen(function* () {
          yield* seed("r1")
          return {
            rel: yield* judgeRelevance(rel, ctx("relevance", "dedupe")),
            fit: yield* scoreFit(fit, ctx("fit_score", "relevance"))
          }
        }).pipe(Effect.withClock(clock))
      )
    }
    const scheduled = await both(true)
    expect(scheduled.fit.details).toMatchObject({ mode: "batch", batchesSubmitted: 1 })
    expect(fake.batchOps.filter((o) => o.op === "create")).toHaveLength(2)
    expect(fake.requests.length).toBeGreaterThan(0)
    expect(fake.requests.every((r) => r.batchId !== undefined)).toBe(true)
    fake.reset()
    const interactive = await both(false)
    expect(interactive.fit.details).toMatchObject({ mode: "online", batchesSubmitted: 0 })
    expect(fake.batchOps).toEqual([])
    expect(fake.requests.length).toBeGreaterThan(0)
    expect(fake.requests.every((r) => r.batchId === undefined)).toBe(true)
  })
})

describe("batch mode within the node's timeout", { timeout: 60_000 }, () => {
  it("at its timeout the node stops waiting, reports the jobs pending and partial; the next run resumes the same batch", async () => {
    keys()
    const { dag, db } = setup()
    const { clock, sleeps } = advancingClock()
    const batchRel = Schema.decodeUnknownSync(RelevanceOptions)({ mode: "batch" })
    fake.planBatches({ pollsBeforeEnd: 1_000_000 })
    const ctx = (runId: string) => ({ ...transformCtx(dag, "relevance", "dedupe", runId), timeoutMs: 30 * 60_000 })
    const first = await withDb(
      db,
      Effect.gen(function* () {
        yield* seed("r1")
        return yield* judgeRelevance(batchRel, ctx("r1"))
      }).pipe(Effect.withClock(clock))
    )
    expect(first.partial).toBe(true)
    expect(first.notes!.join(" ")).toMatch(/still running; the next run resumes it/)
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(30 * 60_000)
    fake.planBatches({ pollsBeforeEnd: 1 })
    const second = await withDb(
      db,
      Effect.gen(function* () {
        yield* seed("r2")
        return yield* judgeRelevance(batchRel, ctx("r2"))
      }).pipe(Effect.withClock(clock))
    )
    expect(fake.batchOps.filter((o) => o.op === "create").length).toBe(1)
    expect(second.partial).toBe(false)
    expect(second.details).toMatchObject({ batchesResumed: 1, batchesSubmitted: 0 })
  })
})
