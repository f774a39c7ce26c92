import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest"
import { Effect, Either, Schema } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { Warehouse } from "../sinks/warehouse.ts"
import { greenhouse } from "../sources/greenhouse/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { FitScoreOptions, scoreFit } from "../transforms/fit-score.ts"
import { judgeRelevance, RelevanceOptions } from "../transforms/relevance.ts"
import { cli } from "./support/cli.ts"
import { recordingClock, startFakeLlm, type FakeLlm } from "./support/fake-llm.ts"
import { dagFrom, tempDir, withDb, transformCtx } from "./support/harness.ts"

let fake: FakeLlm
let replay: ReplayServer
beforeAll(async () => {
  fake = await startFakeLlm()
  replay = await startReplayServer([greenhouse])
})
afterAll(async () => {
  await fake.close()
  await replay.close()
})
afterEach(() => {
  vi.unstubAllEnvs()
  fake.reset()
})

/** Every job the fixtures hold passes its rules, so every one of them goes to the model. */
const OPEN_PROFILE = `summary: anyone
target_titles: [Account Executive, Engineer, Manager]
remote: any
`
const LLM = `llm:
  tiers: { fast: [anthropic/claude-haiku-4-5], balanced: [openai/gpt-4o-mini], quality: [openai/gpt-4o] }
  retry: { times: 1, base: 10ms }`

const keys = (f: FakeLlm) => ({
  ANTHROPIC_API_KEY: "sk-ant-test",
  ANTHROPIC_BASE_URL: f.anthropicUrl,
  OPENAI_API_KEY: "sk-test",
  OPENAI_BASE_URL: f.openaiUrl
})
const ALWAYS = { times: 1_000_000 }

const JOBS = [
  ["j1", "VP Sales, Payer Partnerships", "Acme Health", "Lead sales to health plans and payers."],
  ["j3", "Director of Engineering", "CareFlow", "Lead engineering teams building healthcare SaaS."],
  ["j4", "Head of Revenue Operations", "PlanPilot", "Own forecasting and pipeline for a payer-facing GTM team."]
] as const

/** relevance (with `relevance` options) then, if asked, fit_score, on three seeded jobs; each node's Either. */
const nodes = (relevanceOpts: Record<string, unknown>, thenFit: (() => void) | undefined) => {
  for (const [k, v] of Object.entries(keys(fake))) vi.stubEnv(k, v)
  const dir = tempDir()
  writeFileSync(join(dir, "profile.yaml"), OPEN_PROFILE)
  const dag = dagFrom(`version: 1\nprofile: profile.yaml\n${LLM}\nnodes:\n  dedupe: { transform: dedupe }\n`, dir)
  const { clock } = recordingClock()
  return withDb(
    join(dir, "w.duckdb"),
    Effect.gen(function* () {
      const w = yield* Warehouse
      for (const [id, title, company, description] of JOBS)
        yield* w.exec(
          `insert into jobs (id, source, source_id, title, company, location, remote, description_text, first_seen, last_seen, last_run_id)
        values ($1, 'synthetic', $1, $2, $3, 'Remote', 'remote', $4, now(), now(), 'r1')`,
          [id, title, company, description]
        )
      const rel = yield* judgeRelevance(
        Schema.decodeUnknownSync(RelevanceOptions)(relevanceOpts),
        transformCtx(dag, "relevance", "dedupe")
      ).pipe(Effect.either)
      thenFit?.()
      const fit = thenFit
        ? yield* scoreFit(
            Schema.decodeUnknownSync(FitScoreOptions)({}),
            transformCtx(dag, "fit_score", "relevance")
          ).pipe(Effect.either)
        : undefined
      const rows = yield* w.query<{ job_id: string; relevant: boolean | null; fit_score: number | null }>(
        "select job_id, relevant, fit_score from job_scores order by job_id"
      )
      return { rel, fit, rows }
    }).pipe(Effect.withClock(clock))
  )
}

describe("an LLM node whose every call failed", { timeout: 120_000 }, () => {
  it("relevance: 500 to every call fails the node with a retriable error naming it, and writes no rows", async () => {
    fake.script({ kind: "server_error" }, ALWAYS)
    const { rel, rows } = await nodes({}, undefined)
    expect(fake.requests.length).toBe(2) // one call, retried once
    expect(Either.isLeft(rel)).toBe(true)
    expect(Either.isLeft(rel) && rel.left).toMatchObject({ _tag: "Retriable", reason: "ServerError" })
    expect(Either.isLeft(rel) && rel.left.message).toMatch(
      /^relevance: every LLM call failed: 3 of 3 item\(s\) unanswered after 2 call\(s\).*ServerError after 2 attempts/
    )
    expect(rows).toEqual([])
  })

  it("fit_score: 529 to every call fails the node as Overloaded", async () => {
    const { rel, fit } = await nodes({}, () => fake.script({ kind: "overloaded" }, ALWAYS))
    expect(Either.isRight(rel)).toBe(true)
    expect(fit && Either.isLeft(fit) && fit.left).toMatchObject({ _tag: "Retriable", reason: "Overloaded" })
    expect(fit && Either.isLeft(fit) && fit.left.message).toMatch(/^fit_score: every LLM call failed/)
  })

  it("a model that answers, but never usably, fails the node as Fatal (retrying it would not help)", async () => {
    fake.script({ kind: "malformed" }, ALWAYS)
    const { rel } = await nodes({}, undefined)
    expect(Either.isLeft(rel) && rel.left).toMatchObject({ _tag: "Fatal", reason: "Internal" })
    expect(Either.isLeft(rel) && rel.left.message).toMatch(/every LLM call failed.*malformed/)
  })

  it("some calls failing is still partial: the answered jobs are written, the others say why", async () => {
    fake.script({ kind: "server_error" }, { ...ALWAYS, when: (r) => r.user.includes("CareFlow") })
    const { rel, rows } = await nodes({ batch_size: 1 }, undefined)
    expect(Either.isRight(rel) && rel.right).toMatchObject({ partial: true, details: { failed: 1 } })
    expect(rows.find((r) => r.job_id === "j3")).toMatchObject({ relevant: null })
    expect(rows.filter((r) => r.relevant !== null)).toHaveLength(2)
  })

  it("`jobsignal run` exits non-zero when the provider answers 500/529 to everything, and 0 on the honest no-key fallback", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "profile.yaml"), OPEN_PROFILE)
    const dag = join(dir, "dag.yaml")
    writeFileSync(
      dag,
      `version: 1
profile: profile.yaml
defaults: { retry: { times: 0 } }
${LLM}
nodes:
  gh: { source: greenhouse, with: { base_url: "${replay.baseUrlFor("greenhouse")}", boards: [gitlab], details: false } }
  dedupe: { transform: dedupe, needs: [gh] }
  relevance: { transform: relevance, needs: [dedupe] }
  fit_score: { transform: fit_score, needs: [relevance] }
`
    )
    fake.script({ kind: "overloaded" }, { ...ALWAYS, when: () => fake.requests.length % 2 === 0 })
    fake.script({ kind: "server_error" }, ALWAYS)
    const down = await cli(["run", "--dag", dag, "--db", join(dir, "down.duckdb")], keys(fake))
    expect(fake.requests.length).toBeGreaterThan(0)
    expect(fake.requests.every((r) => r.fault === "overloaded" || r.fault === "server_error")).toBe(true)
    expect(down.code).toBe(1)
    expect(down.stdout).toMatch(/relevance\s+relevance\s+failed/)
    expect(down.stdout).toMatch(/fit_score\s+fit_score\s+skipped/)
    expect(down.stdout + down.stderr).toContain("every LLM call failed")

    fake.reset()
    const lexical = await cli(["run", "--dag", dag, "--db", join(dir, "lexical.duckdb")], {
      ANTHROPIC_API_KEY: "",
      OPENAI_API_KEY: ""
    })
    expect(fake.requests.length).toBe(0)
    expect(lexical.stderr).toMatch(/no LLM provider key.*lexical/)
    expect(lexical.code).toBe(0)
  })
})
