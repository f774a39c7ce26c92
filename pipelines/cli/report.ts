import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Warehouse } from "../../sinks/warehouse.ts"
import { loadDag } from "../load.ts"
import { readReport, type ReportData } from "../report/data.ts"
import { renderReportHtml } from "../report/html.ts"
import { renderSummary } from "../report/summary.ts"
import { dagOption, dbOption, fail, print, printErr } from "./shared.ts"
import { liveUp } from "../../sinks/up-file.ts"
import { postToUp } from "./up-client.ts"
import { kinds, migrations } from "../../app/index.ts"

const isoDay = /^\d{4}-\d{2}-\d{2}$/

/** The LLM budget from dag.yaml, when the file is there and valid; the report still works without it. */
const budgetOf = (dag: string): ReportData["budget"] => {
  if (!existsSync(dag)) return {}
  try {
    const b = loadDag(dag, kinds).spec.budgets?.llm
    return { perRunUsd: b?.per_run_usd, perWeekUsd: b?.per_week_usd }
  } catch {
    return {}
  }
}

export const reportCommand = Command.make(
  "report",
  {
    since: Options.text("since").pipe(
      Options.optional,
      Options.withDescription("First day to report, YYYY-MM-DD (default: 7 days ago)")
    ),
    out: Options.text("out").pipe(
      Options.withDefault("reports"),
      Options.withDescription("Directory for the HTML report (default reports/)")
    ),
    db: dbOption,
    dag: dagOption
  },
  ({ since, out, db, dag }) =>
    Effect.gen(function* () {
      const day = Option.getOrElse(since, () => new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10))
      if (!isoDay.test(day) || Number.isNaN(Date.parse(day)))
        return yield* Effect.fail(new Error(`--since must be a date like 2026-01-31, got ${JSON.stringify(day)}`))
      // While `jobsignal up` owns the warehouse it reads the data; the summary and HTML are made here either way.
      const up = liveUp(db)
      const data = up
        ? yield* Effect.tryPromise({
            try: () => postToUp<ReportData>(up, "/api/cli/report", { since: day, budget: budgetOf(dag) }),
            catch: (e) => e as Error
          })
        : yield* readReport(day, budgetOf(dag)).pipe(Effect.provide(Warehouse.layer({ path: db, migrations })))
      yield* print(renderSummary(data))
      const dir = resolve(out)
      mkdirSync(dir, { recursive: true })
      const file = join(dir, `jobsignal-report-${day}.html`)
      writeFileSync(file, renderReportHtml(data))
      yield* print(`\nHTML report: ${file}`)
    }).pipe(
      Effect.catchAll((e) =>
        printErr(`error: ${(e as { message?: string }).message ?? String(e)}`).pipe(Effect.zipRight(fail(1)))
      )
    )
).pipe(
  Command.withDescription(
    "Print a summary of the warehouse since a day and write an HTML report with charts (opens offline)."
  )
)
