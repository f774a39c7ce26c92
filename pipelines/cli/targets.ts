import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { resolve } from "node:path"
import { DEFAULT_HOST_CONCURRENCY, Http } from "../../sources/http.ts"
import { Warehouse } from "../../sinks/warehouse.ts"
import { AtsProvider, migrations } from "../../app/index.ts"
import {
  type CheckRequest,
  type CheckRow,
  checkAndRecord,
  parseBaseUrlFor,
  progressLine,
  resolveTargetsPath,
  summarize
} from "../../app/board-check.ts"
import { liveUp, type UpInfo } from "../../sinks/up-file.ts"
import { taskInUp } from "./up-client.ts"
import { loadTargets } from "../../targets/universe.ts"
import { formatTable } from "../console.ts"
import { dbOption, fail, print, printErr } from "./shared.ts"

const checkInUp = (up: UpInfo, check: CheckRequest, freshHours: number) =>
  Effect.gen(function* () {
    const end = yield* taskInUp(
      up,
      "/api/cli/targets-check",
      {
        targets: check.targets,
        baseUrls: check.baseUrls,
        concurrency: check.concurrency,
        perHost: check.perHost,
        freshHours
      },
      (e) => {
        if (e.type === "board") void process.stderr.write(`${String(e.line)}\n`)
      }
    )
    if (end.status !== "done")
      return yield* Effect.fail(new Error(end.error ?? `the check was ${end.status} in jobsignal up (pid ${up.pid})`))
    return end.result as ReadonlyArray<CheckRow>
  })

const checkCommand = Command.make(
  "check",
  {
    dag: Options.text("dag").pipe(
      Options.withDefault("dag.yaml"),
      Options.withDescription("The DAG file whose targets: names the list to check (default dag.yaml)")
    ),
    targets: Options.text("targets").pipe(
      Options.optional,
      Options.withDescription(
        "The targets file, YAML or JSON (overrides the DAG's targets:; targets/universe.json for all)"
      )
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
    perHost: Options.integer("per-host").pipe(
      Options.withDefault(DEFAULT_HOST_CONCURRENCY),
      Options.withDescription("Requests in flight per ATS host (default 6)")
    ),
    freshHours: Options.integer("fresh-hours").pipe(
      Options.withDefault(24),
      Options.withDescription(
        "A board checked less than this many hours ago is not asked again (a killed check resumes); 0 asks every board"
      )
    ),
    db: dbOption,
    format: Options.choice("format", ["table", "json"]).pipe(Options.withDefault("table" as const)),
    baseUrlFor: Options.text("base-url-for").pipe(
      Options.repeated,
      Options.withDescription(
        "kind=url: send that provider's requests to url (repeatable or comma-separated), e.g. greenhouse=http://127.0.0.1:8080/greenhouse"
      )
    )
  },
  ({ dag, targets, provider, limit, concurrency, perHost, freshHours, db, format, baseUrlFor }) =>
    Effect.gen(function* () {
      const config = yield* Effect.try({
        try: () => {
          if (concurrency < 1) throw new Error(`--concurrency must be at least 1, got ${concurrency}`)
          if (perHost < 1) throw new Error(`--per-host must be at least 1, got ${perHost}`)
          if (freshHours < 0) throw new Error(`--fresh-hours must not be negative, got ${freshHours}`)
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
      const check = {
        targets: config.list,
        baseUrls: config.baseUrls,
        concurrency,
        perHost,
        onResult: (r: CheckRow, done: number, total: number) =>
          void process.stderr.write(`${progressLine(r, done, total)}\n`)
      }
      // While jobsignal up owns the warehouse, the check runs there (it records board_checks), its lines streamed here.
      const up = liveUp(resolve(db))
      const rows = up
        ? yield* checkInUp(up, check, freshHours)
        : yield* checkAndRecord(check, freshHours).pipe(
            Effect.provide(Warehouse.layer({ path: resolve(db), migrations }))
          )
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
    "Ask every board whether it is alive (with its job count), dead, moved or blocked; record it in board_checks."
  )
)

export { checkCommand }
