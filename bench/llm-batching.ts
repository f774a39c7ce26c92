/**
 * The issue #21 figures, against the fake LLM server through the real SDKs, cost read from the ledger as
 * the product does: (a) relevance + fit_score for 10,000 jobs derived from the recorded fixtures (titles and
 * descriptions from fixtures/*\/*.json job files, ids and title prefixes varied so no two are alike) at
 * dag.yaml's default models and tiers, online and in batch mode; (b) a week of the intel layers
 * (bench/_intel-week.ts); (c) reruns over unchanged jobs. Per-item figures are measured on a sample and
 * scaled to 10,000 (10,000 loopback calls would only measure the loopback). Tokens are the fake server's
 * estimate (4 characters a token); its prompt caching follows the providers' documented rules (DeepSeek:
 * any repeated prefix in 64-token units; OpenAI: prompts of 1,024+ tokens; Anthropic: a marked prefix of
 * 1,024+ tokens, 2,048+ on Haiku). Batch mode runs through the fake's Message Batches and Files + Batch
 * endpoints (ending at the first poll) at the 50 % batch price.
 */
import { Effect, Layer } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { BenchCase } from "./index.ts"
import { loadDag } from "../pipelines/load.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import {
  makeBudget,
  modelFor,
  providersLayer,
  resolveLlmSettings,
  runBatched,
  priceOf,
  costUsd,
  type LlmTask
} from "../transforms/llm/index.ts"
import { makeItem, type BatchItem } from "../transforms/llm/prompt.ts"
import { loadProfile } from "../transforms/profile.ts"
import { relevanceTask } from "../transforms/relevance.ts"
import { fitTask } from "../transforms/fit-score.ts"
import { renderJob } from "../transforms/job-prompt.ts"
import type { JobText } from "../transforms/lexical.ts"
import { startFakeLlm } from "../test/support/fake-llm.ts"
import { kinds, migrations } from "../app/index.ts"
import { llmNodeOf } from "../app/llm-nodes.ts"
import { intelWeek } from "./_intel-week.ts"

/** runJobOps reads provider keys from the environment, as the intel node does: set for the call, then restored. */
const withEnv = async <A>(env: Record<string, string>, f: () => Promise<A>): Promise<A> => {
  const keys = [...Object.keys(env), "ANTHROPIC_API_KEY", "DEEPSEEK_API_KEY", "OPENROUTER_API_KEY"]
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]))
  for (const k of keys) delete process.env[k]
  Object.assign(process.env, env)
  try {
    return await f()
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
  }
}

const strip = (s: string) =>
  s
    .replace(/<[^>]*>/g, " ")
    .replace(/&[a-z#0-9]+;/gi, " ")
    .replace(/\s+/g, " ")
    .trim()

/** Every object in the fixture JSON files that looks like a job: a title and some description. */
const fixtureJobs = (): Array<{ title: string; company: string; location: string; description: string }> => {
  const out: Array<{ title: string; company: string; location: string; description: string }> = []
  const walk = (v: unknown, company: string) => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, company))
    if (!v || typeof v !== "object") return
    const o = v as Record<string, unknown>
    const desc = [o.content, o.descriptionPlain, o.description, o.descriptionHtml, o.text].find(
      (x) => typeof x === "string" && x.length > 40
    ) as string | undefined
    const title =
      typeof o.title === "string"
        ? o.title
        : typeof o.text === "string" && desc !== o.text
          ? o.text
          : typeof o.position === "string"
            ? o.position
            : undefined
    if (title && desc) {
      const loc = o.location
      out.push({
        title,
        company: String(o.company_name ?? o.company ?? company),
        location: typeof loc === "string" ? loc : String((loc as { name?: string })?.name ?? "Remote"),
        description: strip(desc)
      })
    }
    for (const x of Object.values(o)) if (x && typeof x === "object") walk(x, company)
  }
  const root = "fixtures"
  for (const dir of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()))
    for (const f of readdirSync(join(root, dir.name)).filter((f) => f.endsWith(".json"))) {
      try {
        walk(JSON.parse(readFileSync(join(root, dir.name, f), "utf8")), f.split("-")[1] ?? dir.name)
      } catch {
        /* not JSON: skipped */
      }
    }
  return out
}

const PREFIXES = [
  "",
  "Senior ",
  "VP, ",
  "Head of ",
  "Director, ",
  "Lead ",
  "Principal ",
  "Staff ",
  "Chief ",
  "Manager, "
]

const corpus = (n: number): JobText[] => {
  const base = fixtureJobs()
  if (base.length === 0) throw new Error("no job objects found in fixtures/*/*.json")
  return Array.from({ length: n }, (_, i) => {
    const b = base[i % base.length]
    return {
      id: `bench-${i}`,
      title: `${PREFIXES[Math.floor(i / base.length) % PREFIXES.length]}${b.title}${i >= base.length * PREFIXES.length ? ` (${i})` : ""}`,
      company: b.company,
      location: b.location,
      remote: "unknown",
      description_text: b.description,
      salary_min: null,
      salary_max: null,
      salary_currency: null,
      salary_period: null,
      department: null
    }
  })
}

interface Measured {
  calls: number
  input: number
  cached: number
  output: number
  items: number
  /** What the ledger says it cost (the batch discount and cache reads included), for these items. */
  usd: number
  batchAnswered: number
  /** A second run over the same, unchanged items on the same warehouse: model calls and batch requests. */
  rerunCalls?: number
  rerunBatchOps?: number
}

export const bench: BenchCase = {
  name: "llm batching: relevance and fit_score, batched vs one call per job",
  run: async () => {
    const fake = await startFakeLlm()
    try {
      const dag = loadDag("dag.yaml", kinds)
      // dag.yaml's defaults: the tiers' first candidates are OpenAI models, so an OpenAI key is what selects them.
      const env = { OPENAI_API_KEY: "bench", OPENAI_BASE_URL: fake.openaiUrl }
      const tierOf = (node: string) => llmNodeOf(dag, node)!.tier as "fast" | "balanced" | "quality"
      const jobs = corpus(10_000)
      const program = Effect.gen(function* () {
        const settings = { ...(yield* resolveLlmSettings(dag, env)), budget: {} }
        const { profile, hash } = yield* loadProfile(dag)
        const measure = <O>(
          task: LlmTask<O>,
          items: BatchItem[],
          batchSize: number,
          run: { settings?: typeof settings; mode?: "online" | "batch"; rerun?: boolean } = {}
        ) =>
          Effect.gen(function* () {
            const st = run.settings ?? settings
            const once = (runId: string) =>
              Effect.gen(function* () {
                const budget = yield* makeBudget({ runId })
                return yield* runBatched(task, items, {
                  tier: tierOf(task.name),
                  batchSize,
                  settings: st,
                  runId,
                  node: task.name,
                  budget,
                  mode: run.mode,
                  batchPoll: { baseMs: 1, capMs: 1 }
                }).pipe(Effect.provide(providersLayer(st)))
              })
            const runId = `bench-${task.name}-${batchSize}-${run.mode ?? "online"}`
            const r = yield* once(runId)
            if (r.results.size !== items.length)
              throw new Error(`${task.name}: ${items.length - r.results.size} items without a result`)
            const m: Measured = {
              calls: r.stats.calls,
              input: r.stats.inputTokens,
              cached: r.stats.cachedInputTokens,
              output: r.stats.outputTokens,
              items: items.length,
              usd: r.stats.usd,
              batchAnswered: r.stats.batchAnswered
            }
            if (!run.rerun) return m
            const ops = fake.batchOps.length,
              reqs = fake.requests.length
            const again = yield* once(`${runId}-rerun`)
            if (again.results.size !== items.length) throw new Error(`${task.name}: the rerun lost results`)
            return { ...m, rerunCalls: fake.requests.length - reqs, rerunBatchOps: fake.batchOps.length - ops }
          }).pipe(Effect.provide(Layer.fresh(Warehouse.layer({ path: ":memory:", migrations }))))
        // Batch mode as a user with only that provider's key gets it: dag.yaml's tiers fall through to its models.
        const withKey = (keys: Record<string, string>) =>
          Effect.map(resolveLlmSettings(dag, keys), (x) => ({ ...x, budget: {} }))
        const deepseek = yield* withKey({ DEEPSEEK_API_KEY: "bench", DEEPSEEK_BASE_URL: fake.openaiUrl })
        const anthropic = yield* withKey({ ANTHROPIC_API_KEY: "bench", ANTHROPIC_BASE_URL: fake.anthropicUrl })
        const rel = relevanceTask(profile, hash),
          fit = fitTask(profile, hash)
        const relItems = jobs.map((j) => makeItem(j.id, renderJob(j, 400)))
        const fitItems = jobs.map((j) => makeItem(j.id, renderJob(j, 3000)))
        return {
          settings,
          relBatched: yield* measure(rel, relItems, 100),
          relSingle: yield* measure(rel, relItems.slice(0, 300), 1),
          fitBatched: yield* measure(fit, fitItems, 40),
          fitSingle: yield* measure(fit, fitItems.slice(0, 150), 1),
          deepseek,
          anthropic,
          relDefaultBatch: yield* measure(rel, relItems, 100, { mode: "batch", rerun: true }),
          fitDefaultBatch: yield* measure(fit, fitItems, 40, { mode: "batch", rerun: true }),
          relDeepseek: yield* measure(rel, relItems, 100, { settings: deepseek }),
          fitDeepseek: yield* measure(fit, fitItems, 40, { settings: deepseek }),
          relAnthropicBatch: yield* measure(rel, relItems, 100, { settings: anthropic, mode: "batch" }),
          fitAnthropicBatch: yield* measure(fit, fitItems, 40, { settings: anthropic, mode: "batch" })
        }
      })
      const m = await Effect.runPromise(Effect.scoped(program))
      const week = await withEnv(env, () => Effect.runPromise(intelWeek(dag, fake, jobs)))
      const fast = modelFor(m.settings, tierOf("relevance"))!,
        balanced = modelFor(m.settings, tierOf("fit_score"))!
      const usd = (model: string, x: Measured) => {
        const p = priceOf(m.settings.prices, model)
        if ("_tag" in p) throw new Error(p.message)
        return (costUsd(p, { inputTokens: x.input, cachedInputTokens: 0, outputTokens: x.output }) / x.items) * 10_000
      }
      const ledgerUsd = (x: Measured) => (x.usd / x.items) * 10_000
      /** The same tokens (cache reads included) at another model's batch price. */
      const reprice = (model: string, x: Measured) => {
        const p = priceOf(m.settings.prices, model)
        if ("_tag" in p) throw new Error(p.message)
        return (
          (costUsd(p, { inputTokens: x.input, cachedInputTokens: x.cached, outputTokens: x.output }, true) / x.items) *
          10_000
        )
      }
      const per = (x: Measured, k: "input" | "output") => x[k] / x.items
      const calls10k = (x: Measured) => Math.round((x.calls / x.items) * 10_000)
      return {
        "fixture-derived jobs": jobs.length,
        [`relevance model (dag.yaml tier ${tierOf("relevance")})`]: fast.model,
        [`fit_score model (dag.yaml tier ${tierOf("fit_score")})`]: balanced.model,
        "relevance batched: calls per 10k jobs": calls10k(m.relBatched),
        "relevance batched: input tokens / job": per(m.relBatched, "input"),
        "relevance batched: output tokens / job": per(m.relBatched, "output"),
        "relevance per-item: calls per 10k jobs": calls10k(m.relSingle),
        "relevance per-item: input tokens / job": per(m.relSingle, "input"),
        "relevance per-item: USD per 10k jobs": usd(fast.model, m.relSingle),
        "relevance input tokens, batched / per-item (target <= 0.35)":
          per(m.relBatched, "input") / per(m.relSingle, "input"),
        "fit_score batched: calls per 10k jobs": calls10k(m.fitBatched),
        "fit_score batched: input tokens / job": per(m.fitBatched, "input"),
        "fit_score batched: output tokens / job": per(m.fitBatched, "output"),
        "fit_score per-item: input tokens / job": per(m.fitSingle, "input"),
        "fit_score input tokens, batched / per-item": per(m.fitBatched, "input") / per(m.fitSingle, "input"),
        "per-item samples (relevance / fit_score jobs)": `${m.relSingle.items} / ${m.fitSingle.items}`,
        "(a) defaults, batch + caching (schedule / up): rel + fit USD per 10k (target < 0.50)":
          ledgerUsd(m.relDefaultBatch) + ledgerUsd(m.fitDefaultBatch),
        "(a) defaults, online + caching (jobsignal run): rel + fit USD per 10k":
          ledgerUsd(m.relBatched) + ledgerUsd(m.fitBatched),
        "defaults: cached share of input (online)":
          (m.relBatched.cached + m.fitBatched.cached) / (m.relBatched.input + m.fitBatched.input),
        "batch mode: items answered inside the batch (rel + fit)":
          m.relDefaultBatch.batchAnswered + m.fitDefaultBatch.batchAnswered,
        "DeepSeek key only (deepseek-chat, no batch API), online + caching: rel + fit USD per 10k":
          ledgerUsd(m.relDeepseek) + ledgerUsd(m.fitDeepseek),
        [`Anthropic key only (${modelFor(m.anthropic, tierOf("relevance"))!.model} / ${modelFor(m.anthropic, tierOf("fit_score"))!.model}), batch + caching: rel + fit USD per 10k`]:
          ledgerUsd(m.relAnthropicBatch) + ledgerUsd(m.fitAnthropicBatch),
        "gpt-4o-mini for both, batch + caching (same tokens): rel + fit USD per 10k":
          reprice("gpt-4o-mini", m.relDefaultBatch) + reprice("gpt-4o-mini", m.fitDefaultBatch),
        "gpt-5-mini for fit_score (tier balanced), batch + caching: rel + fit USD per 10k":
          ledgerUsd(m.relDefaultBatch) + reprice("gpt-5-mini", m.fitDefaultBatch),
        "(b) intel week: jobs / companies (20 A/B a day x 7)": `${week.jobs} / ${week.companies}`,
        "(b) intel week: model calls (company research calls)": `${week.calls} (${week.companyResearchCalls})`,
        "(b) intel week: USD from the ledger (target < 2)": week.usd,
        "(b) intel week: USD by tier": Object.entries(week.byTier)
          .map(([t, u]) => `${t} ${u.toFixed(4)}`)
          .join(", "),
        "(b) intel week: layers downgraded / skipped at the per-job cap": `${week.downgradedLayers} / ${week.skippedAtCap}`,
        "(b) intel week: ceiling, jobs x per_job_usd": week.capUsd === undefined ? "no cap" : week.jobs * week.capUsd,
        "(b) intel week: uncapped list-price estimate (estimateJobOps)": week.estimateUncappedUsd,
        "(c) rerun over unchanged jobs: model calls (rel + fit)":
          m.relDefaultBatch.rerunCalls! + m.fitDefaultBatch.rerunCalls!,
        "(c) rerun over unchanged jobs: batch API requests (rel + fit)":
          m.relDefaultBatch.rerunBatchOps! + m.fitDefaultBatch.rerunBatchOps!,
        "(c) rerun of the last intel day: model calls": week.rerunCalls
      }
    } finally {
      await fake.close()
    }
  }
}
