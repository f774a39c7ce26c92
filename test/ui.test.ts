/**
 * The dashboard end to end in headless Chromium: a server on loopback over a fresh warehouse, runs
 * started from the Runs page against the replayed fixtures (the demo data), per-job operations
 * against the loopback fake LLM. Screenshots of every page go to test-results/ui/.
 */
import { Effect, Exit, Layer, Scope } from "effect"
import { existsSync } from "node:fs"
import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadDag } from "../pipelines/load.ts"
import { layersRunner } from "../pipelines/serve/job-ops.ts"
import { startServer } from "../pipelines/serve/server.ts"
import { ensureUiBuilt } from "../pipelines/serve/ui-build.ts"
import { kinds, sources } from "../app/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { hasChromium, launchBrowser, type Browser } from "./support/browser.ts"
import { startFakeLlm, type FakeLlm } from "./support/fake-llm.ts"
import { installLayerAnswers } from "./support/fake-layers.ts"
import { tempDir, testLayer } from "./support/harness.ts"

// Under CI the browser must be there (.ci/run installs Debian's chromium); elsewhere its absence skips.
const run = hasChromium() || process.env.CI === "true"

describe.skipIf(!run)("dashboard in headless Chromium", () => {
  let fake: FakeLlm
  let replay: ReplayServer
  let browser: Browser
  let page: Page
  let url = ""
  const scope = Effect.runSync(Scope.make())
  const saved: Record<string, string | undefined> = {}
  const timings: Record<string, number> = {}

  beforeAll(async () => {
    const t0 = Date.now()
    timings.uiBuildMs = (await ensureUiBuilt()).ms
    fake = await startFakeLlm()
    installLayerAnswers(fake)
    // Only the fake provider has a key, so every tier resolves to openai/* on loopback.
    for (const k of Object.keys(process.env))
      if (/_(API_KEY|BASE_URL)$/.test(k) || /^JOBSIGNAL_LLM_/.test(k)) {
        saved[k] = process.env[k]
        delete process.env[k]
      }
    process.env.OPENAI_API_KEY = "sk-test-fake"
    process.env.OPENAI_BASE_URL = fake.openaiUrl
    replay = await startReplayServer(sources)
    const byKind = new Map(sources.map((s) => [s.kind, s]))
    const db = join(tempDir("jobsignal-ui-"), "ui.duckdb")
    const ctx = await Effect.runPromise(Layer.buildWithScope(testLayer(db), scope))
    const ops = layersRunner
    const started = await Effect.runPromise(
      startServer({
        port: 0,
        host: "127.0.0.1",
        dag: loadDag("dag.yaml", kinds),
        ops,
        sourceOverrides: (kind) => {
          const s = byKind.get(kind)
          return s ? { ...s.replayOptions, base_url: replay.baseUrlFor(kind) } : undefined
        }
      }).pipe(Effect.provide(ctx), Scope.extend(scope))
    )
    url = started.url
    browser = await launchBrowser()
    page = browser.page
    browser.page.on("pageerror", (e) => console.error("page error:", e.message))
    timings.setupMs = Date.now() - t0
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await replay?.close()
    await fake?.close()
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    console.log(`ui e2e timings: ${JSON.stringify(timings)}`)
  })

  const text = (testId: string) => browser.page.getByTestId(testId).first().innerText()

  it("Runs page: a run started there (after a confirmation) updates live, node by node", async () => {
    const t0 = Date.now()
    await page.goto(`${url}/#/runs`)
    await page.getByTestId("dag-graph").waitFor()
    await page.getByTestId("start-run").click()
    // The confirmation says what the run would cost (the dry run's figure: the fake provider's key is set).
    await page.getByTestId("confirm-dialog").waitFor()
    expect(await text("run-estimate")).toMatch(/^estimated LLM cost: \$\d+\.\d{4} at most/)
    await page.getByTestId("confirm-ok").click()
    // Live: some node has finished while the run is still going, and the graph says "live".
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="task-status"]')?.textContent === "running" &&
        document.querySelectorAll(".ev-node_finished").length >= 2,
      undefined,
      { timeout: 60_000 }
    )
    expect(await page.getByTestId("run-live").isVisible()).toBe(true)
    const during = await text("live-summary")
    await browser.screenshot("runs-live")
    await page.waitForFunction(
      () => document.querySelector('[data-testid="task-status"]')?.textContent !== "running",
      undefined,
      { timeout: 180_000 }
    )
    expect(await text("task-status")).toBe("done")
    await page.getByTestId("run-nodes").waitFor()
    const after = await text("live-summary")
    const [, doneDuring, total] = /^(\d+) of (\d+)/.exec(during)!.map(Number)
    expect(doneDuring).toBeGreaterThanOrEqual(2)
    expect(doneDuring).toBeLessThan(total)
    expect(after).toBe(`${total} of ${total} nodes done`)
    expect(await text("run-nodes")).not.toMatch(/pending|running/)
    expect(await page.getByTestId("run-row").count()).toBe(1)
    expect(await page.getByTestId("run-row").first().innerText()).toMatch(/success/)
    await browser.screenshot("runs")
    timings.runMs = Date.now() - t0
  }, 240_000)

  it("Jobs page: filters, search and sorting narrow the table as the API does", async () => {
    await page.goto(`${url}/#/jobs`)
    await page.getByTestId("job-row").first().waitFor()
    const total = async () => Number((await text("jobs-total")).replace(/\D/g, ""))
    const all = await total()
    expect(all).toBeGreaterThan(20)

    await page.getByTestId("filter-remote").selectOption("remote")
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="jobs-total"]')!.textContent!.replace(/\D/g, "")) !== n,
      all
    )
    const remote = await total()
    expect(remote).toBeGreaterThan(0)
    expect(remote).toBeLessThan(all)
    expect(new Set(await page.getByTestId("job-remote").allInnerTexts())).toEqual(new Set(["remote"]))

    await page.getByTestId("filter-q").fill("engineer")
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="jobs-total"]')!.textContent!.replace(/\D/g, "")) !== n,
      remote
    )
    const api = await (await fetch(`${url}/api/jobs?remote=remote&q=engineer&limit=1`)).json()
    expect(await total()).toBe(api.total)

    // Sorting: by posted date both ways (the column shows YYYY-MM-DD), and fit scores descending by default.
    await page.getByTestId("filter-q").fill("")
    await page.getByTestId("filter-remote").selectOption("")
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="jobs-total"]')!.textContent!.replace(/\D/g, "")) === n,
      all
    )
    const fits = (await page.locator('[data-testid="job-row"] td:nth-child(2)').allInnerTexts())
      .map(Number)
      .filter((n) => !Number.isNaN(n))
    expect(fits.length).toBeGreaterThan(0)
    expect([...fits].sort((a, b) => b - a)).toEqual(fits)
    const posted = () => page.locator('[data-testid="job-row"] td:nth-child(8)').allInnerTexts()
    await page.getByTestId("sort-posted").click()
    await page.locator('[data-testid="jobs-table"][data-query="sort=posted&dir=desc"]').waitFor()
    const desc = await posted()
    expect(desc.length).toBeGreaterThan(5)
    expect([...desc].sort().reverse()).toEqual(desc)
    await page.getByTestId("sort-posted").click()
    await page.locator('[data-testid="jobs-table"][data-query="sort=posted&dir=asc"]').waitFor()
    const asc = await posted()
    expect([...asc].sort()).toEqual(asc)
    expect(asc[0] <= desc[0]).toBe(true)
    await page.getByTestId("sort-fit").click()
    // The screenshot shows the reloaded table (best fit first), not the last one before the click.
    await page.locator('[data-testid="jobs-table"][data-query="sort=fit&dir=desc"]').waitFor()
    await browser.screenshot("jobs", { fullPage: false })
  }, 120_000)

  it("Jobs page: a batch operation shows its cost estimate, asks, and runs", async () => {
    await page.goto(`${url}/#/jobs`)
    await page.getByTestId("job-row").first().waitFor()
    const boxes = page.getByTestId("job-select")
    await boxes.nth(0).check()
    await boxes.nth(1).check()
    expect(await text("selected-count")).toBe("2")
    // Only the extract op: uncheck the others the bar preselects.
    for (const label of await page.locator(".opsbar label.check").all()) {
      const name = (await label.innerText()).trim()
      const box = label.locator("input")
      if ((name === "extract") !== (await box.isChecked())) await box.click()
    }
    await page.getByTestId("ops-tier").selectOption("fast")
    const before = fake.requests.length
    await page.getByTestId("run-selected").click()
    await page.getByTestId("estimate").waitFor()
    expect(await text("estimate")).toMatch(/2 LLM call|LLM call/)
    await browser.screenshot("jobs-confirm", { fullPage: false })
    expect(fake.requests.length).toBe(before) // nothing ran before the confirmation
    await page.getByTestId("confirm-ok").click()
    await page.waitForFunction(
      () =>
        ["done", "failed", "cancelled"].includes(
          document.querySelector('[data-testid="task-status"]')?.textContent ?? ""
        ),
      undefined,
      { timeout: 60_000 }
    )
    expect(await text("task-status")).toBe("done")
    const events = await text("task-events")
    expect(events.match(/job .*: done/g)?.length).toBe(2)
    expect(fake.requests.length).toBeGreaterThan(before)
  }, 120_000)

  it("Job detail: an operation streams its progress phase by phase to completion, partial results included", async () => {
    await page.goto(`${url}/#/jobs`)
    await page.getByTestId("job-link").nth(2).click()
    await page.getByTestId("job-title").waitFor()
    await page.getByTestId("sightings").waitFor()
    await page.getByTestId("detail-tier").selectOption("fast")
    const op = "pain"
    await page.getByTestId(`run-op-${op}`).click()
    await page.getByTestId("estimate").waitFor()
    await page.getByTestId("confirm-ok").click()
    await page.waitForFunction(
      () =>
        ["done", "failed", "cancelled"].includes(
          document.querySelector('[data-testid="task-status"]')?.textContent ?? ""
        ),
      undefined,
      { timeout: 60_000 }
    )
    expect(await text("task-status")).toBe("done")
    const lines = await page.locator('[data-testid="task-events"] li').allInnerTexts()
    const progress = lines.filter((l) => l.startsWith(`${op} · `))
    // started for the inputs, at least one phase in between, done at the end — in that order.
    expect(progress[0]).toMatch(/ · started/)
    expect(progress.at(-1)).toMatch(/ · done/)
    expect(progress.length).toBeGreaterThanOrEqual(3)
    expect(await page.getByTestId("partial-result").count()).toBeGreaterThan(0)
    await page.getByTestId(`intel-${op}`).waitFor()
    expect(await text(`intel-${op}`)).toMatch(/pain_points/)
    await browser.screenshot("job-detail")
  }, 120_000)

  it("Runs page: a run can be cancelled, and the ledger says interrupted", async () => {
    await page.goto(`${url}/#/runs`)
    await page.getByTestId("start-run").click()
    await page.getByTestId("confirm-ok").click()
    await page.waitForFunction(() => document.querySelectorAll(".ev-node_started").length >= 1, undefined, {
      timeout: 60_000
    })
    await page.getByTestId("task-cancel").click()
    await page.getByTestId("confirm-ok").click()
    await page.waitForFunction(
      () => document.querySelector('[data-testid="task-status"]')?.textContent === "cancelled",
      undefined,
      { timeout: 60_000 }
    )
    const runs = await (await fetch(`${url}/api/runs`)).json()
    expect(runs.runs[0].status).toBe("interrupted")
    expect(runs.active).toBeNull()
  }, 120_000)

  it("Runs page: a backfill of one source starts there and runs it with its downstream nodes", async () => {
    await page.goto(`${url}/#/runs`)
    await page.getByTestId("backfill-node").selectOption("greenhouse")
    await page.getByTestId("backfill-since").fill("2020-01-01")
    await page.getByTestId("start-backfill").click()
    await page.getByTestId("confirm-dialog").waitFor()
    expect(await text("confirm-dialog")).toMatch(/backfill of greenhouse since 2020-01-01/)
    await page.getByTestId("confirm-ok").click()
    await page.waitForFunction(
      () =>
        ["done", "failed", "cancelled"].includes(
          document.querySelector('[data-testid="task-status"]')?.textContent ?? ""
        ) && !!document.querySelector('[data-testid="run-nodes"]'),
      undefined,
      { timeout: 120_000 }
    )
    expect(await text("task-status")).toBe("done")
    const runs = await (await fetch(`${url}/api/runs`)).json()
    expect(runs.runs[0].mode).toBe("backfill")
    const nodes = await (await fetch(`${url}/api/runs/${runs.runs[0].run_id}`)).json()
    const names = nodes.nodes.map((n: { node: string }) => n.node)
    expect(names).toContain("greenhouse")
    expect(names).toContain("dedupe")
    expect(names).not.toContain("lever")
  }, 150_000)

  it("Signals and Cost pages show the run's signals, leads queue and LLM spend against the budget", async () => {
    await page.goto(`${url}/#/signals`)
    await page.getByTestId("recent-signals").waitFor()
    expect(await page.locator('[data-testid="recent-signals"] tbody tr').count()).toBeGreaterThan(0)
    await page.getByTestId("signals-by-type").locator("canvas").first().waitFor()
    await browser.screenshot("signals", { fullPage: false })

    await page.goto(`${url}/#/cost`)
    await page.getByTestId("cost-kpis").waitFor()
    const nodes = await text("cost-byNode")
    expect(nodes).toMatch(/relevance/)
    expect(nodes).toMatch(/fit_score/)
    expect(await text("week-usd")).not.toBe("$0.00")
    expect(await text("cost-kpis")).toMatch(/of \$15\.00/)
    await page.getByTestId("cost-daily").locator("canvas").first().waitFor()
    await browser.screenshot("cost")
    expect(existsSync(join("test-results", "ui", "cost.png"))).toBe(true)
  }, 60_000)

  it("Schedules, Source health and Data quality pages read the runs' ledger, errors and gates", async () => {
    await page.goto(`${url}/#/schedules`)
    await page.getByTestId("schedule-row").first().waitFor()
    expect(await text("schedules-mode")).toMatch(/jobsignal serve: nothing fires here/)
    const triggers = (await (await fetch(`${url}/api/schedules`)).json()).triggers.length
    expect(triggers).toBeGreaterThan(5)
    expect(await page.getByTestId("schedule-row").count()).toBe(triggers)
    await browser.screenshot("schedules")

    await page.goto(`${url}/#/sources`)
    await page.getByTestId("source-row").first().waitFor()
    const dag = await (await fetch(`${url}/api/dag`)).json()
    expect(await page.getByTestId("source-row").count()).toBe(dag.sources.length)
    expect(await page.locator('[data-testid="source-row"][data-source="greenhouse"]').innerText()).toMatch(
      /success|partial/
    )
    expect(await page.getByTestId("sources-empty").count()).toBe(0)
    await browser.screenshot("sources")

    await page.goto(`${url}/#/quality`)
    await page.getByTestId("quality-rules").waitFor()
    const rules = await text("quality-rules")
    expect(rules).toMatch(/required\(id,title,company,job_url\)/)
    // The store node ran: its rules checked the documents, so pass rates are figures, not dashes.
    expect(rules).toMatch(/\d+\.\d%/)
    await browser.screenshot("quality")
  }, 60_000)

  it("Today page: the first page; the queue of the run, and an action (after a confirmation) takes a job out", async () => {
    await page.goto(`${url}/`)
    await page.getByTestId("today-table").waitFor({ timeout: 30_000 })
    expect(await page.getByTestId("nav-today").getAttribute("class")).toBe("active")
    const rows = page.getByTestId("today-row")
    const before = await rows.count()
    expect(before).toBeGreaterThan(0)
    const first = await rows.first().getAttribute("data-job")
    await browser.screenshot("today", { fullPage: false })
    await rows.first().getByTestId("today-dismiss").click()
    await expect(page.getByTestId("confirm-dialog").isVisible()).resolves.toBe(true)
    await page.getByTestId("confirm-ok").click()
    await page.waitForFunction(
      (job) => !document.querySelector(`[data-testid="today-row"][data-job="${job}"]`),
      first,
      { timeout: 15_000 }
    )
    expect(await page.locator(`[data-testid="today-row"][data-job="${first}"]`).count()).toBe(0)
  }, 60_000)
})
