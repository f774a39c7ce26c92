import { formatTable } from "../console.ts"
import type { ReportData } from "./data.ts"

/** The terminal half of `jobsignal report`: the same figures as the HTML, as text. */
export const renderSummary = (d: ReportData): string => {
  const t = d.totals
  const f = d.funnel
  const out: string[] = []
  out.push(`jobsignal report since ${d.since}`)
  out.push(
    `  ${t.jobs} canonical jobs (${t.newJobs} new) from ${t.sources} sources; ${t.runs} runs (${t.failedRuns} not successful); ${t.signals} signals`
  )
  const week = d.budget.perWeekUsd
  const last7 = d.llmCostDay
    .filter((r) => Date.parse(r.day) > Date.now() - 7 * 86_400_000)
    .reduce((a, r) => a + r.usd, 0)
  out.push(
    `  LLM: ${t.llmCalls} calls, $${t.llmUsd.toFixed(2)} in the period; last 7 days $${last7.toFixed(2)}${week !== undefined ? ` of $${week} weekly budget (${Math.round((100 * last7) / week)}%)` : ""}`
  )
  out.push(
    `  funnel: ${f.fetched} fetched → ${f.new} new → ${f.relevant} relevant → ${f.scored} scored → ${f.ab_tier} A/B → ${f.written} written`
  )
  const perSource = new Map<string, number>()
  for (const r of d.jobsPerSourceDay) perSource.set(r.source, (perSource.get(r.source) ?? 0) + r.jobs)
  if (perSource.size > 0)
    out.push(
      "",
      "jobs first seen per source:",
      formatTable([...perSource].sort((a, b) => b[1] - a[1]).map(([source, jobs]) => ({ source, jobs })))
    )
  if (d.signalsPerType.length > 0) out.push("", "signals per type:", formatTable(d.signalsPerType))
  const noisy = d.sourceErrors.filter((s) => s.retriable + s.skippable + s.fatal + s.failed_runs > 0)
  if (noisy.length > 0) out.push("", "source errors:", formatTable(noisy))
  const dqBad = d.dq.filter((r) => r.passed < r.checked)
  if (dqBad.length > 0) out.push("", "data-quality rules with failures:", formatTable(dqBad))
  if (d.leads.length > 0)
    out.push("", "top leads:", formatTable(d.leads.slice(0, 8).map(({ best_job_url: _, ...l }) => l)))
  return out.join("\n")
}
