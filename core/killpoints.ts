import type { Events } from "../pipelines/events.ts"

/**
 * Fault injection for the crash-recovery test (test/killpoints.test.ts): with
 * `JOBSIGNAL_KILL_AT=<point>:<n>` the process SIGKILLs itself the n-th time it passes `<point>`,
 * e.g. `insert:stg_jobs:3` (after the third staging batch) or `tx_commit:2` (just before the
 * second transaction commits). Unset, every call is one comparison.
 */
const target = (() => {
  const v = process.env.JOBSIGNAL_KILL_AT
  const m = v ? /^(.+):(\d+)$/.exec(v) : null
  return m ? { point: m[1], n: Number(m[2]) } : undefined
})()
const seen = new Map<string, number>()

export const killPoint = (point: string): void => {
  if (!target || point !== target.point) return
  const n = (seen.get(point) ?? 0) + 1
  seen.set(point, n)
  if (n !== target.n) return
  process.stderr.write(`JOBSIGNAL_KILL_AT: killing pid ${process.pid} at ${point}:${n}\n`)
  process.kill(process.pid, "SIGKILL")
  // SIGKILL to oneself lands at once; spin so no further statement of this run can execute first.
  for (;;) {
    /* wait for the signal */
  }
}

/** Run events as kill points: `run_started`, `node_started:<node>`, `node_progress:<node>`, `node_finished:<node>`, `run_finished`. */
export const withKillPoints = (events: Events): Events =>
  target === undefined
    ? events
    : {
        emit: (e) => {
          events.emit(e)
          killPoint("node" in e && e.node !== undefined && e.type.startsWith("node_") ? `${e.type}:${e.node}` : e.type)
        }
      }
