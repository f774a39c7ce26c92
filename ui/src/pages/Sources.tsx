import { useEffect, useState } from "preact/hooks"
import { get, fmtInt } from "../api"

interface SourceHealth {
  name: string
  kind: string
  schedule: string | null
  runs: number
  lastRun: string | null
  lastRunId: string | null
  lastStatus: string | null
  lastRows: number | null
  lastError: string | null
  lastSuccess: string | null
  unitsFailed: number
  recordsSkipped: number
  blocked: number
  rateLimited: number
  errorsByReason: Array<{ error_tag: string; reason: string; errors: number; units: number }>
  boards: Record<string, number>
}

export const SourcesPage = () => {
  const [d, setD] = useState<{ sources: SourceHealth[] } | null>(null)
  const [err, setErr] = useState<string | null>(null)
  useEffect(() => {
    get("/api/source-health").then(setD, (e) => setErr(e.message))
  }, [])
  if (!d) return err ? <p class="error">{err}</p> : <p class="muted">Loading…</p>
  const ran = d.sources.filter((s) => s.runs > 0)
  return (
    <div>
      <h1>Source health</h1>
      <p class="muted small">
        Per source node of the DAG: its latest run, the last time it succeeded, units (boards, feeds, queries) that
        failed in that run, and the errors of the last 7 days by reason. Board checks come from{" "}
        <code>jobsignal targets check</code>.
      </p>
      {ran.length === 0 && (
        <p class="empty" data-testid="sources-empty">
          No source has run yet in this warehouse: start a run on the Runs page (or <code>jobsignal run</code>); each
          source's health shows here after its first run.
        </p>
      )}
      <table class="grid" data-testid="sources-table">
        <thead>
          <tr>
            <th>Source</th>
            <th>Last run</th>
            <th>Status</th>
            <th>Rows</th>
            <th>Last success</th>
            <th>Units failed</th>
            <th>Records skipped</th>
            <th>Blocked (7 d)</th>
            <th>429s (7 d)</th>
            <th>Errors by reason (7 d)</th>
            <th>Boards checked</th>
          </tr>
        </thead>
        <tbody>
          {d.sources.map((s) => (
            <tr key={s.name} data-testid="source-row" data-source={s.name}>
              <td>
                <b>{s.name}</b>
                {s.kind !== s.name ? <span class="muted small"> {s.kind}</span> : null}
              </td>
              <td class="small">{s.lastRun ?? <span class="muted">never ran</span>}</td>
              <td title={s.lastError ?? ""}>
                {s.lastStatus ? <span class={`badge status-${s.lastStatus}`}>{s.lastStatus}</span> : "—"}
              </td>
              <td class="num">{s.lastRows === null ? "—" : fmtInt(s.lastRows)}</td>
              <td class="small">{s.lastSuccess ?? (s.runs > 0 ? <b class="error">never</b> : "—")}</td>
              <td class={`num ${s.unitsFailed > 0 ? "error" : ""}`}>{fmtInt(s.unitsFailed)}</td>
              <td class="num">{fmtInt(s.recordsSkipped)}</td>
              <td class="num">{fmtInt(s.blocked)}</td>
              <td class="num">{fmtInt(s.rateLimited)}</td>
              <td class="small">
                {s.errorsByReason.length === 0
                  ? "none"
                  : s.errorsByReason.map((e) => `${e.reason} ${fmtInt(e.errors)}`).join(" · ")}
              </td>
              <td class="small">
                {Object.keys(s.boards).length === 0
                  ? ""
                  : Object.entries(s.boards)
                      .map(([k, v]) => `${fmtInt(v)} ${k}`)
                      .join(" · ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
