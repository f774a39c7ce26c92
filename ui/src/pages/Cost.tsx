import { useEffect, useState } from "preact/hooks"
import { get, fmtInt, fmtUsd } from "../api"
import { Chart } from "../components/Chart"

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)}%`)

export const CostPage = () => {
  const [d, setD] = useState<any>(null)
  useEffect(() => {
    get("/api/cost").then(setD)
  }, [])
  if (!d) return <p class="muted">Loading…</p>
  const t = d.totals,
    week = Number(t.week_usd),
    budget = d.budget.perWeekUsd as number | null
  // A rolling 7-day sum per day, so each day can be read against the weekly budget.
  const days: string[] = d.daily.map((r: any) => r.day)
  const usd: number[] = d.daily.map((r: any) => Number(r.usd))
  const rolling = usd.map((_, i) =>
    Number(
      usd
        .slice(Math.max(0, i - 6), i + 1)
        .reduce((a, b) => a + b, 0)
        .toFixed(6)
    )
  )
  return (
    <div>
      <h1>LLM cost</h1>
      {Number(t.calls) === 0 && (
        <p class="empty" data-testid="cost-empty">
          No LLM calls yet
          {d.scoredBy.length > 0
            ? `: ${["relevance", "fit"]
                .map((step) => {
                  const by = d.scoredBy.filter((s: any) => s.step === step)
                  return by.length
                    ? `${step} was ${by.map((s: any) => `${s.scored_by} (${fmtInt(s.jobs)} jobs)`).join(", ")}`
                    : ""
                })
                .filter(Boolean)
                .join("; ")}`
            : ": no job has been scored"}
          . Set a provider key (ANTHROPIC_API_KEY or OPENAI_API_KEY; tiers in dag.yaml <code>llm</code>) and run again
          to have the model judge relevance and fit; spend then shows here against the budget.
        </p>
      )}
      <div class="kpis" data-testid="cost-kpis">
        <div class="kpi">
          <span>Last 7 days</span>
          <b data-testid="week-usd">{fmtUsd(week)}</b>
          <small>of {budget === null ? "no weekly budget" : fmtUsd(budget)}</small>
          {budget !== null && (
            <div class="meter">
              <div style={{ width: `${Math.min(100, (week / budget) * 100)}%` }} class={week > budget ? "over" : ""} />
            </div>
          )}
        </div>
        <div class="kpi">
          <span>All time</span>
          <b>{fmtUsd(Number(t.usd))}</b>
          <small>
            {fmtInt(t.calls)} calls, {fmtInt(t.failed_calls)} not ok
          </small>
        </div>
        <div class="kpi">
          <span>Tokens</span>
          <b>{fmtInt(Number(t.input_tokens) + Number(t.output_tokens))}</b>
          <small>
            {fmtInt(t.input_tokens)} in · {fmtInt(t.output_tokens)} out
          </small>
        </div>
        <div class="kpi">
          <span>Result cache</span>
          <b data-testid="cache-rate">{pct(d.cache.resultCacheRate)}</b>
          <small>{fmtInt(d.cache.resultHits)} items answered from cache</small>
        </div>
        <div class="kpi">
          <span>Prompt cache</span>
          <b>{pct(d.cache.promptCacheRate)}</b>
          <small>{fmtInt(t.cached_input_tokens)} cached input tokens</small>
        </div>
      </div>
      <section class="card">
        <h2>
          Spend per day{" "}
          <span class="muted small">bars: the day; line: the 7 days to it, against the weekly budget</span>
        </h2>
        <Chart
          testId="cost-daily"
          option={{
            tooltip: { trigger: "axis" },
            legend: { top: 0, data: ["day", "7-day total"] },
            grid: { left: 60, right: 20, top: 36, bottom: 30 },
            xAxis: { type: "category", data: days },
            yAxis: { type: "value", axisLabel: { formatter: "${value}" } },
            series: [
              { name: "day", type: "bar", data: usd, barMaxWidth: 36, itemStyle: { color: "#3b6ea8" } },
              {
                name: "7-day total",
                type: "line",
                data: rolling,
                markLine:
                  budget === null
                    ? undefined
                    : {
                        symbol: "none",
                        data: [{ yAxis: budget, name: "weekly budget" }],
                        label: { formatter: `weekly budget ${fmtUsd(budget)}` },
                        lineStyle: { color: "#c0392b" }
                      }
              }
            ]
          }}
        />
      </section>
      <div class="cols">
        {(
          [
            ["byNode", "node"],
            ["byModel", "model"]
          ] as const
        ).map(([k, col]) => (
          <section class="card" key={k}>
            <h2>By {col}</h2>
            <table class="grid compact" data-testid={`cost-${k}`}>
              <thead>
                <tr>
                  <th>{col}</th>
                  <th>Calls</th>
                  <th>USD</th>
                </tr>
              </thead>
              <tbody>
                {d[k].map((r: any) => (
                  <tr key={r[col]}>
                    <td>{r[col]}</td>
                    <td class="num">{fmtInt(r.calls)}</td>
                    <td class="num">{fmtUsd(Number(r.usd))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </div>
    </div>
  )
}
