import { Args, Command, Options } from "@effect/cli"
import { Effect, Option, Redacted } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { collectingEvents } from "../events.ts"
import { loadDag } from "../load.ts"
import { runDag } from "../runner.ts"
import { kinds } from "../../app/index.ts"
import { Warehouse } from "../../sinks/warehouse.ts"
import { proxyLabel } from "../../sources/http.ts"
import { search as searchSource } from "../../sources/search/index.ts"
import { startReplayServer } from "../../sources/replay.ts"
import { dbOption, fail, print, printErr } from "./shared.ts"
import { runtimeLayer } from "./runtime.ts"
import { liveUp } from "../../sinks/up-file.ts"
import { besideUp } from "./up-client.ts"
import { JOBSPY_SQL, ofJobType, searchBody } from "./search-output.ts"

// JobSpy's site names; ours spell ZipRecruiter without the underscore.
const SITES: Record<string, string> = {
  linkedin: "linkedin",
  indeed: "indeed",
  zip_recruiter: "ziprecruiter",
  ziprecruiter: "ziprecruiter",
  glassdoor: "glassdoor",
  google: "google"
}

/** The environment variables the scratch DAG names for `--proxy` values, so no proxy URL is written to disk. */
const PROXY_VAR = "JOBSIGNAL_SEARCH_PROXY_"

const text = (name: string, what: string) => Options.text(name).pipe(Options.optional, Options.withDescription(what))
const int = (name: string, what: string) => Options.integer(name).pipe(Options.optional, Options.withDescription(what))
const some = <K extends string, V>(key: K, o: Option.Option<V>) =>
  Option.match(o, { onNone: () => ({}), onSome: (v) => ({ [key]: v }) as Record<K, V> })

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
    hoursOld: int("hours-old", "Posted in the last H hours"),
    remote: Options.boolean("remote").pipe(Options.withDescription("Remote jobs only")),
    jobType: text("job-type", "Keep jobs of this type (fulltime, parttime, contract, internship)"),
    distance: int("distance", "Miles around --location (LinkedIn, Indeed, ZipRecruiter; ignored by Glassdoor, Google)"),
    offset: int("offset", "Skip the first N results of each site"),
    proxy: Options.text("proxy").pipe(
      Options.repeated,
      Options.withDescription("An HTTP proxy, http://[user:pass@]host:port; repeat it to take turns per request")
    ),
    format: Options.choice("format", ["table", "csv", "json"]).pipe(
      Options.withDefault("table" as const),
      Options.withDescription("Output format (default table)")
    ),
    out: text("out", "Write the rows to FILE instead of stdout"),
    save: Options.boolean("save").pipe(
      Options.withDescription("Keep the run in the warehouse (--db) instead of a scratch one")
    ),
    baseUrl: text("base-url", "A proxy or mirror: each site is asked under {base-url}/{site}"),
    replay: Options.boolean("replay").pipe(
      Options.withDescription("Ask a loopback server replaying the recordings in fixtures/ instead of the sites")
    ),
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
      for (const [flag, v, min] of [
        ["--distance", a.distance, 1],
        ["--offset", a.offset, 0]
      ] as const)
        if (Option.isSome(v) && v.value < min)
          return yield* Effect.fail(new Error(`${flag}: ${v.value} is below ${min}`))
      const sites = [...new Set(names.map((s) => SITES[s]))]
      const search = {
        term: a.query,
        ...some("location", a.location),
        ...(a.remote ? { remote: true } : {}),
        ...some("hours_old", a.hoursOld),
        results_wanted: a.resultsWanted,
        ...some("distance", a.distance),
        ...some("offset", a.offset)
      }
      const proxies = a.proxy.map((p) => Redacted.make(p))
      proxies.forEach((p, i) => {
        process.env[`${PROXY_VAR}${i}`] = Redacted.value(p)
      })
      if (proxies.length > 0)
        yield* printErr(`proxies: ${proxies.map(proxyLabel).join(", ")} (a different one for each request, in turn)`)
      // Without --save the search has a scratch warehouse of its own; with it, the run would need up's file.
      const up = a.save ? liveUp(resolve(a.db)) : undefined
      if (up)
        return yield* Effect.fail(
          besideUp(
            up,
            a.db,
            "jobsignal search --save",
            "cannot share it with a one-shot search: search without --save (it prints the same jobs), or stop up first"
          )
        )
      const replay = a.replay ? yield* Effect.promise(() => startReplayServer([searchSource])) : undefined
      const baseUrl = replay ? replay.baseUrlFor("search") : Option.getOrUndefined(a.baseUrl)
      const opts = {
        sites,
        searches: [search],
        ...(baseUrl ? { base_url: baseUrl } : {}),
        ...(replay ? { base_urls: searchSource.replayOptions.base_urls, delay_ms: 0 } : {}),
        ...(proxies.length > 0 ? { proxies: proxies.map((_, i) => `\${${PROXY_VAR}${i}}`) } : {})
      }
      if (replay)
        yield* printErr(
          `replaying the recorded responses in fixtures/ on ${replay.url}: not the live sites, and the same recordings whatever the query`
        )
      // The same source and dedupe code as the DAG: a two-node DAG, run in a scratch dir unless --save.
      const dir = mkdtempSync(join(tmpdir(), "jobsignal-search-"))
      const dagFile = join(dir, "dag.yaml")
      writeFileSync(
        dagFile,
        `version: 1\ndefaults: { retry: { times: 1 } }\nnodes:\n  search: { source: search, with: ${JSON.stringify(opts)} }\n  dedupe: { transform: dedupe, needs: [search] }\n`
      )
      const db = a.save ? resolve(a.db) : join(dir, "search.duckdb")
      const dag = loadDag(dagFile, kinds)
      const events = collectingEvents()
      const program = Effect.gen(function* () {
        const summary = yield* runDag({ dag, events })
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
      const r = yield* program.pipe(
        Effect.provide(runtimeLayer(db)),
        Effect.ensuring(Effect.promise(() => replay?.close() ?? Promise.resolve()))
      )
      // One line per site: what it returned, or why it stopped (429, blocked, needs a key), and what it ignored.
      const node = r.summary.nodes.find((n) => n.node === "search")
      for (const site of sites) {
        const n = r.staged.find((s) => s.site === site)?.n ?? 0
        const why = r.errors.find((e) => (e.unit ?? e.message).includes(`${site}:`))
        // The node's own notices about a site ("search: google takes no distance parameter: …", "… left out: …").
        const said = events.seen.flatMap((e) =>
          e.type === "info" && e.message.startsWith(`search: ${site} `)
            ? [e.message.slice(`search: ${site} `.length)]
            : []
        )
        yield* printErr(
          `${site}: ${n} posting(s)${why ? `; stopped: ${why.reason}: ${why.message}` : ""}${said.map((t) => `; ${t}`).join("")}`
        )
      }
      if (node?.status === "failed") yield* printErr(`search failed: ${node.error ?? ""}`)
      const rows = ofJobType(r.rows, Option.getOrUndefined(a.jobType))
      const body = searchBody(rows, a.format)
      if (Option.isSome(a.out)) {
        writeFileSync(a.out.value, body.endsWith("\n") ? body : `${body}\n`)
        yield* printErr(`${rows.length} job(s) after cross-site dedupe written to ${a.out.value}`)
      } else {
        if (rows.length > 0) yield* print(body)
        yield* printErr(`${rows.length} job(s) after cross-site dedupe${a.save ? `; saved in ${db}` : ""}`)
      }
      if (node?.status === "failed") yield* fail(1)
    }).pipe(Effect.catchAll((e) => printErr(`error: ${(e as Error).message}`).pipe(Effect.zipRight(fail(2)))))
).pipe(
  Command.withDescription(
    "JobSpy's one call: search the job boards for QUERY, dedupe across sites, print JobSpy's columns and a line per site."
  )
)
