import { Effect, Either, Schema } from "effect"
import { estimateBackfill, type LlmEstimate } from "./backfill-estimate.ts"
import { llmNodeOf } from "./llm-nodes.ts"
import { formatTable } from "../pipelines/console.ts"
import { describe } from "../core/errors.ts"
import { silentEvents } from "../pipelines/events.ts"
import { runDag, type RunRequest } from "../pipelines/runner.ts"
import { roleOf } from "../core/spec.ts"
import { resolveUserAgent } from "../sources/edgar/index.ts"
import { EdgarOptions } from "../sources/edgar/declaration.ts"
import { modelFor, resolveLlmSettings, type LlmSettings } from "../transforms/llm/config.ts"
import { BATCH_DISCOUNT, pricesNote } from "../transforms/llm/prices.ts"
import type { LoadedDag } from "../pipelines/load.ts"

/**
 * What `run --dry-run` and `backfill --dry-run` print, as text: the CLI prints it, and `jobsignal up` answers it to
 * the CLI (POST /api/cli/dry-run), so both read the same warehouse and the environment the run would have.
 */

const usd = (n: number) => (Number.isNaN(n) ? "?" : `$${n.toFixed(4)}`)

/** What an LLM node does when its tier has no provider key: relevance and fit_score score lexically, intel skips. */
const fallbackOf = (kind: string) => (kind === "relevance" || kind === "fit_score" ? "lexical" : "skipped")

/**
 * The LLM nodes whose tier has no provider key in this environment (the nodes probe `fast` for `auto`, as at run
 * time), each with what it does instead; undefined when the settings do not decode (said under "missing").
 */
const keylessOf = (dag: LoadedDag, rows: ReadonlyArray<LlmEstimate>, settings: Either.Either<LlmSettings, unknown>) => {
  if (Either.isLeft(settings)) return new Map<string, string>()
  const out = new Map<string, string>()
  for (const l of rows) {
    const n = llmNodeOf(dag, l.node)
    const probe = n?.tierChoice === "auto" ? "fast" : (n?.tier ?? l.tier)
    if (!modelFor(settings.right, probe as "fast" | "balanced" | "quality")) out.set(l.node, fallbackOf(l.kind))
  }
  return out
}

/**
 * The LLM table and its cost line. A node without a key for its tier costs $0 and says what it does instead
 * ("no LLM provider key (…): relevance, fit_score lexical, intel skipped — $0"), never a USD figure it will not spend.
 */
const llmSection = (
  dag: LoadedDag,
  rows: ReadonlyArray<LlmEstimate>,
  settings: Either.Either<LlmSettings, unknown>,
  perRunUsd: number | undefined,
  out: string[]
) => {
  const keyless = keylessOf(dag, rows, settings)
  out.push(
    formatTable(
      rows.map((l) => {
        const instead = keyless.get(l.node)
        return {
          node: l.node,
          kind: l.kind,
          tier: l.tier,
          model: instead ? "(no key)" : l.model,
          jobs: l.jobs,
          batches: instead ? 0 : l.batches,
          "input tokens": instead ? 0 : l.inputTokens,
          "output tokens": instead ? 0 : l.outputTokens,
          mode: instead ?? l.mode,
          usd: instead ? "$0" : usd(l.usd)
        }
      })
    )
  )
  const paid = rows.filter((l) => !keyless.has(l.node))
  const total = paid.reduce((a, l) => a + (Number.isNaN(l.usd) ? 0 : l.usd), 0)
  if (keyless.size > 0) {
    const byWhat = (what: string) => rows.filter((l) => keyless.get(l.node) === what).map((l) => l.node)
    const what = [
      byWhat("lexical").length ? `${byWhat("lexical").join(", ")} lexical` : "",
      byWhat("skipped").length ? `${byWhat("skipped").join(", ")} skipped` : ""
    ]
      .filter(Boolean)
      .join(", ")
    const missing = Either.isRight(settings) ? settings.right.missingKeys.join(", ") : ""
    out.push(`\nno LLM provider key${missing ? ` (set one of: ${missing})` : ""}: ${what} — $0`)
  }
  if (paid.length > 0)
    out.push(
      `\nestimated LLM cost: $${total.toFixed(4)} at most${keyless.size > 0 ? ` for ${paid.map((l) => l.node).join(", ")}` : ""} (unchanged jobs keep their cached scores)${perRunUsd !== undefined ? `; per-run budget $${perRunUsd}${total > perRunUsd ? " — the run would stop or downgrade at the budget" : ""}` : ""}`
    )
  return { paid, total }
}

const text = (lines: ReadonlyArray<string>) => lines.map((s) => (s.endsWith("\n") ? s : `${s}\n`)).join("")

/**
 * `run --dry-run`: for every source the run would start, its units, requests against rate limits, what each LLM node
 * would cost, and what is missing (provider keys, SEC_USER_AGENT). Nothing is fetched or written. A source's estimate
 * covers its whole listing (a run has no window), from its past runs when it has them.
 */
export const runDryRunReport = (req: Omit<RunRequest, "events">) =>
  Effect.gen(function* () {
    const out: string[] = []
    const plan = yield* runDag({ ...req, events: silentEvents, dryRun: true })
    const dag = req.dag
    out.push(`run ${dag.path} — dry run, nothing fetched or written\n`)
    out.push(`would run: ${plan.nodes.map((n) => n.node).join(", ")}\n`)
    const sourceNodes = plan.nodes.filter((n) => roleOf(dag.spec.nodes[n.node])?.role === "source").map((n) => n.node)
    const sourceRows: Array<Record<string, unknown>> = []
    const llm = new Map<string, LlmEstimate>()
    const missing: string[] = []
    for (const node of sourceNodes) {
      const spec = dag.spec.nodes[node]
      if (roleOf(spec)?.kind === "edgar") {
        const opts = Schema.decodeUnknownEither(EdgarOptions)(spec.with ?? {})
        if (Either.isRight(opts)) {
          const ua = resolveUserAgent(opts.right)
          if (Either.isLeft(ua)) missing.push(`${node}: ${ua.left.message}`)
        }
      }
      const est = yield* Effect.either(estimateBackfill(dag, { node, since: "1970-01-01" }))
      if (Either.isLeft(est)) {
        sourceRows.push({
          node,
          kind: roleOf(spec)?.kind ?? "?",
          units: "?",
          requests: "?",
          "rate limit": "",
          "est. minutes": "",
          "est. jobs": "",
          note: describe(est.left as never)
        })
        continue
      }
      const s = est.right.source
      sourceRows.push({
        node,
        kind: s.kind,
        units: s.units,
        requests: s.requests,
        "rate limit": s.limit,
        "est. minutes": s.minutes,
        "est. jobs": s.jobs,
        note: s.basis
      })
      // Each source's jobs flow through the same LLM nodes: their estimates add up per node.
      for (const l of est.right.llm) {
        if (!plan.nodes.some((n) => n.node === l.node)) continue
        const acc = llm.get(l.node)
        llm.set(
          l.node,
          acc
            ? {
                ...acc,
                jobs: acc.jobs + l.jobs,
                batches: acc.batches + l.batches,
                inputTokens: acc.inputTokens + l.inputTokens,
                outputTokens: acc.outputTokens + l.outputTokens,
                usd: acc.usd + l.usd
              }
            : l
        )
      }
    }
    // Summed over sources, a node with `max_jobs` (intel) still takes no more than that in one run.
    for (const [node, l] of llm) {
      const max = llmNodeOf(dag, node)?.options.max_jobs
      if (typeof max !== "number" || l.jobs <= max) continue
      const k = max / l.jobs
      llm.set(node, {
        ...l,
        jobs: max,
        batches: Math.ceil(l.batches * k),
        inputTokens: Math.round(l.inputTokens * k),
        outputTokens: Math.round(l.outputTokens * k),
        usd: l.usd * k
      })
    }
    if (sourceRows.length) out.push(formatTable(sourceRows))
    else out.push("no source node would run")
    const totalRequests = sourceRows.reduce((a, r) => a + (typeof r.requests === "number" ? r.requests : 0), 0)
    out.push(`\n${totalRequests} requests in all`)
    if (llm.size === 0) out.push("\nno node of this run calls an LLM")
    else {
      const rows = [...llm.values()]
      out.push("")
      const settings = yield* Effect.either(resolveLlmSettings(dag))
      const { paid, total } = llmSection(dag, rows, settings, dag.spec.budgets?.llm?.per_run_usd, out)
      const toBatch = paid.filter((l) => l.mode === "online" && l.scheduledMode === "batch")
      if (toBatch.length > 0) {
        const scheduled = total - toBatch.reduce((a, l) => a + (Number.isNaN(l.usd) ? 0 : l.usd * BATCH_DISCOUNT), 0)
        out.push(
          `in a scheduled run (jobsignal schedule / up) ${toBatch.map((l) => l.node).join(", ")} run in batch mode (no with.mode set): $${scheduled.toFixed(4)}`
        )
      }
      const perJob = dag.spec.budgets?.llm?.per_job_usd
      if (perJob !== undefined && paid.some((l) => l.kind === "intel"))
        out.push(
          `intel: at most $${perJob} per job (budgets.llm.per_job_usd; layers downgrade or skip to stay within it)`
        )
      if (paid.length > 0)
        out.push(pricesNote((dag.spec.llm as { prices?: Record<string, unknown> } | undefined)?.prices))
      if (Either.isRight(settings) && settings.right.providers.size === 0)
        missing.push(
          `LLM: no provider key is set (${settings.right.missingKeys.join(", ")}); relevance and fit_score score lexically, intel skips its LLM layers`
        )
      else if (Either.isLeft(settings)) missing.push(`LLM: ${(settings.left as { message?: string }).message}`)
    }
    out.push(
      missing.length
        ? `\nmissing:\n${missing.map((m) => `  ${m}`).join("\n")}`
        : "\nnothing missing: every key and SEC_USER_AGENT this run needs is set"
    )
    return text(out)
  })

/** `backfill --dry-run`: the plan, the fetch against rate limits, and the LLM tokens and USD; nothing is fetched or written. */
export const backfillDryRunReport = (req: Omit<RunRequest, "events">) =>
  Effect.gen(function* () {
    const out: string[] = []
    const plan = yield* runDag({ ...req, events: silentEvents, dryRun: true })
    const est = yield* estimateBackfill(req.dag, req.backfill!)
    const s = est.source
    out.push(
      `backfill ${s.node} (${s.kind}) from ${est.window.since} to ${est.window.until} — dry run, nothing fetched\n`
    )
    out.push(`would run: ${plan.nodes.map((n) => n.node).join(" → ")}\n`)
    if (s.timeDimension === "none")
      out.push(`note: ${s.kind} has no time dimension; the window cannot narrow what it fetches\n`)
    out.push(
      formatTable([
        {
          node: s.node,
          units: s.units,
          requests: s.requests,
          "rate limit": s.limit,
          "est. minutes": s.minutes,
          "est. jobs in window": s.jobs
        }
      ])
    )
    out.push(`(${s.basis})\n`)
    if (est.llm.length === 0) out.push("no downstream node calls an LLM")
    else {
      const settings = yield* Effect.either(resolveLlmSettings(req.dag))
      const section: string[] = []
      const { paid } = llmSection(req.dag, est.llm, settings, est.perRunUsd, section)
      // The table, its basis and the prices, then the cost lines (as this command always printed them).
      out.push(section[0])
      if (paid.length > 0) {
        out.push(`(${paid.map((l) => `${l.node}: ${l.basis}`).join("; ")})`)
        out.push(pricesNote((req.dag.spec.llm as { prices?: Record<string, unknown> } | undefined)?.prices))
      }
      out.push(...section.slice(1))
    }
    return text(out)
  })
