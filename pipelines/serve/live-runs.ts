import type { SchedulerOptions } from "../schedule/scheduler.ts"
import type { Tasks } from "./tasks.ts"

/**
 * The scheduler's runs as dashboard tasks, so the Runs page follows a scheduled run live (its events over
 * SSE, as for a run started from the page) and a second run from the page waits for it (one writer).
 */
export const watchScheduledRuns =
  (tasks: Tasks): NonNullable<SchedulerOptions["watch"]> =>
  (label, reason) => {
    const t = tasks.track("run", `${reason} run of ${label}`)
    return {
      emit: (e) => t.emit(e),
      end: (o) =>
        o.status === "ran"
          ? t.end("done", {
              runId: o.summary.runId,
              status: o.summary.status,
              ms: o.summary.ms,
              ...(o.summary.status === "skipped" && o.summary.reason ? { skipped: o.summary.reason } : {})
            })
          : o.status === "failed"
            ? t.end("failed", undefined, o.error)
            : t.end("cancelled")
    }
  }
