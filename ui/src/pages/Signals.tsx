import { useEffect, useState } from "preact/hooks"
import { get, safeHref } from "../api"
import { Chart } from "../components/Chart"

export const SignalsPage = () => {
  const [d, setD] = useState<any>(null)
  useEffect(() => {
    get("/api/signals").then(setD)
  }, [])
  if (!d) return <p class="muted">Loading…</p>
  return (
    <div>
      <h1>Signals &amp; leads</h1>
      <section class="card">
        <h2>
          Leads queue <span class="muted small">companies with a fresh signal and open relevant roles</span>
        </h2>
        {d.leads.length === 0 ? (
          <p class="muted" data-testid="leads-empty">
            No leads: no company has both a fresh signal and an open relevant job.
          </p>
        ) : (
          <table class="grid" data-testid="leads-table">
            <thead>
              <tr>
                <th>Score</th>
                <th>Company</th>
                <th>Signal</th>
                <th>Date</th>
                <th>Why now</th>
                <th>Open roles</th>
              </tr>
            </thead>
            <tbody>
              {d.leads.map((l: any) => (
                <tr key={l.company_key}>
                  <td class="num">{l.score}</td>
                  <td>{l.company}</td>
                  <td>{l.signal_type}</td>
                  <td>{String(l.signal_date ?? "").slice(0, 10)}</td>
                  <td>
                    {safeHref(l.source_url) ? (
                      <a href={safeHref(l.source_url)} target="_blank" rel="noreferrer">
                        {l.why_now}
                      </a>
                    ) : (
                      l.why_now
                    )}
                  </td>
                  <td title={l.sample_titles}>{l.open_jobs}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <div class="cols">
        <section class="card">
          <h2>Signals by type</h2>
          <Chart
            testId="signals-by-type"
            option={{
              tooltip: {},
              grid: { left: 140, right: 20, top: 10, bottom: 30 },
              xAxis: { type: "value" },
              yAxis: { type: "category", data: d.byType.map((t: any) => t.type).reverse() },
              series: [
                { type: "bar", data: d.byType.map((t: any) => t.signals).reverse(), itemStyle: { color: "#3b6ea8" } }
              ]
            }}
          />
        </section>
        <section class="card">
          <h2>By company</h2>
          <table class="grid compact" data-testid="signals-by-company">
            <thead>
              <tr>
                <th>Company</th>
                <th>Signals</th>
                <th>Types</th>
                <th>Latest</th>
              </tr>
            </thead>
            <tbody>
              {d.byCompany.map((c: any) => (
                <tr key={c.company_key}>
                  <td>{c.company}</td>
                  <td class="num">{c.signals}</td>
                  <td>{(c.types ?? []).join(", ")}</td>
                  <td>{c.latest}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      <section class="card">
        <h2>Recent signals</h2>
        <table class="grid compact" data-testid="recent-signals">
          <thead>
            <tr>
              <th>Date</th>
              <th>Company</th>
              <th>Type</th>
              <th>Signal</th>
              <th>Why now</th>
            </tr>
          </thead>
          <tbody>
            {d.recent.map((g: any, i: number) => (
              <tr key={i}>
                <td>{g.signal_date}</td>
                <td>{g.company}</td>
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
      </section>
    </div>
  )
}
