import { Chunk, Duration, Effect, Fiber, Queue, Schema, Stream } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { parse } from "yaml"
import { DEFAULT_HOST_CONCURRENCY, Http } from "../sources/http.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { type BoardCheck, type BoardStatus, boardChecks, recordBoardChecks } from "../sinks/board-checks.ts"
import { sources as registeredSources } from "./sources.ts"
import { type Source, type SourceContext, unitStream } from "../sources/source.ts"
import type { Target } from "../targets/universe.ts"
import { AtsProvider } from "./composition.ts"
import { describe, Fatal, type SourceError } from "../core/errors.ts"
import { interleaveByGroup } from "../core/interleave.ts"

/**
 * `jobsignal targets check` (its command is pipelines/cli/targets.ts; `jobsignal up` runs it as a task): asks each
 * board in the target universe, through that provider's own source connector, whether it answers and how many jobs it lists. A dead token (404/410) is told
 * apart from a board that failed for another reason (blocked, timed out, a body that is not JSON).
 */

export type CheckStatus = BoardStatus | "unknown ATS" | "no connector"

export interface CheckRow {
  readonly company: string
  readonly ats: string
  readonly board: string
  readonly status: CheckStatus
  readonly jobs: number | null
  /** Records the connector skipped (counted, never silently dropped). */
  readonly skipped: number
  readonly detail: string
  /** When the board was asked (ISO 8601); a resumed check reports the recorded one. */
  readonly checked_at: string
  /** The connector's unit key for the board (what board_checks and the ATS nodes match on). */
  readonly unit_key: string
}

export interface CheckRequest {
  readonly targets: ReadonlyArray<Target>
  readonly sources?: ReadonlyArray<Source>
  /** Source kind → base URL, overriding the connector's default (a proxy, a mirror, the replay server). */
  readonly baseUrls?: Readonly<Record<string, string>>
  readonly concurrency?: number
  /** Requests in flight per real host (default 6: 20 at once made live Lever boards look dead, see issue 17). */
  readonly perHost?: number
  /** Requests per second per host, over each connector's declared pacing (a mirror or a bench that allows more). */
  readonly perSecond?: number
  readonly timeoutMs?: number
  readonly onResult?: (row: CheckRow, done: number, total: number) => void
  /** A board's recorded check, when fresh enough not to ask again (a resumed check). */
  readonly previous?: (ats: string, unitKey: string) => CheckRow | undefined
  /** Called as each board's answer comes (the CLI writes it to board_checks: the checkpoint). */
  readonly record?: (row: CheckRow) => Effect.Effect<void>
}

/** The unit key a connector gives this board (sources/boards.ts tokens; Workday `tenant.instance/site`). */
export const unitKeyOf = (b: Target["board"]): string =>
  b == null ? "" : typeof b === "string" ? b : `${b.tenant}.${b.instance}/${b.site}`

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
  checked_at: new Date().toISOString(),
  unit_key: unitKeyOf(t.board),
  ...rest
})

/** What a failure says about the board: gone (404/410), moved (a refused redirect), refusing us, or unknown. */
const statusOf = (e: SourceError): BoardStatus =>
  e._tag === "Skippable" && e.reason === "NotFound"
    ? "dead"
    : e._tag === "Skippable" && e.reason === "BadRedirect"
      ? "moved"
      : (e._tag === "Skippable" && e.reason === "Blocked") ||
          (e._tag === "Fatal" && e.reason === "Auth") ||
          (e._tag === "Retriable" && e.reason === "RateLimited")
        ? "blocked"
        : "error"

// Decoded once per connector and base URL: a check of 20,000 boards decoded them 20,000 times (bench/universe-fanout).
const decodedOptions = new WeakMap<Source, Map<string, unknown>>()

/** `details: false` keeps connectors that fetch per-job detail to their listing; schemas ignore keys they lack. */
const checkOptions = (src: Source, baseUrl: string): Effect.Effect<unknown, Fatal> => {
  const byUrl = decodedOptions.get(src) ?? new Map<string, unknown>()
  decodedOptions.set(src, byUrl)
  if (byUrl.has(baseUrl)) return Effect.succeed(byUrl.get(baseUrl))
  return Schema.decodeUnknown(src.options)({ base_url: baseUrl, details: false }).pipe(
    Effect.tap((o) => Effect.sync(() => byUrl.set(baseUrl, o))),
    Effect.mapError((e) => new Fatal({ reason: "Config", message: `${src.kind} options: ${e.message}` }))
  )
}

/** One board through its connector: units for this one company, every unit's records counted. */
export const checkOne = (
  t: Target,
  src: Source,
  baseUrl: string,
  timeoutMs: number
): Effect.Effect<CheckRow, never, Http> => {
  let skipped = 0
  // The first answer that came from another URL than asked (the client follows redirects): the board moved there.
  let movedTo: string | null = null
  const sansQuery = (u: string) => u.replace(/[?#].*$/, "").replace(/\/+$/, "")
  const watching = Effect.map(Http, (http) => ({
    ...http,
    request: (req: Parameters<typeof http.request>[0]) =>
      http.request(req).pipe(
        Effect.tap((res) =>
          Effect.sync(() => {
            if (movedTo === null && sansQuery(res.url) !== sansQuery(req.url)) movedTo = res.url
          })
        )
      )
  }))
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
    const opts = yield* checkOptions(src, baseUrl)
    const units = yield* src.units(opts, ctx)
    if (units.length === 0) return row(t, "error", { detail: `the ${src.kind} connector made no unit for this board` })
    let jobs = 0
    for (const unit of units) jobs += yield* Stream.runCount(unitStream(src.fetch(unit, opts, ctx)))
    const notes = [
      ...(movedTo ? [`redirected to ${movedTo}`] : []),
      ...(skipped > 0 ? [`${skipped} record(s) skipped`] : [])
    ]
    return row(t, movedTo ? "moved" : "alive", {
      jobs,
      skipped,
      detail: notes.join("; "),
      unit_key: units.length === 1 ? units[0].key : unitKeyOf(t.board)
    })
  }).pipe(
    Effect.timeoutFail({
      duration: Duration.millis(timeoutMs),
      onTimeout: () => new Fatal({ reason: "Internal", message: `no answer within ${timeoutMs} ms` })
    }),
    Effect.provideServiceEffect(Http, watching),
    Effect.catchAll((e) => Effect.succeed(row(t, statusOf(e), { skipped, detail: describe(e) }))),
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
      // The check walks thousands of boards on one host: politeness over the connector's own (higher) fetch limit.
      http.setHostLimits(new URL(baseUrlOf(s)).host, {
        concurrency: Math.min(req.perHost ?? DEFAULT_HOST_CONCURRENCY, s.hostLimits?.concurrency ?? Infinity),
        perSecond: req.perSecond ?? s.hostLimits?.perSecond
      })
    }
    let done = 0
    const total = req.targets.length
    // Providers are worked through side by side: the universe lists them one after another.
    const order = interleaveByGroup(req.targets, (t) => t.ats)
    const out = new Array<CheckRow>(total)
    yield* Effect.forEach(
      order,
      (i) => {
        const t = req.targets[i]
        const src = srcs.find((s) => s.kind === t.ats && atsKinds.has(s.kind))
        const before = t.board != null ? req.previous?.(t.ats, unitKeyOf(t.board)) : undefined
        const one: Effect.Effect<CheckRow, never, Http> =
          t.ats === "unknown" || t.board == null
            ? Effect.succeed(row(t, "unknown ATS"))
            : !src
              ? Effect.succeed(
                  row(t, "no connector", { detail: `no ${t.ats} source is registered in sources/index.ts` })
                )
              : before
                ? Effect.succeed({ ...before, company: t.name })
                : checkOne(t, src, baseUrlOf(src), req.timeoutMs ?? 60_000).pipe(
                    Effect.tap((r) => req.record?.(r) ?? Effect.void)
                  )
        return one.pipe(
          Effect.tap((r) =>
            Effect.sync(() => {
              out[i] = r
              req.onResult?.(r, ++done, total)
            })
          )
        )
      },
      { concurrency: req.concurrency ?? 16, discard: true }
    )
    return out
  })

/**
 * `checkTargets` with its checkpoint in the warehouse: answers are written to board_checks as they come (by one
 * writer, in batches of whatever arrived while the last insert ran), and a board checked within `freshHours` is
 * reported from there without a request, so a killed check resumes, losing at most the batch being written.
 */
export const checkAndRecord = (req: CheckRequest, freshHours: number) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const recorded = yield* boardChecks(w)
    const since = Date.now() - freshHours * 3_600_000
    const answers = yield* Queue.unbounded<BoardCheck | null>()
    const writer = yield* Effect.fork(
      Effect.suspend(function drain(): Effect.Effect<void> {
        return Effect.flatMap(Queue.takeBetween(answers, 1, 500), (chunk) => {
          const got = Chunk.toReadonlyArray(chunk)
          const checks = got.filter((c): c is BoardCheck => c !== null)
          const write = recordBoardChecks(w, checks).pipe(Effect.orDie)
          return got.includes(null) ? write : Effect.zipRight(write, drain())
        })
      })
    )
    const rows = yield* checkTargets({
      ...req,
      previous: (ats, key) => {
        const r = recorded.get(`${ats} ${key}`)
        if (!r || freshHours === 0 || Date.parse(r.checked_at) < since) return undefined
        return {
          company: r.company ?? "",
          ats,
          board: r.board,
          status: r.status,
          jobs: r.jobs,
          skipped: 0,
          detail: `recorded ${r.checked_at}${r.detail ? `: ${r.detail}` : ""}`,
          checked_at: r.checked_at,
          unit_key: key
        }
      },
      record: (row) =>
        row.status === "unknown ATS" || row.status === "no connector"
          ? Effect.void
          : Queue.offer(answers, {
              source: row.ats,
              unit_key: row.unit_key,
              board: row.board,
              company: row.company,
              status: row.status,
              jobs: row.jobs,
              detail: row.detail.slice(0, 500),
              checked_at: row.checked_at
            })
    })
    yield* Queue.offer(answers, null)
    yield* Fiber.join(writer)
    return rows
  })

/** The line `targets check` prints on stderr as each board answers ("[3/40] Acme: dead — 404"). */
export const progressLine = (r: CheckRow, done: number, total: number) =>
  `[${done}/${total}] ${r.company}: ${r.status}${r.jobs !== null ? ` (${r.jobs} jobs)` : ""}${r.status !== "alive" && r.detail ? ` — ${r.detail}` : ""}`

export const summarize = (rows: ReadonlyArray<CheckRow>) => {
  const n = (s: CheckStatus) => rows.filter((r) => r.status === s).length
  const jobs = rows.reduce((a, r) => a + (r.jobs ?? 0), 0)
  const counts = {
    alive: n("alive"),
    dead: n("dead"),
    moved: n("moved"),
    blocked: n("blocked"),
    errors: n("error"),
    unknown: n("unknown ATS"),
    noConnector: n("no connector"),
    jobs
  }
  const line =
    `${rows.length} companies: ${counts.alive} alive (${jobs} jobs), ${counts.dead} dead, ${counts.moved} moved, ${counts.blocked} blocked, ${counts.errors} errors, ${counts.unknown} unknown` +
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
