import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { Warehouse } from "../../sinks/warehouse.ts"
import type { Usage } from "./prices.ts"

/** One row of `llm_calls`: every call, answered or not, with what it cost. */
export interface LlmCallRow {
  readonly runId: string
  readonly node: string
  readonly provider: string
  readonly model: string
  readonly tier: string
  readonly items: number
  readonly usage: Usage
  readonly usd: number
  readonly latencyMs: number
  /** ok | truncated | malformed | incomplete | rate_limited | overloaded | timeout | transport | server_error | fatal */
  readonly outcome: string
  readonly error?: string
  readonly promptVersion: string
  readonly attempt: number
  /** The provider batch the call was part of (its usd is at the batch discount); absent for an online call. */
  readonly batchId?: string
}

export const recordCall = (r: LlmCallRow) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    yield* w.exec(
      `insert into llm_calls (call_id, run_id, node, provider, model, tier, items, input_tokens, cached_input_tokens, output_tokens,
                              usd, latency_ms, outcome, error, called_at, prompt_version, attempt, batch_id)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now(), $15, $16, $17)`,
      [
        randomUUID(),
        r.runId,
        r.node,
        r.provider,
        r.model,
        r.tier,
        r.items,
        r.usage.inputTokens,
        r.usage.cachedInputTokens,
        r.usage.outputTokens,
        r.usd,
        Math.round(r.latencyMs),
        r.outcome,
        r.error ?? null,
        r.promptVersion,
        r.attempt,
        r.batchId ?? null
      ]
    )
  })
