import cron from "node-cron"
import type { LoadedDag } from "../load.ts"
import { downstreamOf, enabledNodes } from "../plan.ts"

/**
 * What one `schedule:` in dag.yaml starts: its node, then the downstream nodes that have no
 * schedule of their own (so "boards every 48 h → dedupe → score" is one trigger). The runner's
 * `only` selection adds the needs that have no committed output yet.
 */
export interface Trigger {
  readonly name: string
  readonly cron: string
  readonly only: ReadonlyArray<string>
}

export const triggersOf = (dag: LoadedDag): Trigger[] => {
  const nodes = enabledNodes(dag.spec)
  const out: Trigger[] = []
  for (const [name, spec] of Object.entries(nodes)) {
    if (!spec.schedule) continue
    const only = [...downstreamOf(nodes, name)].filter((n) => n === name || !nodes[n].schedule).sort()
    // A downstream node reached only through another scheduled node belongs to that one's trigger.
    const reachable = (n: string): boolean =>
      n === name || (nodes[n].needs ?? []).some((m) => only.includes(m) && reachable(m))
    const own = only.filter((n) => reachable(n))
    out.push({ name, cron: spec.schedule, only: own })
  }
  return out.sort((a, b) => a.name.localeCompare(b.name))
}

/** The next `count` fire times of a cron expression after now, in `timezone` (IANA name). */
export const nextFires = (expr: string, count: number, timezone?: string): Date[] => {
  const task = cron.createTask(expr, () => {}, { timezone })
  try {
    return task.getNextRuns(count)
  } finally {
    void task.destroy()
  }
}

const MINUTE = 60_000
/** Scanning stops after this many minutes (a year): a scheduler down longer than that is told so. */
const MAX_SCAN_MINUTES = 366 * 24 * 60

/**
 * Fire times of `expr` strictly after `since` and at or before `until`, at most `limit` of them
 * (minute resolution: a 6-field expression is matched at its first listed second).
 */
export const firesBetween = (
  expr: string,
  since: Date,
  until: Date,
  opts: { timezone?: string; limit?: number } = {}
): Date[] => {
  const task = cron.createTask(expr, () => {}, { timezone: opts.timezone })
  const fields = cron.parse(expr)
  const second = fields.second[0] ?? 0
  const out: Date[] = []
  try {
    let t = Math.floor(since.getTime() / MINUTE) * MINUTE
    const end = Math.min(until.getTime(), t + MAX_SCAN_MINUTES * MINUTE)
    for (; t <= end; t += MINUTE) {
      const at = new Date(t + second * 1000)
      if (at.getTime() <= since.getTime() || at.getTime() > until.getTime()) continue
      if (task.match(at)) {
        out.push(at)
        if (out.length >= (opts.limit ?? 1000)) break
      }
    }
    return out
  } finally {
    void task.destroy()
  }
}
