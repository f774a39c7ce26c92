import { Effect, type Layer, Schema } from "effect"
import type { Fatal } from "../../core/errors.ts"
import type { Warehouse, WarehouseError } from "../../sinks/warehouse.ts"
import { runBatched, type ItemResult, type LlmTask } from "../llm/batching.ts"
import type { BudgetExceeded, LlmBudget } from "../llm/budget.ts"
import type { LlmSettings } from "../llm/config.ts"
import { makeItem, type BatchItem } from "../llm/prompt.ts"
import type { LlmProviders } from "../llm/provider.ts"
import type { Tier } from "../llm/tiers.ts"

/** A layer could not produce a valid result: its earlier output (if any) stays, later layers still run. */
export class LayerFailed extends Schema.TaggedError<LayerFailed>()("LayerFailed", {
  /** `JobCap`: the call did not fit what is left of `budgets.llm.per_job_usd` (the job's other layers may). */
  reason: Schema.Literal("Invalid", "Budget", "JobCap"),
  message: Schema.String
}) {}

export interface LlmCtx {
  readonly settings: LlmSettings
  readonly budget: LlmBudget
  readonly layer: Layer.Layer<LlmProviders>
  readonly tier: Tier
  readonly runId: string
}

export interface Asked<Out> {
  readonly results: Map<string, ItemResult<Out>>
  readonly failed: Map<string, string>
  readonly usd: number
  readonly calls: number
  readonly model?: string
}

const budgetFailure = (b: BudgetExceeded) =>
  new LayerFailed({ reason: b.limit === "job" ? "JobCap" : "Budget", message: b.message })

/**
 * Asks through the one budgeted path (cache, ledger, budget, batcher's own re-ask of invalid ids),
 * then once more for each item still invalid, this time telling the model what was wrong: an
 * over-long draft is asked again with the limit it broke, never cut.
 */
export const ask = <Out>(
  llm: LlmCtx,
  node: string,
  task: LlmTask<Out>,
  items: ReadonlyArray<BatchItem>,
  batchSize = 8
): Effect.Effect<Asked<Out>, LayerFailed | Fatal | WarehouseError, Warehouse> =>
  Effect.gen(function* () {
    const opts = { tier: llm.tier, batchSize, settings: llm.settings, runId: llm.runId, node, budget: llm.budget }
    const first = yield* runBatched(task, items, opts).pipe(Effect.provide(llm.layer))
    if (first.budgetExceeded) return yield* budgetFailure(first.budgetExceeded)
    const results = new Map(first.results)
    let usd = first.stats.usd,
      calls = first.stats.calls
    let failed = new Map(first.failed)
    if (failed.size > 0) {
      const again = items
        .filter((i) => failed.has(i.key))
        .map((i) =>
          makeItem(
            i.key,
            `${i.text}\n\nYOUR PREVIOUS ANSWER FOR THIS ITEM WAS REJECTED: ${failed.get(i.key)}\nAnswer again, keeping every stated limit exactly.`
          )
        )
      const second = yield* runBatched(task, again, opts).pipe(Effect.provide(llm.layer))
      usd += second.stats.usd
      calls += second.stats.calls
      if (second.budgetExceeded) return yield* budgetFailure(second.budgetExceeded)
      for (const [k, r] of second.results) results.set(k, r)
      failed = new Map([...second.failed].map(([k, why]) => [k, why]))
    }
    const model = [...results.values()][0]?.model
    return { results, failed, usd, calls, model }
  })

/** Every item answered, or the layer fails naming what stayed invalid. */
export const askAll = <Out>(
  llm: LlmCtx,
  node: string,
  task: LlmTask<Out>,
  items: ReadonlyArray<BatchItem>,
  batchSize = 8
) =>
  ask(llm, node, task, items, batchSize).pipe(
    Effect.flatMap((a) =>
      a.failed.size === 0
        ? Effect.succeed(a)
        : Effect.fail(
            new LayerFailed({
              reason: "Invalid",
              message: `${task.name}: no valid answer after re-asking: ${[...a.failed]
                .map(([k, why]) => `${k}: ${why}`)
                .join("; ")
                .slice(0, 600)}`
            })
          )
    )
  )
