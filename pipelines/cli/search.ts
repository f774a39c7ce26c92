import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { formatTable, toCsv } from "../console.ts"
import { silentEvents } from "../events.ts"
import { loadDag } from "../load.ts"
import { runDag } from "../runner.ts"
import { kinds } from "../../app/index.ts"
import { Warehouse } from "../../sinks/warehouse.ts"
import { dbOption, fail, print, printErr } from "./shared.ts"
import { runtimeLayer } from "./runtime.ts"

// JobSpy's site names; ours spell ZipRecruiter without the underscore.
const SITES: Record<string, string> = {
  linkedin: "linkedin",
  indeed: "indeed",
  zip_recruiter: "ziprecruiter",
  ziprecruiter: "ziprecruiter",
  glassdoor: "glassdoor",
  google: "google"
}

/** JobSpy's output columns, from the deduplicated jobs of this run. */
const JOBSPY_SQL = `select source as site, url as job_url, title, company, location,
  strftime(coalesce(posted_at, posted_before), '%Y-%m-%d') as date_posted, employment_type as job_type,
  salary_period as "interval", salary_min as min_amount, salary_max as max_amount, salary_currency as currency,
  remote = 'remote' as is_remote, description_text as description
  from jobs where last_run_id = $1 order by coalesce(posted_at, posted_before) desc nulls last, title`

const text = (name: string, what: string) => Options.text(name).pipe(Options.optional, Options.withDescription(what))

export const searchCommand = Command.make(
  "search",
  {
    query: Args.text({ name: "QUERY" }).pipe(Args.withDescription("What to search for")),
    location: text("location", "Where (a city, a state, a country)"),
    sites: Options.text("sites").pipe(
      Options.withDefault("linkedin,indeed,zip_recruiter,glassdoor,google"),
      Options.withDescription("Comma-separated: linkedin, indeed, zip_recruiter, glassdoor, google (default all)")
    ),
    resultsWanted: Options.integer("results-wanted").pipe(
      Options.withDefault(15),
      Options.withDescription("Results per site at most (default 15)")
    ),
    hoursOld: Options.integer("hours-old").pipe(
      Options.optional,
      Options.withDescription("Posted in the last H hours")
    ),
    remote: Options.boolean("remote").pipe(Options.withDescription("Remote jobs only")),
    jobType: text("job-type", "Keep jobs of this type (fulltime, parttime, contract, internship)"),
    format: Options.choice("format", ["table", "csv", "json"]).pipe(
      Options.withDefault("table" as const),
      Options.withDescription("Output format (default table)")
    ),
    out: text("out", "Write the rows to FILE instead of stdout"),
    save: Options.boolean("save").pipe(
      Options.withDescription("Keep the run in the warehouse (--db) instead of a scratch one")
    ),
    baseUrl: text("base-url", "A proxy or mirror: each site is asked under {base-url}/{site}"),
    db: dbOption
  },
  (a) =>
    Effect.gen(function* () {
      const names = a.sites
        .split(",")
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean)
      const bad = names.filter((s) => !SITES[s])
      if (bad.length > 0)
        return yield* Effect.fail(
          new Error(`--sites: unknown ${bad.join(", ")}; known: ${Object.keys(SITES).join(", ")}`)
        )
      const sites = [...new Set(names.map((s) => SITES[s]))]
      const search = {
        term: a.query,
        ...Option.match(a.location, { onNone: () => ({}), onSome: (l) => ({ location: l }) }),
        ...(a.remote ? { remote: true } : {}),
        ...Option.match(a.hoursOld, { onNone: () => ({}), onSome: (h) => ({ hours_old: h }) }),
        results_wanted: a.resultsWanted
      }
      const opts = {
        sites,
        searches: [search],
        ...Option.match(a.baseUrl, { onNone: () => ({}), onSome: (u) => ({ base_url: u }) })
      }
      // The same source and dedupe code as the DAG: a two-node DAG, run in a scratch dir unless --save.
      const dir = mkdtempSync(join(tmpdir(), "jobsignal-search-"))
      const dagFile = join(dir, "dag.yaml")
      writeFileSync(
        dagFile,
        `version: 1\ndefaults: { retry: { times: 1 } }\nnodes:\n  search: { source: search, with: ${JSON.stringify(opts)} }\n  dedupe: { transform: dedupe, needs: [search] }\n`
      )
      const db = a.save ? resolve(a.db) : join(dir, "search.duckdb")
      const dag = loadDag(dagFile, kinds)
      const program = Effect.gen(function* () {
        const summary = yield* runDag({ dag, events: silentEvents })
        const w = yield* Warehouse
        const staged = yield* w.query<{ site: string; n: number }>(
          "select source as site, count(*)::int as n from stg_jobs where run_id = $1 group by 1",
          [summary.runId]
        )
        const errors = yield* w.query<{ unit: string | null; reason: string; message: string }>(
          "select unit, reason, message from source_errors where run_id = $1 order by occurred_at",
          [summary.runId]
        )
        const rows = yield* w.query<Record<string, unknown>>(JOBSPY_SQL, [summary.runId])
        return { summary, staged, errors, rows }
      })
      const r = yield* program.pipe(Effect.provide(runtimeLayer(db)))
      // One line per site: what it returned, or why it stopped (429, blocked, needs a key).
      for (const site of sites) {
        const n = r.staged.find((s) => s.site === site)?.n ?? 0
        const why = r.errors.find((e) => (e.unit ?? e.message).includes(`${site}:`))
        yield* printErr(`${site}: ${n} posting(s)${why ? `; stopped: ${why.reason}: ${why.message}` : ""}`)
      }
      const node = r.summary.nodes.find((n) => n.node === "search")
      if (node?.status === "failed") yield* printErr(`search failed: ${node.error ?? ""}`)
      const jt = Option.getOrUndefined(a.jobType)
        ?.toLowerCase()
        .replace(/[^a-z]/g, "")
      const rows = jt
        ? r.rows.filter((x) =>
            String(x.job_type ?? "")
              .toLowerCase()
              .replace(/[^a-z]/g, "")
              .includes(jt)
          )
        : r.rows
      const body =
        a.format === "json"
          ? JSON.stringify(rows, null, 2)
          : a.format === "csv"
            ? toCsv(rows)
            : formatTable(rows.map((x) => ({ ...x, description: String(x.description ?? "").slice(0, 60) })))
      if (Option.isSome(a.out)) {
        writeFileSync(a.out.value, body.endsWith("\n") ? body : `${body}\n`)
        yield* printErr(`${rows.length} job(s) after cross-site dedupe written to ${a.out.value}`)
      } else {
        yield* print(body)
        yield* printErr(`${rows.length} job(s) after cross-site dedupe${a.save ? `; saved in ${db}` : ""}`)
      }
      if (node?.status === "failed") yield* fail(1)
    }).pipe(Effect.catchAll((e) => printErr(`error: ${(e as Error).message}`).pipe(Effect.zipRight(fail(2)))))
).pipe(
  Command.withDescription(
    "JobSpy's one call: search the job boards for QUERY, dedupe across sites, print JobSpy's columns and a line per site."
  )
)
