import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { existsSync, readFileSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { sources } from "../app/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { readReport, type ReportData } from "../pipelines/report/data.ts"
import { CHARTS, renderReportHtml } from "../pipelines/report/html.ts"
import { renderSummary } from "../pipelines/report/summary.ts"
import { seedSyntheticAnalytics } from "../scripts/synthetic-analytics.ts"
import { cli } from "./support/cli.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"

let replay: ReplayServer
const dir = tempDir()
const db = join(dir, "report.duckdb")
let data: ReportData
let html = ""

beforeAll(async () => {
  replay = await startReplayServer(sources)
  const dag = dagFrom(
    `
version: 1
nodes:
  greenhouse:
    source: greenhouse
    with: { boards: [gitlab, stripe, gongio, nosuchboard], base_url: "${replay.baseUrlFor("greenhouse")}" }
  dedupe:
    transform: dedupe
    needs: [greenhouse]
`,
    dir
  )
  const { summary } = await withDb(db, run({ dag }))
  await withDb(db, seedSyntheticAnalytics(summary.runId))
  data = await withDb(db, readReport("2026-01-01", { perWeekUsd: 20 }))
  html = renderReportHtml(data)
})
afterAll(() => replay?.close())

const embedded = (h: string) =>
  JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(h)![1]) as ReportData

describe("report data", () => {
  it("reads every chart's series from the views", async () => {
    expect(data.totals.jobs).toBeGreaterThan(0)
    expect(data.jobsPerSourceDay.map((r) => r.source)).toContain("greenhouse")
    expect(data.jobsPerSourceDay.reduce((a, r) => a + r.jobs, 0)).toBe(data.totals.jobs)
    expect(data.funnel.fetched).toBeGreaterThan(0)
    expect(data.funnel.new).toBe(data.totals.jobs)
    expect(data.llmCostDay.length).toBe(10)
    expect(data.llmCostDay.reduce((a, r) => a + r.usd, 0)).toBeCloseTo(0.9, 6)
    expect(data.signalsPerType.map((r) => r.type)).toContain("funding")
    expect(data.sourceErrors).toEqual([expect.objectContaining({ node: "greenhouse", skippable: expect.any(Number) })])
    expect(data.sourceErrors[0].skippable).toBeGreaterThanOrEqual(1)
    expect(data.dq.map((r) => r.rule)).toEqual(["required_fields", "url_valid"])
  })

  it("--since leaves out what came before", async () => {
    const later = await withDb(db, readReport("2026-11-04"))
    expect(later.llmCostDay.map((r) => r.day).sort()[0]).toBe("2026-11-04")
    expect(later.totals.llmUsd).toBeLessThan(data.totals.llmUsd)
  })
})

describe("HTML report", () => {
  it("has one container per chart and embeds the data it draws", () => {
    for (const id of Object.keys(CHARTS)) expect(html).toContain(`id="${id}"`)
    expect(embedded(html)).toEqual(JSON.parse(JSON.stringify(data)))
  })

  it("opens offline: ECharts is inlined, nothing is loaded from the network", () => {
    expect(html).not.toMatch(/<script[^>]+src=/i)
    expect(html).not.toMatch(/<link[^>]+href=/i)
    expect(html).toContain("echarts.init(")
    const inlined = html.length - html.replace(/<script>[\s\S]*?<\/script>/g, "").length
    expect(inlined).toBeGreaterThan(500_000) // the minified library itself
  })

  it("escapes text that came from the warehouse", () => {
    const evil = renderReportHtml({
      ...data,
      since: "<img src=x onerror=alert(1)>",
      leads: [
        {
          company: "</script><b>x",
          signals_90d: 1,
          ab_jobs: 1,
          relevant_jobs: 1,
          lead_score: 3,
          best_job_title: null,
          best_job_url: null
        }
      ]
    })
    expect(evil).not.toContain("<img src=x")
    expect(evil).not.toContain("</script><b>x")
    expect(embedded(evil).leads[0].company).toBe("</script><b>x")
  })

  it("links a lead's best job only when its URL is http(s)", () => {
    const lead = { company: "Acme", signals_90d: 1, ab_jobs: 1, relevant_jobs: 1, lead_score: 3 }
    const out = renderReportHtml({
      ...data,
      leads: [
        { ...lead, best_job_title: "Good job", best_job_url: "https://boards.example/jobs/1" },
        { ...lead, best_job_title: "Evil job", best_job_url: "javascript:alert(document.cookie)" },
        { ...lead, best_job_title: "Sneaky job", best_job_url: " JaVaScRiPt:alert(1)" },
        { ...lead, best_job_title: "Data job", best_job_url: "data:text/html,<script>alert(1)</script>" }
      ]
    })
    const hrefs = [...out.matchAll(/<a href="([^"]*)"/g)].map((m) => m[1])
    expect(hrefs).toEqual(["https://boards.example/jobs/1"])
    expect(out).toContain(">Evil job</td>")
    expect(out).toContain(">Sneaky job</td>")
  })

  it("prints a terminal summary with the funnel and the budget share", () => {
    const s = renderSummary(data)
    expect(s).toContain(`${data.funnel.fetched} fetched`)
    expect(s).toContain("weekly budget")
    expect(s).toContain("greenhouse")
  })
})

it("jobsignal report writes the HTML and prints the summary", async () => {
  const out = join(dir, "out")
  const r = await cli(["report", "--since", "2026-01-01", "--out", out, "--db", db, "--dag", join(dir, "dag.yaml")])
  expect(r.stderr).toBe("")
  expect(r.code).toBe(0)
  expect(r.stdout).toContain("jobsignal report since 2026-01-01")
  const file = join(out, "jobsignal-report-2026-01-01.html")
  expect(existsSync(file)).toBe(true)
  expect(readdirSync(out)).toEqual(["jobsignal-report-2026-01-01.html"])
  expect(embedded(readFileSync(file, "utf8")).totals.jobs).toBe(data.totals.jobs)
}, 180_000)
