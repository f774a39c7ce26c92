import { useEffect, useState } from "preact/hooks"
import { get, post } from "../api"
import type { AskConfirm } from "../main"

interface Item {
  job_key: string
  company: string
  title: string
  fit: number
  opened_at?: string
  first_seen: string
  boards: number
  whyNow: string[]
  context?: string[]
  score: number
  isNew: boolean
  status: string | null
}

const ACTIONS = [
  ["interested", "Interested"],
  ["applied", "Applied"],
  ["snooze", "Snooze 7 days"],
  ["dismiss", "Dismiss"]
] as const

const plusDays = (day: string, n: number) => new Date(Date.parse(day) + n * 86_400_000).toISOString().slice(0, 10)

/**
 * The first page: today's queue (the same ranking as `jobsignal today`), each job with its why-now and the
 * actions a person takes on it. Every action asks first; a dismissed or applied job leaves the queue.
 */
export const TodayPage = ({ askConfirm }: { askConfirm: AskConfirm }) => {
  const [asOf, setAsOf] = useState(() => new Date().toISOString().slice(0, 10))
  const [d, setD] = useState<{ asOf: string; items: Item[] } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const load = (day: string) =>
    get<{ asOf: string; items: Item[] }>(`/api/today?asOf=${encodeURIComponent(day)}&limit=50`).then(
      (r) => {
        setD(r)
        setError(null)
      },
      (e) => setError(String(e.message))
    )
  useEffect(() => {
    void load(asOf)
  }, [asOf])
  // An empty queue says why: nothing fetched yet, or nothing relevant as of that day.
  const [jobs, setJobs] = useState<number | null>(null)
  useEffect(() => {
    if (d?.items.length === 0)
      get<{ total: number }>("/api/jobs?limit=1").then(
        (r) => setJobs(r.total),
        () => setJobs(null)
      )
  }, [d])
  const act = (i: Item, status: string) =>
    askConfirm({
      title: `Mark ${i.title} at ${i.company} ${status}?`,
      body: (
        <p>
          Kept in the warehouse (queue_status) and the job's level-2 status field
          {status === "snooze" ? `; it comes back on ${plusDays(asOf, 7)}` : ""}
          {status === "dismiss" || status === "applied" ? "; it leaves the queue unless the posting changes" : ""}.
        </p>
      ),
      confirmLabel: ACTIONS.find(([k]) => k === status)?.[1] ?? status,
      onConfirm: () =>
        void post(`/api/queue/${encodeURIComponent(i.job_key)}/status`, {
          status,
          ...(status === "snooze" ? { until: plusDays(asOf, 7) } : {}),
          confirm: true
        }).then(
          () => load(asOf),
          (e) => setError(String(e.message))
        )
    })
  return (
    <div>
      <h1>
        Today <span class="muted small">relevant jobs ranked by fit, freshness, company signals and boards</span>
      </h1>
      <p>
        <label>
          As of{" "}
          <input
            type="date"
            data-testid="today-as-of"
            value={asOf}
            onChange={(e) => setAsOf((e.target as HTMLInputElement).value)}
          />
        </label>
      </p>
      {error && <p class="error">{error}</p>}
      {!d ? (
        <p class="muted">Loading…</p>
      ) : d.items.length === 0 ? (
        <p class="muted" data-testid="today-empty">
          Nothing in the queue as of {d.asOf}
          {jobs === 0
            ? ": the warehouse has no jobs yet. Start a run on the Runs page (or jobsignal run), and the relevant ones show here."
            : jobs
              ? `: none of the ${jobs.toLocaleString("en-US")} jobs is relevant to your profile, open that day and not dismissed, applied or snoozed. Pick another day, or see every job on the Jobs page.`
              : "."}
        </p>
      ) : (
        <table class="grid" data-testid="today-table">
          <thead>
            <tr>
              <th>Score</th>
              <th>Company</th>
              <th>Title</th>
              <th>Opened</th>
              <th>Boards</th>
              <th>Why now</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {d.items.map((i) => (
              <tr key={i.job_key} data-testid="today-row" data-job={i.job_key}>
                <td class="num">{i.score.toFixed(2)}</td>
                <td>{i.company}</td>
                <td>
                  <a href={`#/jobs/${encodeURIComponent(i.job_key)}`}>{i.title}</a>
                  {i.isNew && <span class="muted small"> new</span>}
                </td>
                <td>{i.opened_at ?? i.first_seen}</td>
                <td class="num">{i.boards}</td>
                <td>{[...i.whyNow.slice(0, 2), ...(i.context ?? [])].join(" · ")}</td>
                <td data-testid="today-status">{i.status ?? ""}</td>
                <td>
                  {ACTIONS.map(([k, label]) => (
                    <button
                      key={k}
                      type="button"
                      class="secondary"
                      data-testid={`today-${k}`}
                      onClick={() => act(i, k)}
                    >
                      {label}
                    </button>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
