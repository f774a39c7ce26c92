import { useEffect, useState } from "preact/hooks"
import { post, subscribe, fmtUsd, type TaskEvent } from "../api"

export interface TaskState {
  id: string
  status: string
  /** Why a `skipped` task did none of its work ("no LLM provider key …"). */
  reason?: string
  events: TaskEvent[]
}

/** Follows a task's event stream; `onEvent` sees each event as it arrives (partial results included). */
export const useTask = (taskId: string | null, onEvent?: (e: TaskEvent) => void) => {
  const [state, setState] = useState<TaskState | null>(null)
  useEffect(() => {
    if (!taskId) return
    setState({ id: taskId, status: "running", events: [] })
    return subscribe(taskId, (e) => {
      setState(
        (s) =>
          s && {
            ...s,
            status: e.type === "task_finished" ? e.status : s.status,
            reason: e.type === "task_finished" ? e.reason : s.reason,
            events: [...s.events, e]
          }
      )
      onEvent?.(e)
    })
  }, [taskId])
  return state
}

const line = (e: TaskEvent) => {
  switch (e.type) {
    case "progress":
      return `${e.op} · ${e.phase} · ${e.status}${e.message ? ` — ${e.message}` : ""}`
    case "job_started":
      return `job ${e.jobId}: started`
    case "job_done":
      return `job ${e.jobId}: done (${fmtUsd(e.usd)})`
    case "job_failed":
      return `job ${e.jobId}: failed — ${e.error}`
    case "task_started":
      return `started: ${e.title}`
    case "task_finished":
      return `finished: ${e.status}${e.error ? ` — ${e.error}` : e.reason ? ` — ${e.reason}` : ""}`
    case "cancel_requested":
      return "cancel requested"
    default:
      return `${e.type}${e.node ? ` ${e.node}` : ""}${e.status ? ` ${e.status}` : ""}${e.message ? ` — ${e.message}` : ""}`
  }
}

/** A running task's progress, phase by phase, with a cancel button (interrupts the server-side fiber). */
export const TaskPanel = ({
  task,
  title,
  askConfirm,
  cancellable = true
}: {
  task: TaskState | null
  title: string
  /** False for a task this server does not run itself (a scheduled run: the scheduler stops it). */
  cancellable?: boolean
  askConfirm: (r: { title: string; body: string; confirmLabel: string; onConfirm: () => void }) => void
}) => {
  if (!task) return null
  const partials = task.events.filter((e) => e.type === "progress" && e.partial !== undefined)
  return (
    <section class="task-panel" data-testid="task-panel" data-status={task.status}>
      <header>
        <strong>{title}</strong>{" "}
        <span class={`badge status-${task.status}`} data-testid="task-status">
          {task.status}
        </span>
        {task.status === "skipped" && task.reason && (
          <span class="muted" data-testid="task-reason">
            {" "}
            — {task.reason}
          </span>
        )}
        {task.status === "running" && cancellable && (
          <button
            type="button"
            class="danger small"
            data-testid="task-cancel"
            onClick={() =>
              askConfirm({
                title: "Cancel this operation?",
                body: "Work already written stays; the rest stops now.",
                confirmLabel: "Cancel operation",
                onConfirm: () => void post(`/api/tasks/${task.id}/cancel`, { confirm: true })
              })
            }
          >
            Cancel
          </button>
        )}
      </header>
      <ol class="events" data-testid="task-events">
        {task.events.map((e) => (
          <li key={e.seq} class={`ev ev-${e.type} ${e.status ? `st-${e.status}` : ""}`}>
            {line(e)}
          </li>
        ))}
      </ol>
      {partials.length > 0 && (
        <details open class="partials">
          <summary>Partial results ({partials.length})</summary>
          {partials.map((e) => (
            <pre key={e.seq} data-testid="partial-result">
              {e.op}: {JSON.stringify(e.partial, null, 2)}
            </pre>
          ))}
        </details>
      )}
    </section>
  )
}
