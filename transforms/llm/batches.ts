import { Effect } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import { table } from "../../sinks/table.ts"
import type { Migration } from "../../sinks/migrations.ts"

/**
 * `llm_batches`: every provider batch a node submitted, committed right after the provider gave its id and
 * before the first poll, so a crash or a restart resumes the batch in flight instead of paying for it twice.
 * `requests` maps each request's custom id to the items it carries (key, content hash, short id order).
 */
export const llmBatches = table({
  name: "llm_batches",
  createdBy: "0055_llm_batches",
  columns: {
    batch_id: "VARCHAR NOT NULL",
    provider: "VARCHAR NOT NULL",
    model: "VARCHAR NOT NULL",
    tier: "VARCHAR NOT NULL",
    node: "VARCHAR NOT NULL",
    prompt_version: "VARCHAR NOT NULL",
    run_id: "VARCHAR NOT NULL",
    /** submitted | ended | failed | past_deadline */
    status: "VARCHAR NOT NULL",
    requests: "JSON NOT NULL",
    submitted_at: "TIMESTAMPTZ NOT NULL",
    deadline_at: "TIMESTAMPTZ NOT NULL",
    finished_at: "TIMESTAMPTZ"
  },
  primaryKey: ["batch_id"],
  indexes: { llm_batches_open: ["node", "status"] }
})

/** Ledger rows of calls answered in a provider batch name it (and are priced at its discount). */
export const llmCallsBatchMigration: Migration = {
  id: "0056_llm_calls_batch_id",
  sql: "alter table llm_calls add column if not exists batch_id varchar"
}

/** One request of a submitted batch: its custom id, max_tokens, and its items in short-id order. */
export interface SubmittedRequest {
  readonly customId: string
  readonly maxTokens: number
  readonly items: ReadonlyArray<{ readonly key: string; readonly hash: string }>
}

export interface OpenBatch {
  readonly batchId: string
  readonly provider: string
  readonly model: string
  readonly tier: string
  readonly requests: ReadonlyArray<SubmittedRequest>
  readonly deadlineAtMs: number
}

export const commitBatch = (b: OpenBatch & { node: string; promptVersion: string; runId: string }) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    yield* w.exec(
      `insert into llm_batches (batch_id, provider, model, tier, node, prompt_version, run_id, status, requests, submitted_at, deadline_at)
       values ($1, $2, $3, $4, $5, $6, $7, 'submitted', $8, now(), $9::timestamptz)`,
      [
        b.batchId,
        b.provider,
        b.model,
        b.tier,
        b.node,
        b.promptVersion,
        b.runId,
        JSON.stringify(b.requests),
        new Date(b.deadlineAtMs).toISOString()
      ]
    )
  })

/** The node's batches still in flight for this prompt and model (an earlier run's, cut short by a crash or a restart). */
export const openBatches = (node: string, promptVersion: string, model: string) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const rows = yield* w.query<{
      batch_id: string
      provider: string
      model: string
      tier: string
      requests: string
      deadline_ms: number
    }>(
      `select batch_id, provider, model, tier, requests::varchar as requests, epoch_ms(deadline_at)::double as deadline_ms
       from llm_batches where node = $1 and prompt_version = $2 and model = $3 and status = 'submitted' order by submitted_at`,
      [node, promptVersion, model]
    )
    return rows.map(
      (r): OpenBatch => ({
        batchId: r.batch_id,
        provider: r.provider,
        model: r.model,
        tier: r.tier,
        requests: JSON.parse(r.requests) as SubmittedRequest[],
        deadlineAtMs: Number(r.deadline_ms)
      })
    )
  })

export const finishBatch = (batchId: string, status: "ended" | "failed" | "past_deadline") =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    yield* w.exec("update llm_batches set status = $1, finished_at = now() where batch_id = $2", [status, batchId])
  })
