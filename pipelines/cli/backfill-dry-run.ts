import { Effect } from "effect"
import { estimateBackfill } from "../../app/backfill-estimate.ts"
import { formatTable } from "../console.ts"
import { silentEvents, type Events } from "../events.ts"
import { runDag, type RunRequest } from "../runner.ts"
import { pricesNote } from "../../transforms/llm/prices.ts"
import { fail, print, printErr } from "./shared.ts"
import { runtimeLayer } from "./runtime.ts"

/** `backfill --dry-run`: the plan, the fetch against rate limits, and the LLM tokens and USD; nothing is fetched or written. */
export const backfillDryRun = (db: string, build: (events: Events) => Effect.Effect<RunRequest, unknown>) =>
  Effect.gen(function* () {
    const req = yield* build(silentEvents)
    const plan = yield* runDag({ ...req, dryRun: true })
    const est = yield* estimateBackfill(req.dag, req.backfill!)
    const s = est.source
    yield* print(
      `backfill ${s.node} (${s.kind}) from ${est.window.since} to ${est.window.until} — dry run, nothing fetched\n`
    )
    yield* print(`would run: ${plan.nodes.map((n) => n.node).join(" → ")}\n`)
    if (s.timeDimension === "none")
      yield* print(`note: ${s.kind} has no time dimension; the window cannot narrow what it fetches\n`)
    yield* print(
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
    yield* print(`(${s.basis})\n`)
    if (est.llm.length === 0) yield* print("no downstream node calls an LLM")
    else {
      yield* print(
        formatTable(
          est.llm.map((l) => ({
            node: l.node,
            kind: l.kind,
            tier: l.tier,
            model: l.model,
            jobs: l.jobs,
            batches: l.batches,
            "input tokens": l.inputTokens,
            "output tokens": l.outputTokens,
            mode: l.mode,
            usd: Number.isNaN(l.usd) ? "?" : `$${l.usd.toFixed(4)}`
          }))
        )
      )
      const total = est.llm.reduce((a, l) => a + (Number.isNaN(l.usd) ? 0 : l.usd), 0)
      yield* print(`(${est.llm.map((l) => `${l.node}: ${l.basis}`).join("; ")})`)
      yield* print(pricesNote((req.dag.spec.llm as { prices?: Record<string, unknown> } | undefined)?.prices))
      yield* print(
        `\nestimated LLM cost: $${total.toFixed(4)} at most (unchanged jobs keep their cached scores)${est.perRunUsd !== undefined ? `; per-run budget $${est.perRunUsd}${total > est.perRunUsd ? " — the run would stop or downgrade at the budget" : ""}` : ""}`
      )
    }
  }).pipe(
    Effect.provide(runtimeLayer(db)),
    Effect.catchAll((e) =>
      printErr(`error: ${(e as { message?: string }).message ?? String(e)}`).pipe(Effect.zipRight(fail(2)))
    )
  )
