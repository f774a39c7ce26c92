import { useEffect, useState } from "preact/hooks"
import { get, post, fmtInt, fmtUsd, salary } from "../api"
import { TaskPanel, useTask } from "../components/TaskPanel"
import type { AskConfirm, Health } from "../main"

interface Job {
  id: string
  title: string
  company: string
  source: string
  location: string | null
  remote: string | null
  posted: string
  salary_min: number | null
  salary_max: number | null
  salary_currency: string | null
  sightings: number
  fit_score: number | null
  tier: string | null
  relevant: boolean | null
  relevance_reason: string | null
}
interface Facets {
  sources: Array<{ source: string; jobs: number }>
  remote: Array<{ remote: string; jobs: number }>
  tiers: Array<{ tier: string; jobs: number }>
}

const COLUMNS: Array<[string, string]> = [
  ["fit", "Fit"],
  ["tier", "Tier"],
  ["relevance", "Relevant"],
  ["title", "Title"],
  ["company", "Company"],
  ["source", "Source"],
  ["posted", "Posted"],
  ["remote", "Remote"],
  ["salary", "Salary"]
]

export const JobsPage = ({ health, askConfirm }: { health: Health; askConfirm: AskConfirm }) => {
  const [filters, setFilters] = useState({
    q: "",
    source: "",
    remote: "",
    tier: "",
    relevant: "",
    sort: "fit",
    dir: "desc"
  })
  const [data, setData] = useState<{ total: number; rows: Job[] } | null>(null)
  const [facets, setFacets] = useState<Facets | null>(null)
  const [selected, setSelected] = useState<Set<string>>(new Set())
  const [ops, setOps] = useState<string[]>(health.ops.slice(0, 2))
  const [tier, setTier] = useState("fast")
  const [taskId, setTaskId] = useState<string | null>(null)
  const [err, setErr] = useState<string | null>(null)
  // The query the table shows, so a reader (or a test) can tell a reload has landed.
  const [loaded, setLoaded] = useState("")
  const task = useTask(taskId)

  const load = () => {
    const qs = new URLSearchParams(Object.entries(filters).filter(([, v]) => v))
    return get(`/api/jobs?${qs}`).then(
      (d) => {
        setData(d)
        setLoaded(qs.toString())
      },
      (e) => setErr(e.message)
    )
  }
  useEffect(() => {
    get<Facets>("/api/facets").then(setFacets)
  }, [])
  useEffect(() => {
    const t = setTimeout(load, 200)
    return () => clearTimeout(t)
  }, [filters])
  useEffect(() => {
    if (task && task.status !== "running") void load()
  }, [task?.status])

  const set = (k: keyof typeof filters) => (e: Event) =>
    setFilters({ ...filters, [k]: (e.target as HTMLInputElement).value })
  const sortBy = (k: string) =>
    setFilters({ ...filters, sort: k, dir: filters.sort === k && filters.dir === "desc" ? "asc" : "desc" })
  const toggle = (id: string) => {
    const s = new Set(selected)
    s.has(id) ? s.delete(id) : s.add(id)
    setSelected(s)
  }
  const allShown = data?.rows.length ? data.rows.every((r) => selected.has(r.id)) : false

  const runSelected = async () => {
    setErr(null)
    const jobIds = [...selected]
    try {
      const est = await post("/api/ops/estimate", { jobIds, ops, tier })
      askConfirm({
        title: `Run ${ops.join(" + ")} on ${jobIds.length} job(s)?`,
        body: (
          <div data-testid="estimate">
            <p>
              Tier <b>{tier}</b>. Estimated: <b>{fmtInt(est.calls)}</b> LLM call(s), {fmtInt(est.inputTokens)} input +{" "}
              {fmtInt(est.outputTokens)} output tokens, about <b data-testid="estimate-usd">{fmtUsd(est.usd)}</b>.
            </p>
            <p class="muted">Charged against the weekly LLM budget in dag.yaml.</p>
          </div>
        ),
        confirmLabel: "Run",
        onConfirm: () =>
          void post("/api/ops", { jobIds, ops, tier, confirm: true }).then(
            (t) => setTaskId(t.id),
            (e) => setErr(e.message)
          )
      })
    } catch (e) {
      setErr((e as Error).message)
    }
  }

  return (
    <div>
      <h1>
        Jobs{" "}
        <span class="muted small" data-testid="jobs-total">
          {data ? `${fmtInt(data.total)} match` : ""}
        </span>
      </h1>
      <div class="filters">
        <input
          type="search"
          placeholder="Search title, company, location"
          value={filters.q}
          onInput={set("q")}
          data-testid="filter-q"
        />
        <select value={filters.source} onChange={set("source")} data-testid="filter-source">
          <option value="">All sources</option>
          {facets?.sources.map((s) => (
            <option key={s.source} value={s.source}>
              {s.source} ({s.jobs})
            </option>
          ))}
        </select>
        <select value={filters.remote} onChange={set("remote")} data-testid="filter-remote">
          <option value="">Any workplace</option>
          {facets?.remote.map((s) => (
            <option key={s.remote} value={s.remote}>
              {s.remote} ({s.jobs})
            </option>
          ))}
        </select>
        <select value={filters.tier} onChange={set("tier")} data-testid="filter-tier">
          <option value="">Any tier</option>
          {facets?.tiers.map((s) => (
            <option key={s.tier} value={s.tier}>
              {s.tier} ({s.jobs})
            </option>
          ))}
        </select>
        <select value={filters.relevant} onChange={set("relevant")} data-testid="filter-relevant">
          <option value="">Relevant or not</option>
          <option value="yes">Relevant</option>
          <option value="no">Not relevant</option>
          <option value="unscored">Not judged</option>
        </select>
      </div>
      <div class="opsbar">
        <span>
          <b data-testid="selected-count">{selected.size}</b> selected
        </span>
        {health.ops.map((o) => (
          <label key={o} class="check">
            <input
              type="checkbox"
              checked={ops.includes(o)}
              onChange={() => setOps(ops.includes(o) ? ops.filter((x) => x !== o) : [...ops, o])}
            />
            {o}
          </label>
        ))}
        <select value={tier} onChange={(e) => setTier((e.target as HTMLSelectElement).value)} data-testid="ops-tier">
          {health.tiers.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <button
          type="button"
          class="primary"
          disabled={selected.size === 0 || ops.length === 0}
          onClick={runSelected}
          data-testid="run-selected"
        >
          Estimate &amp; run…
        </button>
      </div>
      {err && <p class="error">{err}</p>}
      <TaskPanel task={task} title="Batch operation" askConfirm={askConfirm} />
      <table class="grid" data-testid="jobs-table" data-query={loaded}>
        <thead>
          <tr>
            <th>
              <input
                type="checkbox"
                checked={allShown}
                onChange={() => setSelected(allShown ? new Set() : new Set(data?.rows.map((r) => r.id)))}
                aria-label="select all shown"
              />
            </th>
            {COLUMNS.map(([k, label]) => (
              <th key={k} class="sortable" onClick={() => sortBy(k)} data-testid={`sort-${k}`}>
                {label}
                {filters.sort === k ? (filters.dir === "desc" ? " ▼" : " ▲") : ""}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data?.rows.map((j) => (
            <tr key={j.id} data-testid="job-row" data-job-id={j.id}>
              <td>
                <input
                  type="checkbox"
                  checked={selected.has(j.id)}
                  onChange={() => toggle(j.id)}
                  data-testid="job-select"
                />
              </td>
              <td class="num">{j.fit_score ?? "—"}</td>
              <td>{j.tier ? <span class={`badge tier-${j.tier}`}>{j.tier}</span> : "—"}</td>
              <td title={j.relevance_reason ?? ""}>{j.relevant === null ? "—" : j.relevant ? "yes" : "no"}</td>
              <td>
                <a href={`#/jobs/${encodeURIComponent(j.id)}`} data-testid="job-link">
                  {j.title}
                </a>
              </td>
              <td>{j.company}</td>
              <td data-testid="job-source">
                {j.source}
                {j.sightings > 1 ? <span class="muted"> +{j.sightings - 1}</span> : null}
              </td>
              <td>{j.posted}</td>
              <td data-testid="job-remote">{j.remote ?? ""}</td>
              <td>{salary(j)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
