import { Effect } from "effect"
import { roleOf } from "../../core/spec.ts"
import { decodeRules } from "../../dq/rules.ts"
import { Warehouse } from "../../sinks/warehouse.ts"
import type { LoadedDag } from "../load.ts"
import { enabledNodes } from "../plan.ts"
import { pausedTriggers } from "../schedule/pauses.ts"
import { nextFires, triggersOf } from "../schedule/triggers.ts"

/** What the Schedules, Source health and Data quality pages read: the ledger, source_errors, board_checks, dq_results, quarantine. */

export const schedulesPage = (dag: LoadedDag, scheduling: boolean) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const tz = dag.spec.schedule?.timezone
    const state = yield* w.query<{
      trigger: string
      last_fire_at: string
      last_run_id: string | null
      last_status: string | null
    }>(
      "select trigger, strftime(last_fire_at, '%Y-%m-%d %H:%M:%SZ') as last_fire_at, last_run_id, last_status from schedule_state"
    )
    const paused = yield* pausedTriggers
    return {
      dag: dag.path,
      scheduling,
      timezone: tz ?? null,
      overlap: dag.spec.schedule?.overlap ?? "skip",
      catchUp: dag.spec.schedule?.catch_up ?? "none",
      triggers: triggersOf(dag).map((t) => {
        const s = state.find((r) => r.trigger === t.name)
        return {
          name: t.name,
          cron: t.cron,
          runs: t.only,
          next: nextFires(t.cron, 3, tz).map((d) => d.toISOString()),
          lastFireAt: s?.last_fire_at ?? null,
          lastRunId: s?.last_run_id ?? null,
          lastStatus: s?.last_status ?? null,
          paused: paused.find((p) => p.trigger === t.name) ?? null
        }
      })
    }
  })

/** Per source node: its latest run, last success, units failed in that run, errors by reason over 7 days, board checks. */
export const sourceHealthPage = (dag: LoadedDag) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const sources = Object.entries(enabledNodes(dag.spec))
      .filter(([, s]) => roleOf(s)?.role === "source")
      .map(([name, s]) => ({ name, kind: roleOf(s)!.kind, schedule: s.schedule ?? null }))
    const runs = yield* w.query<Record<string, unknown> & { node: string }>(
      `select node, count(*)::int as runs, strftime(max(started_at), '%Y-%m-%d %H:%M') as last_run,
              arg_max(run_id, started_at) as last_run_id, arg_max(status, started_at) as last_status,
              arg_max(rows_out, started_at)::bigint as last_rows, arg_max(error_message, started_at) as last_error,
              strftime(max(ended_at) filter (where status in ('success', 'partial')), '%Y-%m-%d %H:%M') as last_success
       from node_runs where started_at is not null group by node`
    )
    // A skipped record (InvalidRecord) is not a failed unit: the unit's other records were kept.
    const errors = yield* w.query<{ node: string; error_tag: string; reason: string; errors: number; units: number }>(
      `select node, error_tag, reason, count(*)::int as errors, count(distinct unit)::int as units
       from source_errors where occurred_at >= now() - interval 7 days group by 1, 2, 3 order by 1, 4 desc`
    )
    const lastRunFailures = yield* w.query<{ node: string; units_failed: number; records_skipped: number }>(
      `select e.node, count(distinct e.unit) filter (where e.reason <> 'InvalidRecord')::int as units_failed,
              count(*) filter (where e.reason = 'InvalidRecord')::int as records_skipped
       from source_errors e
       join (select node, arg_max(run_id, started_at) as run_id from node_runs where started_at is not null group by node) l
         on l.node = e.node and l.run_id = e.run_id
       group by 1`
    )
    const boards = yield* w.query<{ source: string; status: string; boards: number }>(
      "select source, status, count(*)::int as boards from board_checks group by 1, 2 order by 1, 2"
    )
    return {
      sources: sources.map((s) => {
        const r = runs.find((x) => x.node === s.name)
        const e = errors.filter((x) => x.node === s.name)
        const f = lastRunFailures.find((x) => x.node === s.name)
        const count = (reason: string) => e.filter((x) => x.reason === reason).reduce((n, x) => n + x.errors, 0)
        return {
          ...s,
          runs: Number(r?.runs ?? 0),
          lastRun: r?.last_run ?? null,
          lastRunId: r?.last_run_id ?? null,
          lastStatus: r?.last_status ?? null,
          lastRows: r?.last_rows === undefined || r.last_rows === null ? null : Number(r.last_rows),
          lastError: r?.last_error ?? null,
          lastSuccess: r?.last_success ?? null,
          unitsFailed: f?.units_failed ?? 0,
          recordsSkipped: f?.records_skipped ?? 0,
          blocked: count("Blocked"),
          rateLimited: count("RateLimited"),
          errorsByReason: e.map(({ error_tag, reason, errors, units }) => ({ error_tag, reason, errors, units })),
          boards: Object.fromEntries(boards.filter((b) => b.source === s.kind).map((b) => [b.status, b.boards]))
        }
      })
    }
  })

/** The gates dag.yaml declares, how each rule has done (pass rate over every check), what is parked now. */
export const qualityPage = (dag: LoadedDag) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const declared = Object.entries(enabledNodes(dag.spec)).flatMap(([node, spec]) =>
      spec.dq === undefined
        ? []
        : decodeRules(spec.dq).rules.map((r) => ({
            node,
            name: r.name,
            rule: r.rule,
            severity: r.severity,
            collection: r.collection
          }))
    )
    const results = yield* w.query<{
      node: string
      rule: string
      checked: number
      passed: number
      failed: number
      last_checked: string
      last_failed: number
    }>(
      `select node, rule, sum(checked)::bigint as checked, sum(passed)::bigint as passed, sum(failed)::bigint as failed,
              strftime(max(checked_at), '%Y-%m-%d %H:%M') as last_checked, arg_max(failed, checked_at)::bigint as last_failed
       from dq_results group by 1, 2`
    )
    const open = yield* w.query<{ node: string; rule: string; parked: number }>(
      "select node, rule, count(*)::int as parked from quarantine where status = 'parked' group by 1, 2"
    )
    const parked = yield* w.query(
      `select quarantine_id as id, node, coalesce(collection, 'level-2') as collection, rule, record_key,
              coalesce(record->>'title', record->>'name', '') as title, left(reason, 160) as reason,
              strftime(parked_at, '%Y-%m-%d %H:%M') as parked, run_id
       from quarantine where status = 'parked' order by parked_at desc, quarantine_id limit 100`
    )
    const rules = declared.map((d) => {
      const r = results.find((x) => x.node === d.node && x.rule === d.name)
      const checked = Number(r?.checked ?? 0)
      return {
        ...d,
        checked,
        failed: Number(r?.failed ?? 0),
        passRate: checked > 0 ? Number(r!.passed) / checked : null,
        lastChecked: r?.last_checked ?? null,
        lastFailed: r ? Number(r.last_failed) : null,
        parked: open.find((x) => x.node === d.node && x.rule === d.name)?.parked ?? 0
      }
    })
    return { rules, openQuarantine: open.reduce((n, x) => n + x.parked, 0), parked }
  })
