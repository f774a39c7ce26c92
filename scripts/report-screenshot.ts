/**
 * `npm run report:screenshot [-- --db FILE] [--since DATE] [--out DIR]`: renders the HTML report in
 * headless Chromium (Debian's `chromium`, driven by playwright-core), checks that every chart drew,
 * and saves a PNG to look at. Without --db it builds a throwaway warehouse: the recorded Greenhouse
 * boards through the replay server, plus SYNTHETIC scores, LLM calls, signals and DQ rows
 * (scripts/synthetic-analytics.ts) so every chart has something to draw.
 */
import { Effect } from "effect"
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { chromium } from "playwright-core"
import { Warehouse } from "../sinks/warehouse.ts"
import { Http } from "../sources/http.ts"
import { kinds, migrations, sources } from "../app/index.ts"
import { startReplayServer } from "../sources/replay.ts"
import { silentEvents } from "../pipelines/events.ts"
import { loadDag } from "../pipelines/load.ts"
import { runDag } from "../pipelines/runner.ts"
import { readReport } from "../pipelines/report/data.ts"
import { CHARTS, renderReportHtml } from "../pipelines/report/html.ts"
import { renderSummary } from "../pipelines/report/summary.ts"
import { seedSyntheticAnalytics } from "./synthetic-analytics.ts"
import { Layer } from "effect"

const { values } = parseArgs({
  options: { db: { type: "string" }, since: { type: "string" }, out: { type: "string" }, chromium: { type: "string" } }
})
const browserPath = values.chromium ?? process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
if (!existsSync(browserPath)) {
  console.error(`no Chromium at ${browserPath}: apt-get install -y chromium (or pass --chromium PATH)`)
  process.exit(2)
}
const out = resolve(values.out ?? "reports")
mkdirSync(out, { recursive: true })

let db = values.db
let since = values.since ?? new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10)
if (!db) {
  const dir = mkdtempSync(join(tmpdir(), "jobsignal-report-"))
  db = join(dir, "sample.duckdb")
  const replay = await startReplayServer(sources)
  const dagFile = join(dir, "dag.yaml")
  writeFileSync(
    dagFile,
    `version: 1
budgets: { llm: { per_week_usd: 1.5 } }
nodes:
  greenhouse:
    source: greenhouse
    with: { boards: [gitlab, stripe, gongio, generalassembly, nosuchboard], base_url: "${replay.baseUrlFor("greenhouse")}" }
  dedupe:
    transform: dedupe
    needs: [greenhouse]
`
  )
  const layer = Layer.mergeAll(Warehouse.layer({ path: db, migrations }), Http.layer({ timeoutMs: 10_000 }))
  await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const s = yield* runDag({ dag: loadDag(dagFile, kinds), events: silentEvents })
        yield* seedSyntheticAnalytics(s.runId)
      }).pipe(Effect.provide(layer))
    )
  ).finally(() => replay.close())
  since = values.since ?? "2026-10-25"
  console.error(`sample warehouse ${db} (recorded Greenhouse boards + SYNTHETIC scores, LLM calls, signals, DQ rows)`)
}

const data = await Effect.runPromise(
  Effect.scoped(
    readReport(since, values.db ? {} : { perWeekUsd: 1.5 }).pipe(
      Effect.provide(Warehouse.layer({ path: db, migrations }))
    )
  )
)
console.log(renderSummary(data))
const htmlFile = join(out, `jobsignal-report-${since}.html`)
writeFileSync(htmlFile, renderReportHtml(data))

const browser = await chromium.launch({
  executablePath: browserPath,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync"
  ]
})
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  const errors: string[] = []
  page.on("pageerror", (e) => errors.push(e.message))
  // Any request leaving the file would mean the report is not self-contained.
  const requests: string[] = []
  page.on("request", (r) => {
    if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) requests.push(r.url())
  })
  await page.goto(`file://${htmlFile}`)
  await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 })
  const drawn = await page.evaluate(
    (ids) =>
      ids.map((id) => {
        const el = document.getElementById(id)!
        return {
          id,
          rendered: el.dataset.rendered === "true",
          canvas: el.querySelector("canvas") !== null,
          empty: el.classList.contains("nodata")
        }
      }),
    Object.keys(CHARTS)
  )
  const png = join(out, "report-screenshot.png")
  await page.screenshot({ path: png, fullPage: true })
  console.log(`\n${htmlFile}\n${png}`)
  for (const d of drawn)
    console.log(`  ${d.rendered && d.canvas ? "drawn" : d.empty ? "no data" : "NOT DRAWN"}  ${d.id}`)
  if (errors.length > 0) console.log(`page errors:\n  ${errors.join("\n  ")}`)
  if (requests.length > 0) console.log(`network requests (should be none):\n  ${requests.join("\n  ")}`)
  process.exitCode =
    errors.length > 0 || requests.length > 0 || drawn.some((d) => !d.empty && !(d.rendered && d.canvas)) ? 1 : 0
} finally {
  await browser.close()
}
