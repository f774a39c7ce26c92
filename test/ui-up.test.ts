/**
 * The dashboard of `jobsignal up --replay` (the built binary, as a user starts it) in Debian's Chromium: a schedule
 * fires while the Runs page is open and the page follows that run; `jobsignal sql` answers while up owns the file;
 * the Jobs page pages through 10,000 synthetic rows with its state in the link; a schedule paused from the page
 * does not fire, and Run now fires it by hand, followed live. Screenshots go to test-results/ui/.
 */
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ensureUiBuilt } from "../pipelines/serve/ui-build.ts"
import { hasChromium, launchBrowser, type Browser } from "./support/browser.ts"
import { bin, cli, ensureBuilt } from "./support/cli.ts"
import { tempDir } from "./support/harness.ts"

const run = hasChromium() || process.env.CI === "true"
const env = { SEC_USER_AGENT: "jobsignal-test test@example.com", NO_COLOR: "1" }

// node-cron takes a seconds field: a schedule every 5 s is an ordinary cron expression, no test clock needed.
const DAG = `version: 1
schedule: { overlap: skip, catch_up: none, timezone: UTC }
nodes:
  greenhouse:
    source: greenhouse
    schedule: "*/5 * * * * *"
    with: { boards: [gitlab, stripe, gongio] }
  dedupe:
    transform: dedupe
    needs: [greenhouse]
`

const SYNTHETIC_ROWS = 10_000
/** A week of synthetic postings (ids and source say so): companies, salaries, remote and posted days vary by row. */
const synthetic = `insert into jobs (id, source, source_id, title, company, remote, salary_min, salary_max, salary_currency,
    posted_at, first_seen, last_seen)
  select 'synthetic-' || lpad(i::varchar, 5, '0'), 'synthetic', 'synthetic:' || i,
         ['Data Engineer', 'Backend Engineer', 'Analytics Engineer', 'Platform Engineer'][1 + i % 4] || ' ' || i,
         'Synthetic Co ' || lpad((i % 250)::varchar, 3, '0'), ['remote', 'hybrid', 'onsite'][1 + i % 3],
         80000 + (i % 60) * 1000, 100000 + (i % 60) * 1500, 'USD',
         timestamp '2026-11-23 08:00:00' + to_days(i % 7), now(), now()
  from range(${SYNTHETIC_ROWS}) t(i)`

describe.skipIf(!run)("jobsignal up: the dashboard in headless Chromium", () => {
  const dir = tempDir("jobsignal-ui-up-")
  const db = join(dir, "up.duckdb")
  const dag = join(dir, "dag.yaml")
  let child: ReturnType<typeof spawn>
  let exited: Promise<number | null>
  let stderr = ""
  let url = ""
  let browser: Browser
  const timings: Record<string, number> = {}
  const api = async (path: string) => (await fetch(`${url}${path}`)).json()
  const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 60_000) => {
    const t0 = Date.now()
    while (!(await ok())) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; up said:\n${stderr.slice(-3000)}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  beforeAll(async () => {
    const t0 = Date.now()
    await Promise.all([ensureBuilt(), ensureUiBuilt()])
    writeFileSync(dag, DAG)
    child = spawn(process.execPath, [bin, "up", "--replay", "--port", "0", "--dag", dag, "--db", db], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"]
    })
    child.stderr!.on("data", (b) => {
      stderr += String(b)
    })
    exited = new Promise((r) => child.on("exit", (code) => r(code)))
    await until("up to start", () => stderr.includes("now ask this process"))
    url = /dashboard and API on (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr)![1]
    browser = await launchBrowser()
    browser.page.on("pageerror", (e) => console.error("page error:", e.message))
    timings.setupMs = Date.now() - t0
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    child?.kill("SIGTERM")
    await exited
    console.log(`ui-up e2e timings: ${JSON.stringify(timings)}`)
  })

  it("jobsignal sql answers while up runs: 10,000 synthetic rows written and counted through up", async () => {
    const t0 = Date.now()
    const w = await cli(["sql", synthetic, "--db", db, "--write"], env)
    expect([w.code, w.stderr]).toEqual([0, ""])
    const n = await cli(["sql", "select count(*) as n from jobs where source = 'synthetic'", "--db", db], env)
    expect(n.code).toBe(0)
    expect(n.stdout).toContain(String(SYNTHETIC_ROWS))
    timings.sqlMs = Date.now() - t0
  }, 60_000)

  it("Runs page: a scheduled run fires while the page is open, and the page follows it to its end", async () => {
    const t0 = Date.now()
    const page = browser.page
    const before = (await api("/api/runs")).runs.length
    await page.goto(`${url}/#/runs`)
    await page.getByTestId("dag-graph").waitFor()
    // Nothing started from the page: the panel appears because the schedule fired.
    await page.locator('[data-testid="task-panel"]', { hasText: "scheduled run of greenhouse" }).waitFor({
      timeout: 30_000
    })
    await browser.screenshot("up-runs-scheduled-live")
    await page.waitForFunction(
      () => document.querySelector('[data-testid="task-status"]')?.textContent === "done",
      undefined,
      { timeout: 60_000 }
    )
    const events = await page.getByTestId("task-events").innerText()
    expect(events).toMatch(/node_finished greenhouse success/)
    expect(events).toMatch(/node_finished dedupe success/)
    // The ledger row of that run is in the table without a reload.
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="run-row"]').length > n, before)
    expect(await page.getByTestId("task-cancel").count()).toBe(0) // the scheduler's run: not cancellable from here
    await browser.screenshot("up-runs-scheduled")
    timings.scheduledRunMs = Date.now() - t0
  }, 120_000)

  it("Schedules page: a schedule paused there does not fire (its fires are skipped) until resumed", async () => {
    const t0 = Date.now()
    const page = browser.page
    await page.goto(`${url}/#/schedules`)
    await page.getByTestId("schedule-row").first().waitFor()
    expect(await page.getByTestId("schedules-mode").innerText()).toMatch(/This process \(jobsignal up\) fires them/)
    await page.getByTestId("schedule-toggle-greenhouse").click()
    expect(await page.getByTestId("confirm-dialog").innerText()).toMatch(/Pause the schedule greenhouse/)
    await page.getByTestId("confirm-ok").click()
    await page.locator('[data-testid="schedule-state"]', { hasText: "paused since" }).waitFor()
    await browser.screenshot("up-schedules-paused")
    // A run that started before the pause finishes; then two fire times pass, each skipped and said so.
    await until("the running run to end", async () => (await api("/api/runs")).active === null)
    const runs = (await api("/api/runs")).runs.length
    const skipped = () => stderr.match(/skip greenhouse \(scheduled\): paused since/g)?.length ?? 0
    await until("two skipped fires", () => skipped() >= 2, 30_000)
    expect((await api("/api/runs")).runs.length).toBe(runs)
    const s = await api("/api/schedules")
    expect(s.triggers[0]).toMatchObject({ name: "greenhouse", paused: { paused_by: "dashboard" } })
    timings.pauseMs = Date.now() - t0
  }, 90_000)

  it("Schedules page: Run now fires the paused schedule by hand, and the Runs page follows that run live", async () => {
    const page = browser.page
    await page.goto(`${url}/#/schedules`)
    await page.getByTestId("schedule-fire-greenhouse").click()
    expect(await page.getByTestId("confirm-dialog").innerText()).toMatch(/Run the schedule greenhouse now\?/)
    await browser.screenshot("up-schedules-run-now")
    await page.getByTestId("confirm-ok").click()
    await page.waitForFunction(() => location.hash === "#/runs")
    await page.locator('[data-testid="task-panel"]', { hasText: "run of greenhouse, fired by hand" }).waitFor()
    await page.waitForFunction(
      () => document.querySelector('[data-testid="task-status"]')?.textContent === "done",
      undefined,
      { timeout: 60_000 }
    )
    expect(await page.getByTestId("task-events").innerText()).toMatch(/node_finished dedupe success/)
    expect(stderr).toMatch(/fire greenhouse \(by hand\): dedupe, greenhouse/)
    // The pause holds for the clock: the next fires are still skipped.
    const s = await api("/api/schedules")
    expect(s.triggers[0]).toMatchObject({ name: "greenhouse", paused: { paused_by: "dashboard" } })
  }, 90_000)

  it("Jobs page: pages through 10,000+ rows with the true count, and a link opens on the same page", async () => {
    const t0 = Date.now()
    const page = browser.page
    const total = (await api("/api/jobs?limit=1")).total
    expect(total).toBeGreaterThan(SYNTHETIC_ROWS)
    await page.goto(`${url}/#/jobs`)
    await page.getByTestId("pager").waitFor()
    expect(Number((await page.getByTestId("jobs-total").innerText()).replace(/\D/g, ""))).toBe(total)
    const pages = Math.ceil(total / 50)
    expect(await page.getByTestId("page-info").innerText()).toContain(`of ${pages.toLocaleString("en-US")}`)
    await page.getByTestId("page-next").click()
    await page.locator('[data-testid="jobs-table"][data-query$="page=2"]').waitFor()
    await page.getByTestId("page-last").click()
    await page.locator(`[data-testid="jobs-table"][data-query$="page=${pages}"]`).waitFor()
    expect(await page.getByTestId("job-row").count()).toBe(total - (pages - 1) * 50)
    expect(page.url()).toContain(`page=${pages}`)

    // Sorted and filtered on the server: the page shows what the API answers for that slice.
    await page.getByTestId("sort-company").click()
    await page.getByTestId("sort-company").click() // ascending
    await page.getByTestId("filter-remote").selectOption("remote")
    await page.locator('[data-testid="jobs-table"][data-query="remote=remote&sort=company&dir=asc"]').waitFor()
    await page.getByTestId("page-input").fill("3")
    await page.getByTestId("page-input").press("Enter")
    await page.locator('[data-testid="jobs-table"][data-query$="page=3"]').waitFor()
    const link = page.url()
    expect(link).toMatch(/#\/jobs\?.*remote=remote.*page=3/)
    const slice = await api("/api/jobs?remote=remote&sort=company&dir=asc&limit=50&offset=100")
    const ids = async () =>
      page.locator('[data-testid="job-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute("data-job-id")))
    expect(await ids()).toEqual(slice.rows.map((r: { id: string }) => r.id))
    await browser.screenshot("up-jobs-paged", { fullPage: false })

    // The link, opened fresh, lands on the same slice.
    await page.goto("about:blank")
    await page.goto(link)
    await page.locator('[data-testid="jobs-table"][data-query$="page=3"]').waitFor()
    expect(await ids()).toEqual(slice.rows.map((r: { id: string }) => r.id))
    expect(await page.getByTestId("filter-remote").inputValue()).toBe("remote")
    timings.pagingMs = Date.now() - t0
  }, 90_000)

  it("Source health and Data quality read what the runs left; empty states say what to do", async () => {
    const page = browser.page
    await page.goto(`${url}/#/sources`)
    const row = page.locator('[data-testid="source-row"][data-source="greenhouse"]')
    await row.waitFor()
    expect(await row.innerText()).toMatch(/success/)
    await browser.screenshot("up-sources")
    await page.goto(`${url}/#/quality`)
    // This DAG declares no dq rules: the page says where they go.
    expect(await page.getByTestId("quality-empty").innerText()).toMatch(/dq:/)
    await page.goto(`${url}/#/cost`)
    expect(await page.getByTestId("cost-empty").innerText()).toMatch(/No LLM calls yet/)
  }, 60_000)

  it("after up stops, jobsignal schedule --list shows the pause", async () => {
    child.kill("SIGTERM")
    expect(await exited).toBe(0)
    const list = await cli(["schedule", "--list", "--dag", dag, "--db", db], env)
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/greenhouse.*paused since/)
  }, 60_000)
})
