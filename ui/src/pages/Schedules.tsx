import { useEffect, useState } from "preact/hooks"
import { get, post } from "../api"
import type { AskConfirm } from "../main"

interface Trigger {
  name: string
  cron: string
  runs: string[]
  next: string[]
  lastFireAt: string | null
  lastRunId: string | null
  lastStatus: string | null
  paused: { paused_at: string; paused_by: string } | null
}
interface Schedules {
  dag: string
  scheduling: boolean
  timezone: string | null
  overlap: string
  catchUp: string
  triggers: Trigger[]
}

/** "2026-12-03 06:00Z"; with the seconds when a 6-field cron fires off the minute. */
const when = (iso: string) => `${iso.slice(0, iso.slice(17, 19) === "00" ? 16 : 19).replace("T", " ")}Z`

export const SchedulesPage = ({ askConfirm }: { askConfirm: AskConfirm }) => {
  const [d, setD] = useState<Schedules | null>(null)
  const [err, setErr] = useState<string | null>(null)
  const load = () => get<Schedules>("/api/schedules").then(setD, (e) => setErr(e.message))
  useEffect(() => {
    void load()
    const h = setInterval(load, 5000)
    return () => clearInterval(h)
  }, [])
  if (!d) return err ? <p class="error">{err}</p> : <p class="muted">Loading…</p>
  const toggle = (t: Trigger) => {
    const pause = !t.paused
    askConfirm({
      title: `${pause ? "Pause" : "Resume"} the schedule ${t.name}?`,
      body: (
        <p>
          {pause
            ? `Its fires (${t.cron}) are skipped until it is resumed, by jobsignal up and jobsignal schedule alike; a run already going finishes.`
            : `It fires again from its next time (${when(t.next[0] ?? "")}); missed fires are not run now.`}{" "}
          It runs: {t.runs.join(", ")}.
        </p>
      ),
      confirmLabel: pause ? "Pause" : "Resume",
      onConfirm: () =>
        void post(`/api/schedules/${encodeURIComponent(t.name)}/${pause ? "pause" : "resume"}`, { confirm: true }).then(
          load,
          (e) => setErr(e.message)
        )
    })
  }
  // "Run now": the trigger's run in jobsignal up's scheduler, by hand (a paused one too); the Runs page follows it live.
  const fireNow = (t: Trigger) =>
    askConfirm({
      title: `Run the schedule ${t.name} now?`,
      body: (
        <p>
          It runs {t.runs.join(", ")} now, as its {t.cron} fire would
          {t.paused ? " (it stays paused for the clock)" : ""}; the Runs page follows it live. The same from a terminal:{" "}
          <code>jobsignal schedule --fire {t.name}</code>.
        </p>
      ),
      confirmLabel: "Run now",
      onConfirm: () =>
        void post(`/api/schedules/${encodeURIComponent(t.name)}/fire`, { confirm: true }).then(
          () => {
            location.hash = "#/runs"
          },
          (e) => setErr(e.message)
        )
    })
  return (
    <div>
      <h1>Schedules</h1>
      <p class="muted small" data-testid="schedules-mode">
        {d.scheduling
          ? "This process (jobsignal up) fires them."
          : "This is jobsignal serve: nothing fires here. Start jobsignal up (or jobsignal schedule) to run them."}{" "}
        Timezone {d.timezone ?? "of the system"} · overlap {d.overlap} · catch-up {d.catchUp} · {d.dag}
      </p>
      {err && <p class="error">{err}</p>}
      {d.triggers.length === 0 ? (
        <p class="empty" data-testid="schedules-empty">
          No node in {d.dag} has a schedule, so nothing fires on its own: add <code>schedule: "0 6 * * *"</code> (a cron
          expression) to a node, then restart jobsignal up. Runs start from the Runs page meanwhile.
        </p>
      ) : (
        <table class="grid" data-testid="schedules-table">
          <thead>
            <tr>
              <th>Schedule</th>
              <th>Cron</th>
              <th>Runs</th>
              <th>Next fire</th>
              <th>Last fire</th>
              <th>Last run</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {d.triggers.map((t) => (
              <tr key={t.name} data-testid="schedule-row" data-trigger={t.name}>
                <td>
                  <b>{t.name}</b>
                </td>
                <td>
                  <code>{t.cron}</code>
                </td>
                <td class="small">{t.runs.join(", ")}</td>
                <td class="small">
                  {t.paused ? <s>{when(t.next[0] ?? "")}</s> : t.next.slice(0, 2).map(when).join(", ")}
                </td>
                <td class="small">{t.lastFireAt ?? <span class="muted">never</span>}</td>
                <td class="small">
                  {t.lastStatus ? <span class={`badge status-${t.lastStatus}`}>{t.lastStatus}</span> : null}{" "}
                  {t.lastRunId ? <a href="#/runs">{t.lastRunId}</a> : null}
                </td>
                <td data-testid="schedule-state">
                  {t.paused ? (
                    <span class="badge status-skipped" title={`by ${t.paused.paused_by}`}>
                      paused since {t.paused.paused_at}
                    </span>
                  ) : (
                    <span class="badge status-success">active</span>
                  )}
                </td>
                <td class="actions">
                  <button type="button" onClick={() => toggle(t)} data-testid={`schedule-toggle-${t.name}`}>
                    {t.paused ? "Resume…" : "Pause…"}
                  </button>{" "}
                  {d.scheduling && (
                    <button type="button" onClick={() => fireNow(t)} data-testid={`schedule-fire-${t.name}`}>
                      Run now…
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
