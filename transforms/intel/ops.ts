/**
 * The per-job layer runner: the dashboard, the CLI (`jobsignal job`) and the DAG's `intel` node
 * all call `runJobOps`. Layers run in dependency order, each result is written as soon as it
 * exists (a later failure keeps it), and a layer whose declared inputs hash as before is skipped.
 */
import { Effect, Either, type Scope } from "effect"
import { randomUUID } from "node:crypto"
import { existsSync } from "node:fs"
import { Fatal } from "../../core/errors.ts"
import type { LoadedDag } from "../../pipelines/load.ts"
import type { NodeContext } from "../../pipelines/node.ts"
import type { Warehouse, WarehouseError } from "../../sinks/warehouse.ts"
import type { Http } from "../../sources/http.ts"
import { defaultTiers, modelFor, resolveLlmSettings } from "../llm/config.ts"
import { builtinPrices, costUsd, priceOf } from "../llm/prices.ts"
import { llmRuntime } from "../llm/runtime.ts"
import { resolveTier, type FitTier, type TierChoice } from "../llm/tiers.ts"
import { loadCandidate } from "./candidate.ts"
import { cvTailor } from "./cv.ts"
import { dossier } from "./dossier.ts"
import { extractJd } from "./extract.ts"
import { fitMap } from "./fit.ts"
import { JOB_OPS, readValues, type JobOp, type JobView, type LayerDef } from "./layer.ts"
import { outreach } from "./outreach.ts"
import { painPoints } from "./pain.ts"
import { companyResearch, companyResearchDays, freshCompanyResearch, keyOf, roleResearch } from "./research.ts"
import { withJobCap } from "../llm/budget.ts"
import { planLayerTier } from "./job-cap.ts"
import {
  companyProfile,
  companySignals,
  hashInputs,
  knownContacts,
  loadIntel,
  loadJob,
  saveLayer,
  type StoredIntel
} from "./store.ts"

export type { JobOp } from "./layer.ts"
export { JOB_OPS } from "./layer.ts"

export interface OpProgress {
  readonly jobId: string
  readonly op: JobOp
  readonly phase: string
  readonly status: "started" | "done" | "failed" | "skipped"
  readonly message?: string
  readonly partial?: unknown
}

export type OpStatus = "done" | "failed" | "skipped"

/** The layers behind each op, in the order they run (the user's field dependency graph, seed section 4). */
export const LAYERS: Readonly<Record<JobOp, ReadonlyArray<LayerDef>>> = {
  extract: [extractJd],
  pain: [painPoints],
  research: [companyResearch, roleResearch],
  fit: [fitMap],
  outreach: [outreach],
  cv: [cvTailor],
  dossier: [dossier]
}

const ordered = (ops: ReadonlyArray<JobOp>) => JOB_OPS.filter((o) => ops.includes(o))
const inputHash = (def: LayerDef, v: JobView) => hashInputs({ version: def.version, reads: readValues(def, v) })

const viewOf = (jobId: string, dag: LoadedDag) =>
  Effect.gen(function* () {
    const job = yield* loadJob(jobId)
    if (!job)
      return yield* new Fatal({
        reason: "InvalidRequest",
        message: `no job ${JSON.stringify(jobId)} in the warehouse (jobs.id); run the DAG first or check the id`
      })
    const candidate = yield* loadCandidate(dag)
    const stored = yield* loadIntel(jobId)
    const key = keyOf({ job } as JobView)
    const view: JobView = {
      job,
      candidate,
      intel: { ...stored.values },
      signals: yield* companySignals(key),
      contacts: yield* knownContacts(jobId, key),
      company: yield* companyProfile(key),
      companyResearch: yield* freshCompanyResearch(key, companyResearchDays(dag))
    }
    return { view, stored }
  })

const isUnchanged = (def: LayerDef, v: JobView, stored: StoredIntel, _dag: LoadedDag) => {
  if (stored.hashes[def.name] !== inputHash(def, v) || stored.status[def.name]?.status !== "done") return false
  // A dossier whose file was deleted is written again.
  return def.name !== "dossier" || (typeof v.intel.dossier_path === "string" && existsSync(v.intel.dossier_path))
}

/**
 * Runs `ops` for one job. Without a provider key for the tier, LLM layers are `skipped` with the
 * reason; a layer that cannot produce a valid answer is `failed` and the rest still run; a budget
 * stop or a provider refusing the key skips the remaining LLM layers. Only a missing job or profile,
 * and warehouse errors, fail the whole effect.
 */
export const runJobOps = (
  jobId: string,
  ops: ReadonlyArray<JobOp>,
  opts: {
    tier: TierChoice
    dag: LoadedDag
    runId?: string
    onProgress: (p: OpProgress) => void
    /** The run's executor: on BullMQ, the layers' LLM calls go to the workers. */
    remote?: NodeContext["remote"]
  }
): Effect.Effect<
  { jobId: string; results: Partial<Record<JobOp, OpStatus>>; usd: number },
  Fatal | WarehouseError,
  Warehouse | Http | Scope.Scope
> =>
  Effect.gen(function* () {
    const runId =
      opts.runId ??
      `job-${new Date()
        .toISOString()
        .replace(/[-:.TZ]/g, "")
        .slice(0, 14)}-${randomUUID().slice(0, 6)}`
    const { view, stored } = yield* viewOf(jobId, opts.dag)
    const tier = resolveTier(opts.tier, (view.intel.tier ?? view.job.fit_tier ?? undefined) as FitTier | undefined)
    const needsLlm = ordered(ops).some((o) => LAYERS[o].some((l) => l.usesLlm))
    const rt = needsLlm
      ? yield* llmRuntime({ dag: opts.dag, runId, node: "intel", remote: opts.remote }, tier)
      : undefined
    const capUsd = rt?.available ? rt.settings.budget.perJobUsd : undefined
    const budget = rt?.available && capUsd !== undefined ? withJobCap(rt.budget, capUsd) : undefined
    const llm = rt?.available
      ? { settings: rt.settings, budget: budget ?? rt.budget, layer: rt.layer, tier, runId }
      : undefined
    const noKey =
      rt && !rt.available
        ? `no LLM provider key for the ${tier} tier (set one of: ${(yield* resolveLlmSettings(opts.dag)).missingKeys.join(", ") || "a provider in llm.providers"})`
        : undefined
    let stopped: string | undefined
    let usd = 0
    const results: Partial<Record<JobOp, OpStatus>> = {}

    for (const op of ordered(ops)) {
      const statuses: OpStatus[] = []
      for (const def of LAYERS[op]) {
        const emit = (status: OpProgress["status"], phase: string, message?: string, partial?: unknown) =>
          opts.onProgress({ jobId, op, phase: `${def.name}:${phase}`, status, message, partial })
        emit("started", "inputs")
        const skip = (why: string) => {
          statuses.push("skipped")
          emit("skipped", "inputs", why)
        }
        // A cap skip is written to layer_status (earlier output stays; the forgotten hash retries it next run).
        const skipAtCap = (why: string) =>
          saveLayer(
            jobId,
            def.name,
            {},
            undefined,
            { status: "skipped", at: new Date().toISOString(), message: why },
            0
          ).pipe(Effect.tap(() => skip(why)))
        if (def.usesLlm && !llm) {
          skip(`${def.name} skipped: ${noKey ?? "no LLM runtime"}`)
          continue
        }
        if (def.usesLlm && stopped) {
          skip(`${def.name} skipped: ${stopped}`)
          continue
        }
        const pre = def.precondition?.(view)
        if (pre) {
          skip(`${def.name} skipped: ${pre}`)
          continue
        }
        if (isUnchanged(def, view, stored, opts.dag)) {
          skip(`${def.name} skipped: inputs unchanged since ${stored.status[def.name]?.at ?? "the last run"}`)
          continue
        }
        // Under budgets.llm.per_job_usd each LLM layer runs at the best tier whose estimate fits what is left.
        const plan =
          def.usesLlm && llm && budget && capUsd !== undefined
            ? planLayerTier(llm.settings, tier, def.estimate(view), { capUsd, spentUsd: budget.jobSpent() })
            : undefined
        if (plan && "skip" in plan) {
          yield* skipAtCap(`${def.name} skipped — ${plan.skip}`)
          continue
        }
        const layerTier = plan?.tier ?? tier
        const downgraded = plan?.downgradedFrom
          ? `${plan.downgradedFrom} → ${plan.tier} to stay within the per-job cap $${capUsd} (estimate $${plan.usd.toFixed(4)})`
          : undefined
        const hash = inputHash(def, view)
        const out = yield* def
          .run(view, {
            llm: llm && { ...llm, tier: layerTier },
            dag: opts.dag,
            runId,
            phase: (phase, partial) => emit("started", phase, undefined, partial)
          })
          .pipe(
            Effect.catchTag("WarehouseError", (e) => Effect.fail(e)),
            Effect.either
          )
        if (Either.isLeft(out)) {
          const e = out.left
          if (e._tag === "WarehouseError") return yield* e
          const message = `${def.name} failed: ${e._tag}/${e.reason}: ${e.message}`
          if (e._tag === "LayerFailed" && e.reason === "JobCap") {
            yield* skipAtCap(`${def.name} skipped — per-job cap $${capUsd} reached (${e.message})`)
            continue
          }
          if (e._tag === "LayerFailed" && e.reason === "Budget")
            stopped = `the LLM budget stopped this run (${e.message})`
          if (e._tag === "Fatal" && ["Auth", "Budget", "Config"].includes(e.reason))
            stopped = `the provider refused: ${e.message}`
          // The earlier output stays; forgetting the hash makes the next run try again.
          yield* saveLayer(
            jobId,
            def.name,
            {},
            undefined,
            { status: "failed", at: new Date().toISOString(), message },
            0
          )
          statuses.push("failed")
          emit("failed", "end", message)
          continue
        }
        const r = out.right
        usd += r.usd
        const message = [downgraded, r.message].filter(Boolean).join("; ") || undefined
        yield* saveLayer(
          jobId,
          def.name,
          r.values,
          hash,
          {
            status: "done",
            at: new Date().toISOString(),
            model: r.model,
            tier: def.usesLlm ? layerTier : undefined,
            usd: r.usd,
            message
          },
          r.usd
        )
        view.intel = { ...view.intel, ...r.values }
        statuses.push("done")
        emit("done", "end", message, r.values)
      }
      results[op] = statuses.includes("failed") ? "failed" : statuses.includes("done") ? "done" : "skipped"
    }
    return { jobId, results, usd }
  })

/**
 * Why per-job operations did nothing, when every layer of every job was skipped ("no LLM provider key for the fast
 * tier …"), from the skip messages progress carried; undefined when anything ran or failed.
 */
export const allSkippedReason = (
  results: ReadonlyArray<Partial<Record<string, OpStatus>>>,
  skips: ReadonlyArray<string>
): string | undefined => {
  const statuses = results.flatMap((r) => Object.values(r))
  if (statuses.length === 0 || statuses.some((s) => s !== "skipped")) return undefined
  const reasons = [...new Set(skips.map((m) => m.replace(/^\S+ skipped: /, "")))]
  return reasons.length === 0 ? "every step was skipped" : reasons.join("; ")
}

/** The first configured model of a tier, key or not: estimates are wanted before keys are set. */
const estimateModel = (dag: LoadedDag, tier: "fast" | "balanced" | "quality") => {
  const tiers = (dag.spec.llm as { tiers?: Record<string, string[]> } | undefined)?.tiers
  const ref = tiers?.[tier]?.[0] ?? defaultTiers[tier][0]
  return ref.slice(ref.indexOf("/") + 1)
}

/**
 * What `runJobOps` would spend, without calling anything: layers whose inputs are unchanged count
 * nothing, the rest their calls and tokens at list price of the tier's first model. A tier with no
 * provider key in this environment counts nothing either: its LLM layers would be skipped, and
 * `skipped` says so ("no LLM provider key for the fast tier (…): its LLM layers are skipped — $0").
 */
export const estimateJobOps = (
  jobIds: ReadonlyArray<string>,
  ops: ReadonlyArray<JobOp>,
  tier: TierChoice,
  dag: LoadedDag
): Effect.Effect<
  { calls: number; inputTokens: number; outputTokens: number; usd: number; skipped?: string },
  never,
  Warehouse
> =>
  Effect.gen(function* () {
    const settings = yield* Effect.either(resolveLlmSettings(dag))
    const keyless = new Set<string>()
    const prices = {
      ...builtinPrices,
      ...((dag.spec.llm as { prices?: Record<string, { input: number; output: number }> } | undefined)?.prices ?? {})
    }
    const total = { calls: 0, inputTokens: 0, outputTokens: 0, usd: 0 }
    for (const jobId of jobIds) {
      const got = yield* viewOf(jobId, dag).pipe(Effect.either)
      if (Either.isLeft(got)) continue
      const { view, stored } = got.right
      const t = resolveTier(tier, (view.intel.tier ?? view.job.fit_tier ?? undefined) as FitTier | undefined)
      const price = priceOf(prices, estimateModel(dag, t))
      const noKey = Either.isRight(settings) && !modelFor(settings.right, t)
      for (const op of ordered(ops))
        for (const def of LAYERS[op]) {
          if (!def.usesLlm || isUnchanged(def, view, stored, dag)) continue
          if (noKey) {
            keyless.add(t)
            continue
          }
          const e = def.estimate(view)
          total.calls += e.calls
          total.inputTokens += e.inputTokens
          total.outputTokens += e.outputTokens
          if (!(price instanceof Fatal))
            total.usd += costUsd(price, {
              inputTokens: e.inputTokens,
              cachedInputTokens: 0,
              outputTokens: e.outputTokens
            })
        }
    }
    if (keyless.size === 0 || Either.isLeft(settings)) return total
    const missing = settings.right.missingKeys.join(", ")
    return {
      ...total,
      skipped: `no LLM provider key for the ${[...keyless].join(", ")} tier (set one of: ${missing || "a provider in llm.providers"}): its LLM layers are skipped — $0`
    }
  }).pipe(Effect.orDie)
