import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { httpUrl } from "../../model/url.ts"
import type { ReportData } from "./data.ts"

/** The charts the report draws, by element id; the test and the screenshot script check these. */
export const CHARTS = {
  "chart-jobs-per-source": "Jobs first seen per source per day",
  "chart-funnel": "Funnel: fetched → new → relevant → scored → A/B tier → written",
  "chart-llm-cost": "LLM cost per day vs budget",
  "chart-signals": "Signals per type",
  "chart-source-errors": "Source errors by node and type"
} as const

/** ECharts' minified build, inlined so the report opens offline (no CDN). */
const echartsSource = (() => {
  let cached: string | undefined
  return () => {
    if (cached === undefined) {
      const pkg = createRequire(import.meta.url).resolve("echarts/package.json")
      // A literal "</script" inside the library would end the inline <script> early.
      cached = readFileSync(join(dirname(pkg), "dist", "echarts.min.js"), "utf8").replace(/<\/script/gi, "<\\/script")
    }
    return cached
  }
})()

const esc = (s: unknown) =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!
  )
const jsonForScript = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029")
const usd = (n: number) => `$${n.toFixed(n < 10 ? 2 : 0)}`

/** `links` names, per column, the column holding its URL: the cell is a link only when that URL is http(s). */
const table = (rows: ReadonlyArray<Record<string, unknown>>, empty: string, links: Record<string, string> = {}) => {
  if (rows.length === 0) return `<p class="empty">${esc(empty)}</p>`
  const urlCols = new Set(Object.values(links))
  const cols = Object.keys(rows[0]).filter((c) => !urlCols.has(c))
  const cell = (r: Record<string, unknown>, c: string) => {
    const href = links[c] ? httpUrl(r[links[c]]) : undefined
    return href ? `<a href="${esc(href)}" rel="noreferrer">${esc(r[c])}</a>` : esc(r[c])
  }
  return `<table><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join("")}</tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr>${cols.map((c) => `<td${typeof r[c] === "number" ? ' class="n"' : ""}>${cell(r, c)}</td>`).join("")}</tr>`
    )
    .join("")}</tbody></table>`
}

// Runs in the browser: builds each chart's ECharts option from the embedded data.
const CLIENT = String.raw`
const data = JSON.parse(document.getElementById("report-data").textContent);
const uniq = (xs) => [...new Set(xs)].sort();
const base = { animation: false, tooltip: { trigger: "axis" }, grid: { left: 56, right: 24, top: 40, bottom: 40, containLabel: true }, legend: { top: 0, type: "scroll" } };
const draw = (id, hasData, option) => {
  const el = document.getElementById(id);
  if (!hasData) { el.classList.add("nodata"); el.textContent = "no data since " + data.since; return; }
  const c = echarts.init(el);
  c.setOption(Object.assign({}, base, option));
  window.addEventListener("resize", () => c.resize());
  el.dataset.rendered = "true";
};
{
  const rows = data.jobsPerSourceDay, days = uniq(rows.map((r) => r.day)), srcs = uniq(rows.map((r) => r.source));
  draw("chart-jobs-per-source", rows.length > 0, {
    xAxis: { type: "category", data: days }, yAxis: { type: "value", name: "jobs" },
    series: srcs.map((s) => ({ name: s, type: "bar", stack: "jobs", data: days.map((d) => (rows.find((r) => r.day === d && r.source === s) || { jobs: 0 }).jobs) }))
  });
}
{
  const f = data.funnel, steps = [["fetched", f.fetched], ["new", f.new], ["relevant", f.relevant], ["scored", f.scored], ["A/B tier", f.ab_tier], ["written", f.written]];
  draw("chart-funnel", f.fetched > 0, {
    legend: { show: false }, xAxis: { type: "value" }, yAxis: { type: "category", inverse: true, data: steps.map((s) => s[0]) },
    series: [{ type: "bar", data: steps.map((s) => s[1]), label: { show: true, position: "right" }, itemStyle: { color: "#5470c6" } }]
  });
}
{
  const rows = data.llmCostDay, days = uniq(rows.map((r) => r.day)), tiers = uniq(rows.map((r) => r.tier));
  const daily = days.map((d) => rows.filter((r) => r.day === d).reduce((a, r) => a + r.usd, 0));
  const rolling = days.map((d, i) => days.slice(0, i + 1).filter((x) => Date.parse(x) > Date.parse(d) - 7 * 864e5).reduce((a, x) => a + daily[days.indexOf(x)], 0));
  const week = data.budget.perWeekUsd;
  draw("chart-llm-cost", rows.length > 0, {
    xAxis: { type: "category", data: days },
    yAxis: [{ type: "value", name: "USD / day" }, { type: "value", name: "USD, 7 days", max: week ? Math.ceil(Math.max(week, ...rolling) * 12) / 10 : undefined }],
    series: [
      ...tiers.map((t) => ({ name: t, type: "bar", stack: "usd", data: days.map((d) => +((rows.find((r) => r.day === d && r.tier === t) || { usd: 0 }).usd).toFixed(4)) })),
      { name: "rolling 7 days", type: "line", yAxisIndex: 1, data: rolling.map((v) => +v.toFixed(4)),
        markLine: week ? { symbol: "none", lineStyle: { color: "#d14", type: "dashed" }, label: { position: "insideStartTop", formatter: "weekly budget $" + week }, data: [{ yAxis: week }] } : undefined }
    ]
  });
}
{
  const rows = data.signalsPerType;
  draw("chart-signals", rows.length > 0, {
    legend: { show: false }, xAxis: { type: "category", data: rows.map((r) => r.type) }, yAxis: { type: "value", name: "signals" },
    series: [{ type: "bar", data: rows.map((r) => r.signals), label: { show: true, position: "top" }, itemStyle: { color: "#91cc75" } }]
  });
}
{
  const rows = data.sourceErrors;
  draw("chart-source-errors", rows.length > 0, {
    xAxis: { type: "category", data: rows.map((r) => r.node) }, yAxis: { type: "value", name: "errors" },
    series: [["retriable", "#fac858"], ["skippable", "#73c0de"], ["fatal", "#ee6666"]].map(([k, color]) => ({ name: k, type: "bar", stack: "e", itemStyle: { color }, data: rows.map((r) => r[k]) }))
  });
}
document.body.dataset.ready = "true";
`

/** A self-contained HTML report: data embedded as JSON, ECharts inlined, no network needed to open it. */
export const renderReportHtml = (d: ReportData): string => {
  const t = d.totals
  const budget = d.budget.perWeekUsd !== undefined ? ` of ${usd(d.budget.perWeekUsd)}/week` : ""
  const cards: Array<[string, string]> = [
    ["canonical jobs", String(t.jobs)],
    [`new since ${d.since}`, String(t.newJobs)],
    ["sources", String(t.sources)],
    ["runs (failed)", `${t.runs} (${t.failedRuns})`],
    ["signals", String(t.signals)],
    ["LLM spend", `${usd(t.llmUsd)}${budget}`]
  ]
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>jobsignal report since ${esc(d.since)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;padding:20px 28px;color:#222;background:#f6f7f9}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:0 0 8px}.sub{color:#666;margin-bottom:16px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:16px}.card{background:#fff;border:1px solid #e3e5e8;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:20px}.card span{color:#666;font-size:12px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:14px}
.panel{background:#fff;border:1px solid #e3e5e8;border-radius:6px;padding:12px}.chart{height:300px}
.nodata{display:flex;align-items:center;justify-content:center;color:#999}
table{border-collapse:collapse;width:100%;font-size:12px}th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.empty{color:#999}
</style></head>
<body>
<h1>jobsignal report</h1>
<div class="sub">since ${esc(d.since)} · generated ${esc(d.generatedAt.slice(0, 16).replace("T", " "))} UTC</div>
<div class="cards">${cards.map(([k, v]) => `<div class="card"><b>${esc(v)}</b><span>${esc(k)}</span></div>`).join("")}</div>
<div class="grid">
${Object.entries(CHARTS)
  .map(
    ([id, title]) =>
      `<div class="panel"><h2>${esc(title)}</h2><div class="chart" id="${id}" data-chart="${id}"></div></div>`
  )
  .join("\n")}
<div class="panel"><h2>Top leads (signals + A/B jobs)</h2>${table(d.leads, "no leads yet", { best_job_title: "best_job_url" })}</div>
<div class="panel"><h2>Runs</h2>${table(d.funnelRuns.slice(-12), "no runs in this period")}</div>
<div class="panel"><h2>Data quality</h2>${table(d.dq, "no data-quality results in this period")}</div>
</div>
<script type="application/json" id="report-data">${jsonForScript(d)}</script>
<script>${echartsSource()}</script>
<script>${CLIENT}</script>
</body></html>
`
}
