import { Effect, Schema } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"

/** The next call would take spending past a budget. The node stops cleanly, keeping what it has. */
export class BudgetExceeded extends Schema.TaggedError<BudgetExceeded>()("BudgetExceeded", {
  limit: Schema.Literal("run", "week", "job"),
  limitUsd: Schema.Number,
  spentUsd: Schema.Number,
  nextCallUsd: Schema.Number,
  message: Schema.String
}) {}

export interface Reservation {
  readonly usd: number
}

/**
 * Per-run and rolling-week USD budgets, checked before each call with the call's worst case
 * (every prompt token plus max_tokens of output). Concurrent calls reserve their worst case, and
 * settle to what the ledger says they cost.
 */
export interface LlmBudget {
  readonly reserve: (worstUsd: number) => Effect.Effect<Reservation, BudgetExceeded>
  readonly settle: (r: Reservation, actualUsd: number) => Effect.Effect<void>
  readonly spent: () => { readonly run: number; readonly week: number }
}

const fmt = (n: number) => `$${n.toFixed(4)}`

export const makeBudget = (config: { runId: string; perRunUsd?: number; perWeekUsd?: number }) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const [prior] = yield* w.query<{ run: number; week: number }>(
      `select coalesce(sum(usd) filter (where run_id = $1), 0)::double as run,
              coalesce(sum(usd) filter (where called_at >= now() - interval 7 days), 0)::double as week
       from llm_calls`,
      [config.runId]
    )
    let run = prior.run,
      week = prior.week,
      reserved = 0
    const budget: LlmBudget = {
      reserve: (worst) =>
        Effect.suspend(() => {
          const check = (limit: "run" | "week", max: number | undefined, spent: number) =>
            max !== undefined && spent + reserved + worst > max
              ? new BudgetExceeded({
                  limit,
                  limitUsd: max,
                  spentUsd: spent,
                  nextCallUsd: worst,
                  message: `LLM budget per ${limit} is ${fmt(max)}: spent ${fmt(spent)}${reserved > 0 ? ` (+${fmt(reserved)} in flight)` : ""}, the next call could cost up to ${fmt(worst)}`
                })
              : undefined
          const over = check("run", config.perRunUsd, run) ?? check("week", config.perWeekUsd, week)
          if (over) return Effect.fail(over)
          reserved += worst
          return Effect.succeed({ usd: worst })
        }),
      settle: (r, actual) =>
        Effect.sync(() => {
          reserved -= r.usd
          run += actual
          week += actual
        }),
      spent: () => ({ run, week })
    }
    return budget
  })

/**
 * `budgets.llm.per_job_usd`: one job's layers under `capUsd` on top of the run and week budgets. A
 * reservation past the cap fails as `limit: "job"` (the batcher then downgrades the tier or stops, as
 * for the other limits); what the job spent is what the ledger settled.
 */
export const withJobCap = (parent: LlmBudget, capUsd: number): LlmBudget & { readonly jobSpent: () => number } => {
  let spent = 0,
    reserved = 0
  return {
    reserve: (worst) =>
      Effect.suspend(() =>
        spent + reserved + worst > capUsd
          ? Effect.fail(
              new BudgetExceeded({
                limit: "job",
                limitUsd: capUsd,
                spentUsd: spent,
                nextCallUsd: worst,
                message: `LLM cap per job is ${fmt(capUsd)}: this job spent ${fmt(spent)}${reserved > 0 ? ` (+${fmt(reserved)} in flight)` : ""}, the next call could cost up to ${fmt(worst)}`
              })
            )
          : parent.reserve(worst).pipe(Effect.tap(() => void (reserved += worst)))
      ),
    settle: (r, actual) =>
      parent.settle(r, actual).pipe(
        Effect.tap(() => {
          reserved -= r.usd
          spent += actual
        })
      ),
    spent: parent.spent,
    jobSpent: () => spent
  }
}
