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

const PAGE_SIZE = 50
const DEFAULTS = {
  q: "",
  company: "",
  source: "",
  remote: "",
  tier: "",
  relevant: "",
  minSalary: "",
  postedSince: "",
  sort: "fit",
  dir: "desc",
  page: "1"
}
type Filters = typeof DEFAULTS

/** The page's state from its URL ("#/jobs?tier=A&page=3"): what a shared link opens on. */
const fromQuery = (query: string): Filters => {
  const q = new URLSearchParams(query)
  return Object.fromEntries(Object.entries(DEFAULTS).map(([k, v]) => [k, q.get(k) ?? v])) as Filters
}
/** Only what differs from the defaults goes into the link. */
const toQuery = (f: Filters) =>
  new URLSearchParams(Object.entries(f).filter(([k, v]) => v && v !== DEFAULTS[k as keyof Filters])).toString()

export const JobsPage = ({ health, askConfirm, query }: { health: Health; askConfirm: AskConfirm; query: string }) => {
  const [filters, setFilters] = useState<Filters>(() => fromQuery(query))
  // Back/forward or an edited link: the URL wins.
  useEffect(() => {
    if (query !== toQuery(filters)) setFilters(fromQuery(query))
  }, [query])
  useEffect(() => {
    const qs = toQuery(filters)
    if (qs !== query) history.replaceState(null, "", `#/jobs${qs ? `?${qs}` : ""}`)
  }, [filters])
  const page = Math.max(1, Number(filters.page) || 1)
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
    const { page: _, ...rest } = filters
    const qs = new URLSearchParams(Object.entries(rest).filter(([, v]) => v))
    const shown = qs.toString() + (page > 1 ? `&page=${page}` : "")
    qs.set("limit", String(PAGE_SIZE))
    qs.set("offset", String((page - 1) * PAGE_SIZE))
    return get(`/api/jobs?${qs}`).then(
      (d) => {
        setData(d)
        setLoaded(shown)
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

  // A new filter or sort starts again at page 1.
  const set = (k: keyof Filters) => (e: Event) =>
    setFilters({ ...filters, [k]: (e.target as HTMLInputElement).value, page: "1" })
  const sortBy = (k: string) =>
    setFilters({
      ...filters,
      sort: k,
      dir: filters.sort === k && filters.dir === "desc" ? "asc" : "desc",
      page: "1"
    })
  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1
  const goTo = (n: number) => setFilters({ ...filters, page: String(Math.min(Math.max(1, n), pages)) })
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
            {est.skipped && (
              <p class="notice" data-testid="estimate-skipped">
                {est.skipped}. Set a key where jobsignal runs, then restart it, to run them.
              </p>
            )}
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
        <input
          type="search"
          placeholder="Company"
          value={filters.company}
          onInput={set("company")}
          data-testid="filter-company"
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
        <input
          type="number"
          min="0"
          step="10000"
          placeholder="Salary at least"
          value={filters.minSalary}
          onInput={set("minSalary")}
          data-testid="filter-salary"
          title="Top of the range (or the only figure) at least this, in the posting's currency"
        />
        <label class="small muted">
          posted since{" "}
          <input type="date" value={filters.postedSince} onInput={set("postedSince")} data-testid="filter-posted" />
        </label>
        {toQuery({ ...filters, page: "1" }) !== "" && (
          <button type="button" onClick={() => setFilters(DEFAULTS)} data-testid="filter-clear">
            Clear
          </button>
        )}
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
      {data && data.total === 0 && (
        <p class="empty" data-testid="jobs-empty">
          {toQuery({ ...filters, page: "1", sort: "fit", dir: "desc" }) !== ""
            ? "No job matches these filters: clear one of them."
            : "No jobs in the warehouse yet: start a run on the Runs page (or `jobsignal run`; `npm run demo` loads the recorded ones)."}
        </p>
      )}
      {data && data.total > 0 && (
        <div class="pager" data-testid="pager">
          <button type="button" disabled={page <= 1} onClick={() => goTo(1)} data-testid="page-first">
            « First
          </button>
          <button type="button" disabled={page <= 1} onClick={() => goTo(page - 1)} data-testid="page-prev">
            ‹ Prev
          </button>
          <span data-testid="page-info">
            Page{" "}
            <input
              type="number"
              min="1"
              max={pages}
              value={page}
              onChange={(e) => goTo(Number((e.target as HTMLInputElement).value))}
              data-testid="page-input"
              aria-label="page"
            />{" "}
            of {fmtInt(pages)} · rows {fmtInt((page - 1) * PAGE_SIZE + 1)}–
            {fmtInt(Math.min(page * PAGE_SIZE, data.total))} of {fmtInt(data.total)}
          </span>
          <button type="button" disabled={page >= pages} onClick={() => goTo(page + 1)} data-testid="page-next">
            Next ›
          </button>
          <button type="button" disabled={page >= pages} onClick={() => goTo(pages)} data-testid="page-last">
            Last »
          </button>
        </div>
      )}
    </div>
  )
}
