import { render } from "preact"
import { useEffect, useState } from "preact/hooks"
import { get } from "./api"
import { Confirm, type ConfirmRequest } from "./components/Confirm"
import { JobsPage } from "./pages/Jobs"
import { JobDetailPage } from "./pages/JobDetail"
import { RunsPage } from "./pages/Runs"
import { SignalsPage } from "./pages/Signals"
import { CostPage } from "./pages/Cost"
import { TodayPage } from "./pages/Today"
import { SchedulesPage } from "./pages/Schedules"
import { SourcesPage } from "./pages/Sources"
import { QualityPage } from "./pages/Quality"
import "./style.css"

export interface Health {
  ok: boolean
  warehouse: string
  dag: string
  opsRunner: string
  ops: string[]
  tiers: string[]
}
export type AskConfirm = (r: ConfirmRequest) => void

const useRoute = () => {
  const [hash, setHash] = useState(location.hash || "#/today")
  useEffect(() => {
    const on = () => setHash(location.hash || "#/today")
    addEventListener("hashchange", on)
    return () => removeEventListener("hashchange", on)
  }, [])
  // "#/jobs?tier=A&page=3": the part after "?" is the page's own state (filters, sort, page), shareable as a link.
  const [path, query = ""] = hash.slice(2).split("?")
  const [page, arg] = path.split("/").map(decodeURIComponent)
  // "#/" (a link to the root) or a page that is not one opens Today, never a blank page.
  return { page: NAV.some(([k]) => k === page) ? page : "today", arg, query }
}

const NAV = [
  ["today", "Today"],
  ["jobs", "Jobs"],
  ["runs", "Runs"],
  ["schedules", "Schedules"],
  ["sources", "Source health"],
  ["quality", "Data quality"],
  ["signals", "Signals & leads"],
  ["cost", "Cost"]
] as const

const App = () => {
  const { page, arg, query } = useRoute()
  const [health, setHealth] = useState<Health | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null)
  // A question asked on one page is not left open over the next one.
  useEffect(() => setConfirm(null), [page, arg])
  useEffect(() => {
    get<Health>("/api/health").then(setHealth, (e) => setError(String(e.message)))
  }, [])
  return (
    <>
      <nav class="top">
        <span class="brand">jobsignal</span>
        {NAV.map(([k, label]) => (
          <a key={k} href={`#/${k}`} class={page === k ? "active" : ""} data-testid={`nav-${k}`}>
            {label}
          </a>
        ))}
        <span class="spacer" />
        {health && (
          <span class="muted small">
            {health.warehouse} · ops: {health.opsRunner}
          </span>
        )}
      </nav>
      <main>
        {error && <p class="error">{error}</p>}
        {health && page === "today" && <TodayPage askConfirm={setConfirm} />}
        {health && page === "jobs" && !arg && <JobsPage health={health} askConfirm={setConfirm} query={query} />}
        {health && page === "jobs" && arg && <JobDetailPage id={arg} health={health} askConfirm={setConfirm} />}
        {health && page === "runs" && <RunsPage askConfirm={setConfirm} />}
        {health && page === "schedules" && <SchedulesPage askConfirm={setConfirm} />}
        {health && page === "sources" && <SourcesPage />}
        {health && page === "quality" && <QualityPage askConfirm={setConfirm} />}
        {health && page === "signals" && <SignalsPage />}
        {health && page === "cost" && <CostPage />}
      </main>
      <Confirm req={confirm} onClose={() => setConfirm(null)} />
    </>
  )
}

render(<App />, document.getElementById("app")!)
