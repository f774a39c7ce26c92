import { Effect } from "effect"
import { Warehouse } from "../sinks/warehouse.ts"

/** The run ledger: `runs` and `node_runs` rows, and committed cursors. */

export interface NodeRunRow {
  run_id: string
  node: string
  kind: string
  status: string
  started_at: string | null
  ended_at: string | null
  attempts: number
  rows_in: number
  rows_out: number
  error_tag: string | null
  error_message: string | null
}

const pidAlive = (pid: number | null) => {
  if (!pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Runs left `running` by a process that no longer exists were killed: say so in the ledger. */
export const markCrashedRuns = Effect.gen(function* () {
  const w = yield* Warehouse
  const open = yield* w.query<{ run_id: string; pid: number | null }>(
    "select run_id, pid from runs where status = 'running'"
  )
  for (const r of open) {
    if (r.pid === process.pid || pidAlive(r.pid)) continue
    yield* w.exec("update runs set status = 'crashed', ended_at = coalesce(ended_at, now()) where run_id = $1", [
      r.run_id
    ])
    yield* w.exec(
      "update node_runs set status = 'interrupted', ended_at = coalesce(ended_at, now()) where run_id = $1 and status in ('running', 'pending')",
      [r.run_id]
    )
  }
})

/** The latest run in which `node` succeeded: that run's output is what downstream nodes read. */
export const lastCommitted = (node: string) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const rows = yield* w.query<{ run_id: string }>(
      "select run_id from node_runs where node = $1 and status in ('success', 'partial') order by ended_at desc limit 1",
      [node]
    )
    return rows[0]?.run_id as string | undefined
  })

export const readCursor = (node: string) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const rows = yield* w.query<{ value: string }>("select value from cursors where node = $1", [node])
    return rows[0]?.value ?? null
  })

export const recentRuns = (limit: number) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    return yield* w.query(
      `select r.run_id, r.mode, r.status, strftime(r.started_at, '%Y-%m-%d %H:%M:%S') as started,
              round(epoch(coalesce(r.ended_at, now()) - r.started_at), 1) as seconds,
              count(n.node)::int as nodes,
              count(n.node) filter (where n.status in ('success', 'partial'))::int as ok,
              count(n.node) filter (where n.status = 'failed')::int as failed,
              count(n.node) filter (where n.status = 'skipped')::int as skipped,
              coalesce(sum(n.rows_out), 0)::bigint as rows_out
       from runs r left join node_runs n using (run_id)
       group by r.run_id, r.mode, r.status, r.started_at, r.ended_at order by r.started_at desc limit ${Math.max(1, Math.floor(limit))}`
    )
  })
