import { Effect, Either, Schema } from "effect"
import { estimateBackfill, type LlmEstimate } from "../../app/backfill-estimate.ts"
import { llmNodeOf } from "../../app/llm-nodes.ts"
import { formatTable } from "../console.ts"
import { describe } from "../../core/errors.ts"
import { silentEvents, type Events } from "../events.ts"
import { runDag, type RunRequest } from "../runner.ts"
import { roleOf } from "../../core/spec.ts"
import { resolveUserAgent } from "../../sources/edgar/index.ts"
import { EdgarOptions } from "../../sources/edgar/declaration.ts"
import { resolveLlmSettings } from "../../transforms/llm/config.ts"
import { BATCH_DISCOUNT, pricesNote } from "../../transforms/llm/prices.ts"
import { fail, print, printErr } from "./shared.ts"
import { runtimeLayer } from "./runtime.ts"

const usd = (n: number) => (Number.isNaN(n) ? "?" : `$${n.toFixed(4)}`)

/**
 * `run --dry-run`: what `backfill --dry-run` prints, for every source the run would start — units,
 * requests against rate limits, what each LLM node would cost — and what is missing (provider keys,
 * SEC_USER_AGENT). Nothing is fetched or written. A source's estimate covers its whole listing (a
 * run has no window), from its past runs when it has them.
 */
export const runDryRun = (db: string, build: (events: Events) => Effect.Effect<RunRequest, unknown>) =>
  Effect.gen(function* () {
    const req = yield* build(silentEvents)
    const plan = yield* runDag({ ...req, dryRun: true })
    const dag = req.dag
    yield* print(`run ${dag.path} — dry run, nothing fetched or written\n`)
    yield* print(`would run: ${plan.nodes.map((n) => n.node).join(", ")}\n`)
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
    if (sourceRows.length) yield* print(formatTable(sourceRows))
    else yield* print("no source node would run")
    const totalRequests = sourceRows.reduce((a, r) => a + (typeof r.requests === "number" ? r.requests : 0), 0)
    yield* print(`\n${totalRequests} requests in all`)
    if (llm.size === 0) yield* print("\nno node of this run calls an LLM")
    else {
      const rows = [...llm.values()]
      yield* print("")
      yield* print(
        formatTable(
          rows.map((l) => ({
            node: l.node,
            kind: l.kind,
            tier: l.tier,
            model: l.model,
            jobs: l.jobs,
            batches: l.batches,
            "input tokens": l.inputTokens,
            "output tokens": l.outputTokens,
            mode: l.mode,
            usd: usd(l.usd)
          }))
        )
      )
      const total = rows.reduce((a, l) => a + (Number.isNaN(l.usd) ? 0 : l.usd), 0)
      const perRun = dag.spec.budgets?.llm?.per_run_usd
      yield* print(
        `\nestimated LLM cost: $${total.toFixed(4)} at most (unchanged jobs keep their cached scores)${perRun !== undefined ? `; per-run budget $${perRun}${total > perRun ? " — the run would stop or downgrade at the budget" : ""}` : ""}`
      )
      const toBatch = rows.filter((l) => l.mode === "online" && l.scheduledMode === "batch")
      if (toBatch.length > 0) {
        const scheduled = total - toBatch.reduce((a, l) => a + (Number.isNaN(l.usd) ? 0 : l.usd * BATCH_DISCOUNT), 0)
        yield* print(
          `in a scheduled run (jobsignal schedule / up) ${toBatch.map((l) => l.node).join(", ")} run in batch mode (no with.mode set): $${scheduled.toFixed(4)}`
        )
      }
      const perJob = dag.spec.budgets?.llm?.per_job_usd
      if (perJob !== undefined && rows.some((l) => l.kind === "intel"))
        yield* print(
          `intel: at most $${perJob} per job (budgets.llm.per_job_usd; layers downgrade or skip to stay within it)`
        )
      yield* print(pricesNote((dag.spec.llm as { prices?: Record<string, unknown> } | undefined)?.prices))
      const settings = yield* Effect.either(resolveLlmSettings(dag))
      if (Either.isRight(settings) && settings.right.providers.size === 0)
        missing.push(
          `LLM: no provider key is set (${settings.right.missingKeys.join(", ")}); LLM nodes would use their fallback or fail`
        )
      else if (Either.isLeft(settings)) missing.push(`LLM: ${settings.left.message}`)
    }
    yield* print(
      missing.length
        ? `\nmissing:\n${missing.map((m) => `  ${m}`).join("\n")}`
        : "\nnothing missing: every key and SEC_USER_AGENT this run needs is set"
    )
  }).pipe(
    Effect.provide(runtimeLayer(db)),
    Effect.catchAll((e) =>
      printErr(`error: ${(e as { message?: string }).message ?? String(e)}`).pipe(Effect.zipRight(fail(2)))
    )
  )
