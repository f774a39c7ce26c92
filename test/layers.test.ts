import { describe, expect, it, vi } from "vitest"
import { Effect, Schema } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { NodeContext } from "../pipelines/node.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { estimateJobOps, runJobOps, type OpProgress } from "../transforms/intel/ops.ts"
import { IntelOptions, runIntel } from "../transforms/intel/node.ts"
import { annotationSignal, blendFit } from "../transforms/intel/fit.ts"
import { loadCandidate } from "../transforms/intel/candidate.ts"
import { recordingClock } from "./support/fake-llm.ts"
import { useFakeLlm } from "./support/use-fake-llm.ts"
import { installLayerAnswers } from "./support/fake-layers.ts"
import { dagFrom, transformCtx, withDb, dirWithProfile } from "./support/harness.ts"

const fake = useFakeLlm()

const ALL = ["extract", "pain", "research", "fit", "outreach", "cv", "dossier"] as const

const setup = (budget = "") => {
  const dir = dirWithProfile()
  const dag = dagFrom(
    `version: 1
profile: profile.yaml
${budget}
llm:
  tiers: { fast: [openai/gpt-4o-mini], balanced: [openai/gpt-4o-mini], quality: [openai/gpt-4o] }
  retry: { times: 1, base: 10ms }
nodes:
  intel: { transform: intel }
`,
    dir
  )
  return { dag, dir, db: join(dir, "w.duckdb") }
}

/** Synthetic postings (not recordings). */
const DESC =
  "Acme Health sells care-management software to health plans and payers. We need a leader to rebuild our payer sales team and own revenue targets. Forecast accuracy has been poor and the board wants predictable pipeline reviews in Salesforce. Requires 10+ years of experience in enterprise healthcare sales. Salary $180,000 - $220,000. This role is fully remote in the US."
const JOBS = [
  { id: "j1", title: "VP Sales, Payer Partnerships", tier: "A", score: 88, desc: DESC },
  {
    id: "j2",
    title: "Director of Revenue Operations",
    tier: "B",
    score: 75,
    desc: DESC.replace("rebuild our payer sales team", "rebuild our revenue operations")
  },
  { id: "j3", title: "Account Manager", tier: "C", score: 55, desc: DESC }
]

const seed = Effect.gen(function* () {
  const w = yield* Warehouse
  for (const j of JOBS) {
    yield* w.exec(
      `insert into jobs (id, source, source_id, url, title, company, company_key, location, remote, description_text, first_seen, last_seen)
      values ($1, 'synthetic', $1, 'https://example.com/' || $1, $2, 'Acme Health', 'acmehealth', 'Remote - US', 'remote', $3, now(), now())`,
      [j.id, j.title, j.desc]
    )
    yield* w.exec("insert into job_scores (job_id, fit_score, tier) values ($1, $2, $3)", [j.id, j.score, j.tier])
  }
  yield* w.exec(`insert into signals (signal_id, company_key, company_name, type, signal_date, title, source_url, first_seen, last_seen)
    values ('sig1', 'acmehealth', 'Acme Health', 'funding', '2026-01-10', 'Acme Health raises $40M Series C', 'https://news.example.com/acme-series-c', now(), now())`)
})

const keys = () => {
  vi.stubEnv("OPENAI_API_KEY", "sk-test")
  vi.stubEnv("OPENAI_BASE_URL", fake.openaiUrl)
  vi.stubEnv("ANTHROPIC_API_KEY", "")
}
const noKeys = () => {
  for (const k of ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]) vi.stubEnv(k, "")
}

const run = (
  dag: ReturnType<typeof setup>["dag"],
  jobId: string,
  ops: ReadonlyArray<(typeof ALL)[number]>,
  seen: OpProgress[] = [],
  runId = "r1"
) => runJobOps(jobId, ops, { tier: "auto", dag, runId, onProgress: (p) => void seen.push(p) })

const intelRow = (jobId: string) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const [r] = yield* w.query<Record<string, any>>("select * from job_intel where job_id = $1", [jobId])
    const json = (v: unknown) => (typeof v === "string" && /^[[{"]/.test(v) ? JSON.parse(v) : v)
    return Object.fromEntries(Object.entries(r ?? {}).map(([k, v]) => [k, json(v)]))
  })

const bySchema = (name: string) => fake.requests.filter((r) => r.schemaName === name)
const { clock } = recordingClock()
const go = <A, E>(db: string, eff: Effect.Effect<A, E, any>) =>
  withDb(db, Effect.scoped(eff).pipe(Effect.withClock(clock)) as Effect.Effect<A, E, never>)

describe("per-job layers", { timeout: 60_000 }, () => {
  it("without a provider key every LLM layer is skipped with the reason, the dossier has nothing to assemble, no call is made", async () => {
    noKeys()
    const { dag, db } = setup()
    const seen: OpProgress[] = []
    const out = await go(
      db,
      Effect.gen(function* () {
        yield* seed
        return yield* run(dag, "j1", ALL, seen)
      })
    )
    expect(out.results).toEqual({
      extract: "skipped",
      pain: "skipped",
      research: "skipped",
      fit: "skipped",
      outreach: "skipped",
      cv: "skipped",
      dossier: "skipped"
    })
    expect(fake.requests).toHaveLength(0)
    expect(seen.find((p) => p.op === "extract" && p.status === "skipped")!.message).toMatch(
      /no LLM provider key for the quality tier.*OPENAI_API_KEY/
    )
    expect(seen.find((p) => p.op === "dossier" && p.status === "skipped")!.message).toMatch(/nothing to assemble/)
  })

  it("runs every layer through the fake provider, stores the user's fields, and a rerun with unchanged inputs makes zero calls", async () => {
    keys()
    const { dag, db, dir } = setup()
    const seen: OpProgress[] = []
    const before = await go(
      db,
      Effect.gen(function* () {
        yield* seed
        return yield* estimateJobOps(["j1"], ALL, "auto", dag)
      })
    )
    expect(before.calls).toBe(8)
    expect(before.usd).toBeGreaterThan(0)
    installLayerAnswers(fake)
    const out = await go(db, run(dag, "j1", ALL, seen))
    expect(out.results).toEqual({
      extract: "done",
      pain: "done",
      research: "done",
      fit: "done",
      outreach: "done",
      cv: "done",
      dossier: "done"
    })
    expect(out.usd).toBeGreaterThan(0)
    // auto + fit tier A → the quality tier's model
    expect(new Set(fake.requests.map((r) => r.model))).toEqual(new Set(["gpt-4o"]))
    const row = await go(db, intelRow("j1"))

    const jd = row.extracted_jd
    expect(jd).toMatchObject({
      remote_policy: "fully_remote",
      seniority_level: "vp",
      years_experience_required: 10,
      salary: { min: 180000, max: 220000, from: "description" }
    })
    expect(jd.technical_skills).toEqual(expect.arrayContaining(["Salesforce", "Clari"]))
    const w = jd.competency_weights
    expect(w.delivery + w.process + w.architecture + w.leadership).toBe(100)

    for (const k of ["pain_points", "strategic_needs", "risks_if_unfilled", "success_metrics"]) {
      expect(row[k].length).toBeGreaterThanOrEqual(2)
      for (const i of row[k]) expect(DESC).toContain(i.evidence)
    }
    expect(row.why_now).toMatch(/funding/)

    expect(row.company_research).toMatchObject({ company_type: "employer", company_key: "acmehealth" })
    expect(row.company_research.signals).toEqual([
      {
        type: "funding",
        description: "Acme Health raises $40M Series C",
        date: "2026-01-10",
        source: "https://news.example.com/acme-series-c"
      }
    ])
    expect(row.role_research.business_impact).toHaveLength(3)

    const candidate = await Effect.runPromise(loadCandidate(dag))
    const signal = annotationSignal(candidate.annotations, `${JOBS[0].title}\n${DESC}`)
    expect(signal.matched).toEqual(expect.arrayContaining(["payer", "health plan", "salesforce"]))
    expect(row.fit_score).toBe(blendFit(80, signal))
    expect(row.fit_score).toBe(Math.round(0.7 * 80 + 0.3 * signal.score!))
    expect(row.fit_details).toMatchObject({
      model_score: 80,
      annotation_score: signal.score,
      star_ids: ["star-payer-arr", "star-forecast"]
    })
    expect(row.tier).toBe(row.fit_score >= 85 ? "A" : "B")
    expect(row.fit_rationale).toContain("[star-payer-arr]")

    expect(row.primary_contacts.map((c: any) => c.contact_type)).toEqual(["hiring_manager", "recruiter"])
    expect(row.secondary_contacts.map((c: any) => c.contact_type)).toEqual(["vp_director", "executive", "peer"])
    for (const c of [...row.primary_contacts, ...row.secondary_contacts]) {
      expect(c.is_synthetic).toBe(true)
      expect(c.name).toBeNull()
      expect(c.linkedin_connection_message.length).toBeLessThanOrEqual(300)
      expect(c.linkedin_inmail.length).toBeGreaterThanOrEqual(400)
    }
    expect(row.outreach_packages).toHaveLength(5)

    for (const role of row.cv_bullets) {
      expect(role.bullets.length).toBeGreaterThanOrEqual(3)
      expect(role.bullets.length).toBeLessThanOrEqual(5)
      const achievements = candidate.cv.roles.find((r) => r.id === role.role_id)!.achievements
      for (const b of role.bullets) expect(achievements).toContain(b.source_text)
    }
    expect(row.cv_text).toMatch(/^# Alex Example/)
    expect(row.cv_reasoning).toMatch(/QA rejected none/)

    expect(row.dossier_path).toBe(join(dir, "dossiers", "j1.md"))
    const md = readFileSync(row.dossier_path, "utf8")
    for (let s = 1; s <= 10; s++) expect(md).toContain(`## ${s}. `)
    expect(md).toContain("https://news.example.com/acme-series-c")

    expect(row.input_hashes).toHaveProperty("extract_jd")
    expect(Object.keys(row.layer_status).sort()).toEqual([
      "company_research",
      "cv_tailor",
      "dossier",
      "extract_jd",
      "fit_map",
      "outreach",
      "pain_points",
      "role_research"
    ])
    const ledger = await go(
      db,
      Effect.gen(function* () {
        return yield* (yield* Warehouse).query<{ node: string }>("select distinct node from llm_calls order by node")
      })
    )
    expect(ledger.map((r) => r.node)).toEqual([
      "intel.company_research",
      "intel.cv_header",
      "intel.cv_tailor",
      "intel.extract_jd",
      "intel.fit_map",
      "intel.outreach",
      "intel.pain_points",
      "intel.role_research"
    ])
    // per-phase progress, each op started then finished
    for (const op of ALL) {
      const mine = seen.filter((p) => p.op === op)
      expect(mine[0].status).toBe("started")
      expect(mine.at(-1)!.status).toBe("done")
    }
    expect(seen.some((p) => p.phase === "extract_jd:rules")).toBe(true)

    fake.reset()
    const seen2: OpProgress[] = []
    const again = await go(db, run(dag, "j1", ALL, seen2, "r2"))
    expect(fake.requests).toHaveLength(0)
    expect(Object.values(again.results).every((s) => s === "skipped")).toBe(true)
    expect(seen2.filter((p) => p.status === "skipped").every((p) => /inputs unchanged/.test(p.message!))).toBe(true)
    expect((await go(db, estimateJobOps(["j1"], ALL, "auto", dag))).calls).toBe(0)

    // A second job of the same company shares the company research (7-day cache): only role research is asked.
    installLayerAnswers(fake)
    const j2 = await go(db, run(dag, "j2", ["research"], [], "r3"))
    expect(j2.results.research).toBe("done")
    expect(bySchema("company_research_results")).toHaveLength(0)
    expect(bySchema("role_research_results")).toHaveLength(1)
    expect((await go(db, intelRow("j2"))).company_research.summary).toBe(row.company_research.summary)
  })

  it("re-asks answers that break a rule: weights not summing to 100, boilerplate, an unquoted evidence, an over-long InMail; QA drops invented-number bullets", async () => {
    keys()
    const { dag, db } = setup()
    installLayerAnswers(fake, {
      weights: true,
      boilerplate: true,
      longInmail: true,
      inventedBullet: true,
      tooFewValid: true
    })
    const out = await go(
      db,
      Effect.gen(function* () {
        yield* seed
        return yield* run(dag, "j1", ["extract", "pain", "outreach", "cv"])
      })
    )
    expect(out.results).toEqual({ extract: "done", pain: "done", outreach: "done", cv: "done" })
    expect(bySchema("extract_jd_results")).toHaveLength(2)
    expect(bySchema("pain_points_results")).toHaveLength(2)
    const outreachCalls = bySchema("outreach_results")
    expect(outreachCalls.map((r) => r.ids.length)).toEqual([5, 1])
    expect(outreachCalls[1].user).toContain("contact_type: hiring_manager")
    // tooFewValid: the first role is re-asked alone
    expect(bySchema("cv_role_results").map((r) => r.ids.length)).toEqual([3, 1])
    const row = await go(db, intelRow("j1"))
    const pm = row.primary_contacts.find((c: any) => c.contact_type === "hiring_manager")
    expect(pm.linkedin_inmail.length).toBe(500)
    expect(JSON.stringify(row.pain_points)).not.toMatch(/team player/)
    const bullets = row.cv_bullets.flatMap((r: any) => r.bullets)
    expect(bullets.some((b: any) => /250/.test(b.text))).toBe(false)
    expect(row.cv_reasoning).toMatch(/QA rejected 3: .*numbers not in the source achievement: 250/)

    fake.reset()
    installLayerAnswers(fake, { unquoted: true })
    const w = await go(db, run(dag, "j2", ["pain"], [], "r2"))
    expect(w.results.pain).toBe("done")
    expect(bySchema("pain_points_results")).toHaveLength(2)
  })

  it("a draft that stays invalid is left out with a note, never cut; a failing layer keeps the earlier results and the later layers run", async () => {
    keys()
    const { dag, db } = setup()
    installLayerAnswers(fake, { recruiterAlwaysLong: true })
    fake.script({ kind: "invalid_request" }, { times: 5, when: (r) => r.schemaName === "fit_map_results" })
    const seen: OpProgress[] = []
    const out = await go(
      db,
      Effect.gen(function* () {
        yield* seed
        return yield* run(dag, "j1", ["extract", "fit", "outreach", "dossier"], seen)
      })
    )
    expect(out.results).toEqual({ extract: "done", fit: "failed", outreach: "done", dossier: "done" })
    expect(seen.find((p) => p.status === "failed")!.message).toMatch(/fit_map failed: Fatal\/InvalidRequest/)
    const row = await go(db, intelRow("j1"))
    expect(row.extracted_jd).toBeTruthy()
    expect(row.fit_score).toBeNull()
    expect(row.layer_status.fit_map.status).toBe("failed")
    expect(row.primary_contacts.map((c: any) => c.contact_type)).toEqual(["hiring_manager"])
    // the recruiter: first batch, the batcher's re-ask alone, then a round that says what was wrong (and its own re-ask)
    const recruiter = bySchema("outreach_results").filter((r) => r.user.includes("contact_type: recruiter"))
    expect(recruiter).toHaveLength(4)
    expect(recruiter[1].user).not.toMatch(/REJECTED/)
    expect(recruiter[2].user).toMatch(/PREVIOUS ANSWER FOR THIS ITEM WAS REJECTED: .*95-205 words, got 300/)
    expect(row.layer_status.outreach.message).toMatch(/1 package\(s\) stayed invalid/)
    expect(readFileSync(row.dossier_path, "utf8")).toMatch(/## 7\. Fit analysis\n_not scored yet_/)

    // The rerun retries only the failed layer.
    fake.reset()
    installLayerAnswers(fake, { recruiterAlwaysLong: true })
    const again = await go(db, run(dag, "j1", ["extract", "fit"], [], "r2"))
    expect(again.results).toEqual({ extract: "skipped", fit: "done" })
    expect(fake.requests.map((r) => r.schemaName)).toEqual(["fit_map_results"])
  })

  it("a budget too small stops the LLM layers cleanly: the first fails with the budget, the rest are skipped", async () => {
    keys()
    const { dag, db } = setup("budgets: { llm: { per_run_usd: 0.000001 } }")
    installLayerAnswers(fake)
    const seen: OpProgress[] = []
    const out = await go(
      db,
      Effect.gen(function* () {
        yield* seed
        return yield* run(dag, "j1", ["extract", "pain"], seen)
      })
    )
    expect(out.results).toEqual({ extract: "failed", pain: "skipped" })
    expect(fake.requests).toHaveLength(0)
    expect(seen.find((p) => p.op === "pain" && p.status === "skipped")!.message).toMatch(/budget/)
  })

  it("the intel node picks fit tier A/B jobs, and without a key says so instead of failing", async () => {
    const { dag, db } = setup()
    // intel reads job_scores itself, not an input node's output.
    const ctx: NodeContext = { ...transformCtx(dag, "intel", "fit_score", "n1"), inputs: [] }
    noKeys()
    const skipped = await go(
      db,
      Effect.gen(function* () {
        yield* seed
        return yield* runIntel(Schema.decodeUnknownSync(IntelOptions)({}), ctx)
      })
    )
    expect(skipped.rowsIn).toBe(2)
    expect(skipped.notes).toHaveLength(1)
    expect(skipped.notes![0]).toMatch(
      /skipped extract, pain, research, fit, outreach, cv for 2 job\(s\): no LLM provider key/
    )
    expect(skipped.details).toMatchObject({ ops_skipped: 2 })
    // Nothing done for want of a key: the node ends skipped with that reason, not a green success.
    expect(skipped.skipped).toMatch(/^no LLM provider key/)
    keys()
    installLayerAnswers(fake)
    const done = await go(db, runIntel(Schema.decodeUnknownSync(IntelOptions)({ ops: ["extract"] }), ctx))
    expect(done).toMatchObject({ rowsIn: 2, rowsOut: 2, details: { ops_done: 2 } })
    expect(done.skipped).toBeUndefined()
    expect(bySchema("extract_jd_results").flatMap((r) => r.user.match(/title: (.*)/)![1])).toEqual([
      "VP Sales, Payer Partnerships",
      "Director of Revenue Operations"
    ])
    expect(existsSync(join(dag.dir, "dossiers"))).toBe(false)
  })
})
