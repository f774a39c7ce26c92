import { useEffect, useState } from "preact/hooks"
import { get, post, fmtInt } from "../api"
import type { AskConfirm } from "../main"

interface Rule {
  node: string
  name: string
  rule: string
  severity: string
  collection: string
  checked: number
  failed: number
  passRate: number | null
  lastChecked: string | null
  lastFailed: number | null
  parked: number
}
interface Quality {
  rules: Rule[]
  openQuarantine: number
  parked: Array<Record<string, string>>
}

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)}%`)

export const QualityPage = ({ askConfirm }: { askConfirm: AskConfirm }) => {
  const [d, setD] = useState<Quality | null>(null)
  const [err, setErr] = useState<string | null>(null)
  const [result, setResult] = useState<string | null>(null)
  const load = () => get<Quality>("/api/quality").then(setD, (e) => setErr(e.message))
  useEffect(() => {
    void load()
  }, [])
  if (!d) return err ? <p class="error">{err}</p> : <p class="muted">Loading…</p>
  const replay = (r?: Rule) =>
    askConfirm({
      title: r
        ? `Replay the ${fmtInt(r.parked)} row(s) parked by ${r.name}?`
        : `Replay all ${fmtInt(d.openQuarantine)} parked row(s)?`,
      body: (
        <p>
          Each is checked again against the rules dag.yaml declares now; those that pass are written to their
          collection, the rest stay parked with their current reasons.
        </p>
      ),
      confirmLabel: "Replay",
      onConfirm: () => {
        setErr(null)
        void post("/api/quality/replay", { rule: r?.name, node: r?.node, confirm: true }).then(
          (x) => {
            setResult(
              `replay ${x.runId}: ${fmtInt(x.checked)} checked, ${fmtInt(x.released)} passed and were queued` +
                (x.destination ? `, ${fmtInt(x.delivered)} delivered to ${x.destination}` : "") +
                `; ${fmtInt(x.stillParked)} still parked${x.problems.length ? ` (${x.problems.join("; ")})` : ""}`
            )
            void load()
          },
          (e) => setErr(e.message)
        )
      }
    })
  return (
    <div>
      <h1>
        Data quality{" "}
        <span class="muted small" data-testid="quarantine-open">
          {fmtInt(d.openQuarantine)} parked
        </span>
      </h1>
      {err && <p class="error">{err}</p>}
      {result && (
        <p class="card" data-testid="replay-result">
          {result}
        </p>
      )}
      {d.rules.length === 0 ? (
        <p class="empty" data-testid="quality-empty">
          No node of this DAG declares data-quality rules: add a <code>dq:</code> list to a sink node (see the store
          node of the default dag.yaml) to check documents before they are written.
        </p>
      ) : (
        <>
          {d.rules.every((r) => r.checked === 0) && (
            <p class="empty" data-testid="quality-unchecked">
              The rules have not checked anything yet: they run when their sink node runs (start a run on the Runs
              page).
            </p>
          )}
          <table class="grid" data-testid="quality-rules">
            <thead>
              <tr>
                <th>Node</th>
                <th>Rule</th>
                <th>Severity</th>
                <th>Collection</th>
                <th>Checked</th>
                <th>Pass rate</th>
                <th>Failed (last check)</th>
                <th>Parked now</th>
                <th>Last check</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {d.rules.map((r) => (
                <tr key={`${r.node}/${r.name}`} data-testid="quality-rule">
                  <td>{r.node}</td>
                  <td>
                    <code>{r.name}</code>
                  </td>
                  <td>
                    <span class={`badge sev-${r.severity}`}>{r.severity}</span>
                  </td>
                  <td>{r.collection}</td>
                  <td class="num">{fmtInt(r.checked)}</td>
                  <td class="num">{pct(r.passRate)}</td>
                  <td class="num">{r.lastFailed === null ? "—" : fmtInt(r.lastFailed)}</td>
                  <td class="num">{fmtInt(r.parked)}</td>
                  <td class="small">{r.lastChecked ?? "never"}</td>
                  <td>
                    {r.parked > 0 && (
                      <button type="button" onClick={() => replay(r)} data-testid="replay-rule">
                        Replay…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <section class="card">
        <h2>
          Parked rows{" "}
          {d.openQuarantine > 0 && (
            <button type="button" class="primary" onClick={() => replay()} data-testid="replay-all">
              Replay all…
            </button>
          )}
        </h2>
        {d.parked.length === 0 ? (
          <p class="muted" data-testid="quarantine-empty">
            Nothing is parked: every checked document passed its quarantine rules (or none was checked yet).
          </p>
        ) : (
          <table class="grid compact" data-testid="quarantine-table">
            <thead>
              <tr>
                <th>Parked</th>
                <th>Node</th>
                <th>Collection</th>
                <th>Rule</th>
                <th>Record</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {d.parked.map((p) => (
                <tr key={p.id}>
                  <td class="small">{p.parked}</td>
                  <td>{p.node}</td>
                  <td>{p.collection}</td>
                  <td>
                    <code>{p.rule}</code>
                  </td>
                  <td class="small">
                    {p.title || p.record_key} <span class="muted">{p.record_key}</span>
                  </td>
                  <td class="small">{p.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  )
}
