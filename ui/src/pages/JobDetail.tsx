import { useEffect, useState } from "preact/hooks"
import { get, post, fmtInt, fmtUsd, safeHref, salary } from "../api"
import { TaskPanel, useTask } from "../components/TaskPanel"
import type { AskConfirm, Health } from "../main"

/** What each layer table is about, for headings; unknown tables still show, by name. */
const LAYER_TITLES: Array<[RegExp, string]> = [
  [/extract/, "Extracted JD"],
  [/pain/, "Pain points"],
  [/research|company/, "Company research"],
  [/fit/, "Fit analysis"],
  [/outreach|people/, "Outreach drafts"],
  [/cv/, "CV bullets"],
  [/dossier/, "Dossier"]
]
const layerTitle = (t: string) => LAYER_TITLES.find(([re]) => re.test(t))?.[1] ?? t

const parseJson = (v: string) => {
  try {
    return JSON.parse(v)
  } catch {
    return undefined
  }
}

/** Layer output as a reader wants it: lists as lists, evidence as quotes, objects as nested fields. */
const Value = ({ v }: { v: unknown }): any => {
  if (v === null || v === undefined || v === "") return <span class="muted">—</span>
  if (typeof v === "string") {
    if (/^(https?:\/\/)/.test(v) && !v.includes(" ") && safeHref(v))
      return (
        <a href={safeHref(v)} target="_blank" rel="noreferrer">
          {v}
        </a>
      )
    const parsed = /^[[{]/.test(v.trim()) ? parseJson(v) : undefined
    return parsed !== undefined ? <Value v={parsed} /> : <span class="prewrap">{v}</span>
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return <span class="muted">none</span>
    return (
      <ul class="vlist">
        {v.map((x, i) => (
          <li key={i}>
            {x && typeof x === "object" && "text" in x ? (
              <>
                <span>{String((x as any).text)}</span>
                {(x as any).confidence && <span class="badge small">{String((x as any).confidence)}</span>}
                {(x as any).evidence && <blockquote class="small">“{String((x as any).evidence)}”</blockquote>}
              </>
            ) : (
              <Value v={x} />
            )}
          </li>
        ))}
      </ul>
    )
  }
  if (typeof v === "object") return <KeyValues row={v as Record<string, unknown>} />
  return <span>{String(v)}</span>
}

const KeyValues = ({ row, skip = [] }: { row: Record<string, unknown>; skip?: string[] }): any => (
  <dl class="kv">
    {Object.entries(row)
      .filter(([k]) => !skip.includes(k))
      .map(([k, v]) => (
        <>
          <dt key={`${k}-k`}>{k}</dt>
          <dd key={`${k}-v`}>
            <Value v={v} />
          </dd>
        </>
      ))}
  </dl>
)

/** job_intel (the layers' output, level-2 field names) shown by layer, in the order the layers run. */
const INTEL_SECTIONS: Array<[string, string, string[]]> = [
  ["extract", "Extracted JD", ["extracted_jd"]],
  [
    "pain",
    "Pain points",
    ["pain_points", "strategic_needs", "risks_if_unfilled", "success_metrics", "why_now", "pain_reasoning"]
  ],
  ["research", "Company & role research", ["company_research", "role_research"]],
  ["fit", "Fit analysis (layer 4)", ["fit_score", "fit_category", "tier", "fit_rationale", "fit_details"]],
  ["outreach", "People & outreach drafts", ["primary_contacts", "secondary_contacts", "outreach_packages"]],
  ["cv", "CV bullets", ["cv_bullets", "cv_text", "cv_reasoning"]]
]

const Intel = ({ row, jobId }: { row: Record<string, unknown>; jobId: string }) => {
  const status = (
    typeof row.layer_status === "string" ? JSON.parse(row.layer_status) : (row.layer_status ?? {})
  ) as Record<string, { status?: string; at?: string; model?: string; message?: string }>
  return (
    <>
      {INTEL_SECTIONS.map(([op, title, fields]) => {
        const present = fields.filter((f) => row[f] !== null && row[f] !== undefined && row[f] !== "")
        if (present.length === 0) return null
        return (
          <section class="card" key={op} data-testid={`intel-${op}`}>
            <h2>{title}</h2>
            <KeyValues row={Object.fromEntries(present.map((f) => [f, row[f]]))} />
          </section>
        )
      })}
      {row.dossier_path ? (
        <p class="card" data-testid="intel-dossier">
          Dossier:{" "}
          <a href={`/api/jobs/${encodeURIComponent(jobId)}/dossier`} target="_blank" rel="noreferrer">
            open
          </a>{" "}
          <span class="muted small">{String(row.dossier_path)}</span>
        </p>
      ) : null}
      {Object.keys(status).length > 0 && (
        <details class="card">
          <summary>Layer status</summary>
          <table class="grid compact">
            <tbody>
              {Object.entries(status).map(([k, v]) => (
                <tr key={k}>
                  <td>{k}</td>
                  <td>{v.status}</td>
                  <td>{v.at}</td>
                  <td>{v.model}</td>
                  <td class="small">{v.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </>
  )
}

export const JobDetailPage = ({ id, health, askConfirm }: { id: string; health: Health; askConfirm: AskConfirm }) => {
  const [d, setD] = useState<any>(null)
  const [err, setErr] = useState<string | null>(null)
  const [tier, setTier] = useState("fast")
  const [taskId, setTaskId] = useState<string | null>(null)
  const [taskTitle, setTaskTitle] = useState("")
  const load = () => get(`/api/jobs/${encodeURIComponent(id)}`).then(setD, (e) => setErr(e.message))
  const task = useTask(taskId)
  useEffect(() => {
    void load()
  }, [id])
  useEffect(() => {
    if (task && task.status !== "running") void load()
  }, [task?.status])

  const run = async (ops: string[]) => {
    setErr(null)
    try {
      const est = await post("/api/ops/estimate", { jobIds: [id], ops, tier })
      askConfirm({
        title: `Run ${ops.join(" + ")} on this job?`,
        body: (
          <div data-testid="estimate">
            <p>
              Tier <b>{tier}</b>: about {fmtInt(est.calls)} LLM call(s), {fmtInt(est.inputTokens + est.outputTokens)}{" "}
              tokens, <b data-testid="estimate-usd">{fmtUsd(est.usd)}</b>.
            </p>
            {est.skipped && (
              <p class="notice" data-testid="estimate-skipped">
                {est.skipped}. Set a key where jobsignal runs, then restart it, to run them.
              </p>
            )}
          </div>
        ),
        confirmLabel: "Run",
        onConfirm: () =>
          void post("/api/ops", { jobIds: [id], ops, tier, confirm: true }).then(
            (t) => {
              setTaskTitle(`${ops.join(" + ")} (${tier})`)
              setTaskId(t.id)
            },
            (e) => setErr(e.message)
          )
      })
    } catch (e) {
      setErr((e as Error).message)
    }
  }

  if (err && !d) return <p class="error">{err}</p>
  if (!d) return <p class="muted">Loading…</p>
  const j = d.job,
    s = d.scores
  return (
    <div class="detail">
      <p>
        <a href="#/jobs">← Jobs</a>
      </p>
      <h1 data-testid="job-title">{j.title}</h1>
      <p class="lead">
        {j.company} · {j.location ?? "location not stated"} · {j.remote ?? "unknown"} {salary(j) && `· ${salary(j)}`} ·
        first seen {String(j.first_seen).slice(0, 10)}
        {safeHref(j.url) && (
          <>
            {" "}
            ·{" "}
            <a href={safeHref(j.url)} target="_blank" rel="noreferrer">
              posting
            </a>
          </>
        )}
        {safeHref(j.apply_url) && (
          <>
            {" "}
            ·{" "}
            <a href={safeHref(j.apply_url)} target="_blank" rel="noreferrer">
              apply
            </a>
          </>
        )}
      </p>
      <div class="opsbar" data-testid="job-ops">
        <span>Run:</span>
        {health.ops.map((o) => (
          <button type="button" key={o} onClick={() => run([o])} data-testid={`run-op-${o}`}>
            {o}
          </button>
        ))}
        <button type="button" class="primary" onClick={() => run(health.ops)} data-testid="run-all-ops">
          All operations
        </button>
        <select value={tier} onChange={(e) => setTier((e.target as HTMLSelectElement).value)} data-testid="detail-tier">
          {health.tiers.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      {err && <p class="error">{err}</p>}
      <TaskPanel task={task} title={taskTitle} askConfirm={askConfirm} />

      <div class="cols">
        <section class="card" data-testid="fit-card">
          <h2>Fit</h2>
          {s ? (
            <>
              <p class="big">
                <span data-testid="fit-score">{s.fit_score ?? "—"}</span>{" "}
                {s.tier && <span class={`badge tier-${s.tier}`}>{s.tier}</span>}{" "}
                <span class="muted">{s.fit_category ?? ""}</span>
              </p>
              <p class="prewrap" data-testid="fit-rationale">
                {s.fit_rationale}
              </p>
              {s.fit_quote && <blockquote>“{s.fit_quote}”</blockquote>}
              <p class="muted small">
                relevant: {s.relevant === null ? "not judged" : s.relevant ? "yes" : "no"} — {s.relevance_reason} ·
                scored by {s.scored_by ?? "—"} {s.model ?? ""}
              </p>
            </>
          ) : (
            <p class="muted">Not scored yet.</p>
          )}
        </section>
        <section class="card">
          <h2>Sightings ({d.sightings.length})</h2>
          <table class="grid compact" data-testid="sightings">
            <thead>
              <tr>
                <th>Source</th>
                <th>Node</th>
                <th>First seen</th>
                <th>Last seen</th>
              </tr>
            </thead>
            <tbody>
              {d.sightings.map((x: any) => (
                <tr key={`${x.source}-${x.source_id}`}>
                  <td>
                    {safeHref(x.url) ? (
                      <a href={safeHref(x.url)} target="_blank" rel="noreferrer">
                        {x.source}
                      </a>
                    ) : (
                      x.source
                    )}
                  </td>
                  <td>{x.node}</td>
                  <td>{x.first_seen}</td>
                  <td>{x.last_seen}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>

      {(d.layers.job_intel ?? []).map((r: any) => (
        <Intel key="intel" row={r} jobId={id} />
      ))}
      {Object.entries(d.layers as Record<string, any[]>)
        .filter(([t]) => t !== "job_intel")
        .map(([t, rows]) => (
          <section class="card" key={t} data-testid={`layer-${t}`}>
            <h2>
              {layerTitle(t)} <span class="muted small">{t}</span>
            </h2>
            {rows.map((r, i) => (
              <KeyValues key={i} row={r} skip={["job_id"]} />
            ))}
          </section>
        ))}

      <section class="card">
        <h2>Company {d.company ? `· ${d.company.name}` : ""}</h2>
        {d.company && (
          <p class="muted small">
            {[
              d.company.domain,
              d.company.industry,
              d.company.ats && `ATS ${d.company.ats}`,
              d.company.yc_batch && `YC ${d.company.yc_batch}`,
              d.company.ticker
            ]
              .filter(Boolean)
              .join(" · ")}
          </p>
        )}
        {d.signals.length === 0 ? (
          <p class="muted">No signals for this company.</p>
        ) : (
          <table class="grid compact" data-testid="job-signals">
            <thead>
              <tr>
                <th>Date</th>
                <th>Type</th>
                <th>Signal</th>
                <th>Why now</th>
              </tr>
            </thead>
            <tbody>
              {d.signals.map((g: any, i: number) => (
                <tr key={i}>
                  <td>{g.signal_date}</td>
                  <td>{g.type}</td>
                  <td>
                    {safeHref(g.source_url) ? (
                      <a href={safeHref(g.source_url)} target="_blank" rel="noreferrer">
                        {g.title}
                      </a>
                    ) : (
                      g.title
                    )}
                  </td>
                  <td>{g.why_now}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section class="card">
        <h2>Posting</h2>
        <div class="prewrap posting" data-testid="posting">
          {j.description_text ?? "(no description)"}
        </div>
      </section>
    </div>
  )
}
