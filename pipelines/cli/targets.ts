import { Command, Options } from "@effect/cli"
import { Duration, Effect, Option, Schema, Stream } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { parse } from "yaml"
import { Http } from "../../sources/http.ts"
import { sources as registeredSources } from "../../app/index.ts"
import { type Source, type SourceContext, unitStream } from "../../sources/source.ts"
import { loadTargets, type Target } from "../../targets/universe.ts"
import { AtsProvider } from "../../app/index.ts"
import { formatTable } from "../console.ts"
import { describe, Fatal, type SourceError } from "../../core/errors.ts"
import { fail, print, printErr } from "./shared.ts"

/**
 * `jobsignal targets check`: asks each board in the target universe, through that provider's own
 * source connector, whether it answers and how many jobs it lists. A dead token (404/410) is told
 * apart from a board that failed for another reason (blocked, timed out, a body that is not JSON).
 */

export type CheckStatus = "answered" | "dead" | "error" | "unknown ATS" | "no connector"

export interface CheckRow {
  readonly company: string
  readonly ats: string
  readonly board: string
  readonly status: CheckStatus
  readonly jobs: number | null
  /** Records the connector skipped (counted, never silently dropped). */
  readonly skipped: number
  readonly detail: string
}

export interface CheckRequest {
  readonly targets: ReadonlyArray<Target>
  readonly sources?: ReadonlyArray<Source>
  /** Source kind → base URL, overriding the connector's default (a proxy, a mirror, the replay server). */
  readonly baseUrls?: Readonly<Record<string, string>>
  readonly concurrency?: number
  readonly timeoutMs?: number
  readonly onResult?: (row: CheckRow, done: number, total: number) => void
}

export const boardLabel = (b: Target["board"]): string =>
  b == null ? "" : typeof b === "string" ? b : `${b.tenant}/${b.site} (${b.instance})`

const row = (t: Target, status: CheckStatus, rest: Partial<CheckRow> = {}): CheckRow => ({
  company: t.name,
  ats: t.ats,
  board: boardLabel(t.board),
  status,
  jobs: null,
  skipped: 0,
  detail: "",
  ...rest
})

const isDead = (e: SourceError) => e._tag === "Skippable" && e.reason === "NotFound"

/** One board through its connector: units for this one company, every unit's records counted. */
const checkOne = (t: Target, src: Source, baseUrl: string, timeoutMs: number): Effect.Effect<CheckRow, never, Http> => {
  let skipped = 0
  const ctx: SourceContext = {
    node: `targets-check:${src.kind}`,
    runId: "targets-check",
    baseUrl,
    window: {},
    cursor: null,
    skip: () => Effect.sync(() => void skipped++),
    log: () => Effect.void,
    targets: () => [t]
  }
  return Effect.gen(function* () {
    // `details: false` keeps connectors that fetch per-job detail to their listing; schemas ignore keys they lack.
    const opts = yield* Schema.decodeUnknown(src.options)({ base_url: baseUrl, details: false }).pipe(
      Effect.mapError((e) => new Fatal({ reason: "Config", message: `${src.kind} options: ${e.message}` }))
    )
    const units = yield* src.units(opts, ctx)
    if (units.length === 0) return row(t, "error", { detail: `the ${src.kind} connector made no unit for this board` })
    let jobs = 0
    for (const unit of units) jobs += yield* Stream.runCount(unitStream(src.fetch(unit, opts, ctx)))
    return row(t, "answered", { jobs, skipped, detail: skipped > 0 ? `${skipped} record(s) skipped` : "" })
  }).pipe(
    Effect.timeoutFail({
      duration: Duration.millis(timeoutMs),
      onTimeout: () => new Fatal({ reason: "Internal", message: `no answer within ${timeoutMs} ms` })
    }),
    Effect.catchAll((e) => Effect.succeed(row(t, isDead(e) ? "dead" : "error", { skipped, detail: describe(e) }))),
    Effect.catchAllDefect((d) =>
      Effect.succeed(row(t, "error", { skipped, detail: `connector defect: ${describe(d)}` }))
    )
  )
}

export const checkTargets = (req: CheckRequest): Effect.Effect<ReadonlyArray<CheckRow>, never, Http> =>
  Effect.gen(function* () {
    const http = yield* Http
    const srcs = req.sources ?? registeredSources
    const atsKinds = new Set<string>(AtsProvider.literals)
    const baseUrlOf = (s: Source) => (req.baseUrls?.[s.kind] ?? s.defaultBaseUrl).replace(/\/+$/, "")
    for (const s of srcs) {
      if (!atsKinds.has(s.kind)) continue
      http.setHostLimits(new URL(baseUrlOf(s)).host, {
        concurrency: s.hostLimits?.concurrency ?? 8,
        perSecond: s.hostLimits?.perSecond
      })
    }
    let done = 0
    const total = req.targets.length
    return yield* Effect.forEach(
      req.targets,
      (t) => {
        const src = srcs.find((s) => s.kind === t.ats && atsKinds.has(s.kind))
        const one: Effect.Effect<CheckRow, never, Http> =
          t.ats === "unknown" || t.board == null
            ? Effect.succeed(row(t, "unknown ATS"))
            : !src
              ? Effect.succeed(
                  row(t, "no connector", { detail: `no ${t.ats} source is registered in sources/index.ts` })
                )
              : checkOne(t, src, baseUrlOf(src), req.timeoutMs ?? 60_000)
        return one.pipe(Effect.tap((r) => Effect.sync(() => req.onResult?.(r, ++done, total))))
      },
      { concurrency: req.concurrency ?? 16 }
    )
  })

export const summarize = (rows: ReadonlyArray<CheckRow>) => {
  const n = (s: CheckStatus) => rows.filter((r) => r.status === s).length
  const jobs = rows.reduce((a, r) => a + (r.jobs ?? 0), 0)
  const counts = {
    answered: n("answered"),
    dead: n("dead"),
    errors: n("error"),
    unknown: n("unknown ATS"),
    noConnector: n("no connector"),
    jobs
  }
  const line =
    `${rows.length} companies: ${counts.answered} answered (${jobs} jobs), ${counts.dead} dead, ${counts.errors} errors, ${counts.unknown} unknown` +
    (counts.noConnector > 0 ? `, ${counts.noConnector} without a registered connector` : "")
  return { ...counts, line }
}

/** `kind=url` pairs, repeated or comma-separated. Anything else is a config error naming the bad pair. */
export const parseBaseUrlFor = (values: ReadonlyArray<string>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const pair of values
    .flatMap((v) => v.split(","))
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z0-9_-]+)=(https?:\/\/\S+)$/i.exec(pair)
    if (!m) throw new Error(`--base-url-for: expected kind=http(s)://host…, got ${JSON.stringify(pair)}`)
    out[m[1]] = m[2]
  }
  return out
}

/** `--targets`, else the `targets:` of the DAG file (relative to it), else targets/companies.yaml next to it. */
export const resolveTargetsPath = (dag: string, targets: string | undefined): string => {
  if (targets !== undefined) return resolve(targets)
  if (!existsSync(dag)) throw new Error(`${dag}: the DAG file does not exist (give --dag FILE or --targets FILE)`)
  const spec = parse(readFileSync(dag, "utf8")) as { targets?: unknown } | null
  const named = spec?.targets
  if (named !== undefined && typeof named !== "string")
    throw new Error(`${dag}: targets: must be a path, got ${JSON.stringify(named)}`)
  return resolve(dirname(dag), named ?? "targets/companies.yaml")
}

const checkCommand = Command.make(
  "check",
  {
    dag: Options.text("dag").pipe(
      Options.withDefault("dag.yaml"),
      Options.withDescription("The DAG file whose targets: names the universe (default dag.yaml)")
    ),
    targets: Options.text("targets").pipe(
      Options.optional,
      Options.withDescription("The target universe YAML (overrides the DAG's targets:)")
    ),
    provider: Options.choice("provider", AtsProvider.literals).pipe(
      Options.optional,
      Options.withDescription("Only companies on this ATS")
    ),
    limit: Options.integer("limit").pipe(
      Options.optional,
      Options.withDescription("Check at most N companies (after --provider)")
    ),
    concurrency: Options.integer("concurrency").pipe(
      Options.withDefault(16),
      Options.withDescription("Boards checked at once (per-host limits still apply)")
    ),
    format: Options.choice("format", ["table", "json"]).pipe(Options.withDefault("table" as const)),
    baseUrlFor: Options.text("base-url-for").pipe(
      Options.repeated,
      Options.withDescription(
        "kind=url: send that provider's requests to url (repeatable or comma-separated), e.g. greenhouse=http://127.0.0.1:8080/greenhouse"
      )
    )
  },
  ({ dag, targets, provider, limit, concurrency, format, baseUrlFor }) =>
    Effect.gen(function* () {
      const config = yield* Effect.try({
        try: () => {
          if (concurrency < 1) throw new Error(`--concurrency must be at least 1, got ${concurrency}`)
          const lim = Option.getOrUndefined(limit)
          if (lim !== undefined && lim < 0) throw new Error(`--limit must not be negative, got ${lim}`)
          const baseUrls = parseBaseUrlFor(baseUrlFor)
          const file = resolveTargetsPath(dag, Option.getOrUndefined(targets))
          let list = loadTargets(file)
          const p = Option.getOrUndefined(provider)
          if (p) list = list.filter((t) => t.ats === p)
          if (lim !== undefined) list = list.slice(0, lim)
          return { file, list, baseUrls }
        },
        catch: (e) => (e instanceof Error ? e : new Error(String(e)))
      })
      yield* printErr(`checking ${config.list.length} companies from ${config.file}`)
      const rows = yield* checkTargets({
        targets: config.list,
        baseUrls: config.baseUrls,
        concurrency,
        onResult: (r, done, total) =>
          void process.stderr.write(
            `[${done}/${total}] ${r.company}: ${r.status}${r.jobs !== null ? ` (${r.jobs} jobs)` : ""}${r.status === "error" || r.status === "dead" ? ` — ${r.detail}` : ""}\n`
          )
      })
      const s = summarize(rows)
      yield* print(
        format === "json"
          ? JSON.stringify({ rows, summary: s }, null, 2)
          : formatTable(rows as unknown as ReadonlyArray<Record<string, unknown>>)
      )
      yield* printErr(s.line)
    }).pipe(
      Effect.provide(Http.layer({ timeoutMs: 30_000 })),
      // Only a config problem fails the command; dead and failing boards are results, not failures.
      Effect.catchAll((e) => printErr(`error: ${e.message}`).pipe(Effect.zipRight(fail(2))))
    )
).pipe(
  Command.withDescription(
    "Ask every board in the target universe whether it answers and how many jobs it lists; flag dead tokens."
  )
)

export const targetsCommand = Command.make("targets").pipe(
  Command.withDescription("Inspect the target-company universe (targets/companies.yaml)."),
  Command.withSubcommands([checkCommand])
)
