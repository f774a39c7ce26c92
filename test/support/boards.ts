import { Effect } from "effect"
import { join } from "node:path"
import { Warehouse } from "../../sinks/warehouse.ts"
import type { ReplayServer } from "../../sources/replay.ts"
import { collectingEvents } from "../../pipelines/events.ts"
import { dagFrom, run, tempDir, withDb } from "./harness.ts"

export interface NodeResult {
  readonly status: string
  readonly error?: string
  readonly rows: Array<Record<string, any>>
  readonly details: Record<string, any>
  readonly errors: Array<{ unit: string | null; reason: string; message: string }>
  readonly infos: string[]
}

/** `raw` as the warehouse hands it back (JSON text, possibly a JSON string of JSON text) → the object. */
const unwrap = (v: unknown): any => {
  let x = v
  while (typeof x === "string") {
    try {
      x = JSON.parse(x)
    } catch {
      return x
    }
  }
  return x ?? null
}

/** Runs one source node (kind + `with` as JSON) through the real runner against the replay server. */
export const runSource = (
  replay: ReplayServer,
  kind: string,
  withOpts: Record<string, unknown>,
  baseKind = kind
): Promise<NodeResult> => {
  const dag = dagFrom(`version: 1
defaults: { retry: { times: 0 } }
nodes:
  subject: { source: ${kind}, timeout: 120s, with: ${JSON.stringify({ base_url: replay.baseUrlFor(baseKind), ...withOpts })} }
`)
  const events = collectingEvents()
  return withDb(
    join(tempDir("boards-"), "w.duckdb"),
    Effect.gen(function* () {
      const { summary } = yield* run({ dag, events })
      const w = yield* Warehouse
      const node = summary.nodes.find((n) => n.node === "subject")!
      const rows = yield* w
        .query(`select * exclude (raw), raw::varchar as raw from stg_jobs where run_id = $1 order by source_id`, [
          summary.runId
        ])
        .pipe(Effect.orElseSucceed(() => []))
      const nr = yield* w.query<{ details: string | null }>(
        "select details from node_runs where run_id = $1 and node = 'subject'",
        [summary.runId]
      )
      const errors = yield* w.query<{ unit: string | null; reason: string; message: string }>(
        "select unit, reason, message from source_errors where run_id = $1 order by message",
        [summary.runId]
      )
      return {
        status: node.status,
        error: node.error,
        rows: rows.map((r) => ({ ...r, raw: unwrap(r.raw) })),
        details: nr[0]?.details ? JSON.parse(nr[0].details) : {},
        errors,
        infos: events.seen.flatMap((e) => (e.type === "info" || e.type === "warning" ? [e.message] : []))
      }
    })
  )
}
