import { HttpMiddleware, HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { Context, Effect, Layer, Schema, Stream } from "effect"
import { randomUUID } from "node:crypto"
import { existsSync, readFileSync, statSync } from "node:fs"
import { createServer } from "node:http"
import { join, normalize, resolve, sep } from "node:path"
import { Warehouse } from "../../sinks/warehouse.ts"
import type { Http } from "../../sources/http.ts"
import { TierChoice } from "../../transforms/llm/index.ts"
import type { LoadedDag } from "../load.ts"
import { runDag, type RunRequest } from "../runner.ts"
import { newRequestToken, refuse, REQUEST_TOKEN_HEADER, type Access } from "./auth.ts"
import type { JobOpsRunner } from "./job-ops.ts"
import { BadRequest, body, needConfirm, notFound, param, search } from "./http.ts"
import { jobFilterFrom } from "./params.ts"
import { watchScheduledRuns } from "./live-runs.ts"
import { pagesRoutes, type PagesConfig } from "./pages-routes.ts"
import { costPage, dagGraph, jobDetail, jobFacets, listJobs, listRuns, runNodes, signalsPage } from "./queries.ts"
import { makeTasks, type Tasks } from "./tasks.ts"
import { cliRoutes } from "./cli-routes.ts"
import { actOnJob } from "../../transforms/queue/act.ts"
import { allSkippedReason, type OpStatus } from "../../transforms/intel/ops.ts"
import { queueAsOf } from "../../transforms/queue/store.ts"
import { uiDist } from "./ui-build.ts"

export interface ServeConfig extends Access {
  readonly port: number
  readonly dag: LoadedDag
  readonly ops: JobOpsRunner
  /** Options laid over source nodes' `with` (the demo and tests point them at the replay server). */
  readonly sourceOverrides?: RunRequest["sourceOverrides"]
  readonly distDir?: string
  /** This process runs the schedules (`jobsignal up`). */
  readonly scheduling?: boolean
  /** Fires a schedule now in this process's scheduler (`jobsignal up`): the Schedules page's "Run now". */
  readonly fire?: PagesConfig["fire"]
}

const SqlBody = Schema.Struct({
  sql: Schema.String.pipe(Schema.minLength(1)),
  params: Schema.optional(Schema.Array(Schema.Unknown)),
  write: Schema.optional(Schema.Boolean)
})

/** Statements that read: anything else needs `write` (as a read-only open of the file would refuse it). */
const READS = /^(select|with|from|values|table|show|describe|summarize|explain|pragma)\b/i

/** A read-only statement ran in a transaction that is rolled back; the rows ride out on this. */
class RolledBack {
  constructor(readonly rows: ReadonlyArray<Record<string, unknown>>) {}
}

const OpsBody = Schema.Struct({
  jobIds: Schema.Array(Schema.String).pipe(Schema.minItems(1), Schema.maxItems(200)),
  ops: Schema.Array(Schema.String).pipe(Schema.minItems(1)),
  tier: TierChoice,
  confirm: Schema.optional(Schema.Boolean)
})

const RunBody = Schema.Struct({
  mode: Schema.Literal("run", "backfill"),
  only: Schema.optional(Schema.Array(Schema.String)),
  node: Schema.optional(Schema.String),
  since: Schema.optional(Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/))),
  until: Schema.optional(Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/))),
  confirm: Schema.optional(Schema.Boolean)
})

const StatusBody = Schema.Struct({
  status: Schema.Literal("applied", "dismiss", "snooze", "interested"),
  until: Schema.optional(Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/))),
  confirm: Schema.optional(Schema.Boolean)
})

const sse = (events: Stream.Stream<{ readonly seq: number }>) =>
  HttpServerResponse.stream(
    events.pipe(
      Stream.map((e) => `id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`),
      Stream.encodeText
    ),
    { contentType: "text/event-stream", headers: { "cache-control": "no-cache", "x-accel-buffering": "no" } }
  )

/**
 * A failure the client did not cause: logged with an id, answered with the id only, so database
 * error text (SQL, file paths, values) never reaches the page.
 */
const internalError = (e: unknown) =>
  Effect.gen(function* () {
    const id = randomUUID().slice(0, 8)
    const err = e as { _tag?: string; message?: string }
    yield* Effect.logError(`dashboard API error ${id}: ${err._tag ?? "Error"}: ${err.message ?? String(e)}`)
    return yield* HttpServerResponse.json(
      { error: `internal error ${id} (details in the server log)`, id },
      { status: 500 }
    )
  })

/** The Today queue (read and act on it), signals and cost pages. */
const queueAndPages = (cfg: ServeConfig) =>
  HttpRouter.empty.pipe(
    HttpRouter.get(
      "/api/today",
      Effect.gen(function* () {
        const q = yield* search
        const asOf = q("asOf") ?? new Date().toISOString().slice(0, 10)
        if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(asOf)))
          return yield* new BadRequest({
            status: 400,
            message: `query parameter asOf: expected a day as YYYY-MM-DD, got ${JSON.stringify(asOf.slice(0, 40))}`
          })
        const limit = q("limit") ?? "50"
        if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000)
          return yield* new BadRequest({
            status: 400,
            message: `query parameter limit: expected a whole number from 1 to 1000, got ${JSON.stringify(limit.slice(0, 40))}`
          })
        const items = yield* queueAsOf(asOf, Number(limit))
        return yield* HttpServerResponse.json({ asOf, items })
      })
    ),
    HttpRouter.post(
      "/api/queue/:id/status",
      Effect.gen(function* () {
        const id = yield* param("id")
        const b = yield* body(StatusBody)
        yield* needConfirm(b, `marking job ${id} ${b.status}`)
        const r = yield* actOnJob(id, b.status, {
          until: b.until ?? null,
          at: new Date().toISOString().slice(0, 19)
        }).pipe(
          Effect.catchTag("QueueActionError", (e) =>
            Effect.fail(
              new BadRequest({ status: /not in the warehouse/.test(e.message) ? 404 : 400, message: e.message })
            )
          )
        )
        return yield* HttpServerResponse.json(r)
      })
    ),
    HttpRouter.get(
      "/api/signals",
      Effect.flatMap(signalsPage, (d) => HttpServerResponse.json(d))
    ),
    HttpRouter.get(
      "/api/cost",
      Effect.flatMap(costPage(cfg.dag), (d) => HttpServerResponse.json(d))
    )
  )
// The CLI's SQL while this process owns the warehouse (`jobsignal sql`, `runs`, `jobs`, … find it through
// <db>.up.json). Without `write` only queries are taken, and they run in a transaction that is rolled back (a
// `with … insert` changes nothing either): the same promise a read-only open of the file gives.
const sqlRoute = HttpRouter.post(
  "/api/sql",
  Effect.gen(function* () {
    const b = yield* body(SqlBody)
    if (!b.write && !READS.test(b.sql.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, "")))
      return yield* new BadRequest({
        status: 400,
        message: "the warehouse is opened read-only; pass --write to change it (a statement that is not a query)"
      })
    const w = yield* Warehouse
    const rows = b.write
      ? yield* w.queryRows(b.sql, b.params ?? [])
      : yield* w
          .transaction((tx) =>
            tx.queryRows(b.sql, b.params ?? []).pipe(Effect.flatMap((r) => Effect.fail(new RolledBack(r))))
          )
          .pipe(
            Effect.catchIf(
              (e): e is RolledBack => e instanceof RolledBack,
              (e) => Effect.succeed(e.rows)
            )
          )
    return yield* HttpServerResponse.json({ rows })
  }).pipe(
    Effect.catchTag("WarehouseError", (e) =>
      HttpServerResponse.json({ error: e.message, tag: e._tag }, { status: 400 }).pipe(Effect.orDie)
    )
  )
)

const api = (cfg: ServeConfig, tasks: Tasks, requestToken: string) =>
  HttpRouter.empty.pipe(sqlRoute).pipe(
    // The page's request token: readable only by a same-origin page (no CORS), sent back on every mutation.
    HttpRouter.get(
      "/api/session",
      HttpServerResponse.json(
        { requestToken, header: REQUEST_TOKEN_HEADER },
        { headers: { "cache-control": "no-store" } }
      )
    ),
    HttpRouter.get(
      "/api/health",
      Effect.gen(function* () {
        const w = yield* Warehouse
        return yield* HttpServerResponse.json({
          ok: true,
          warehouse: w.path,
          dag: cfg.dag.path,
          opsRunner: cfg.ops.name,
          ops: cfg.ops.ops,
          tiers: ["fast", "balanced", "quality", "auto"]
        })
      })
    ),
    HttpRouter.get(
      "/api/jobs",
      Effect.gen(function* () {
        const q = yield* search
        const filter = jobFilterFrom(q, Object.keys(yield* HttpServerRequest.ParsedSearchParams))
        if (filter._tag === "Left") return yield* new BadRequest({ status: 400, message: filter.left })
        return yield* HttpServerResponse.json(yield* listJobs(filter.right))
      })
    ),
    HttpRouter.get(
      "/api/facets",
      Effect.flatMap(jobFacets, (f) => HttpServerResponse.json(f))
    ),
    HttpRouter.get(
      "/api/jobs/:id",
      Effect.gen(function* () {
        const id = yield* param("id")
        const d = yield* jobDetail(id)
        if (!d) return yield* notFound(`job ${id}`)
        return yield* HttpServerResponse.json(d)
      })
    ),
    HttpRouter.get(
      "/api/jobs/:id/dossier",
      Effect.gen(function* () {
        const id = yield* param("id")
        const w = yield* Warehouse
        const rows = yield* w
          .query<{ dossier_path: string | null }>("select dossier_path from job_intel where job_id = $1", [id])
          .pipe(Effect.orElseSucceed(() => []))
        const file = rows[0]?.dossier_path
        // Only files the dossier layer wrote, under dossiers/ next to dag.yaml.
        const dir = cfg.dag.resolvePath("dossiers")
        if (!file || !resolve(file).startsWith(dir + sep) || !existsSync(file))
          return yield* notFound(`dossier of job ${id}`)
        return HttpServerResponse.text(readFileSync(file, "utf8"), { contentType: "text/plain; charset=utf-8" })
      })
    ),
    HttpRouter.post(
      "/api/ops/estimate",
      Effect.gen(function* () {
        const b = yield* body(OpsBody)
        const est = yield* cfg.ops.estimate(b.jobIds, b.ops, b.tier, cfg.dag)
        return yield* HttpServerResponse.json({
          ...est,
          jobs: b.jobIds.length,
          ops: b.ops,
          tier: b.tier,
          runner: cfg.ops.name
        })
      })
    ),
    HttpRouter.post(
      "/api/ops",
      Effect.gen(function* () {
        const b = yield* body(OpsBody)
        yield* needConfirm(b, "running operations")
        const unknown = b.ops.filter((o) => !cfg.ops.ops.includes(o))
        if (unknown.length)
          return yield* new BadRequest({
            status: 400,
            message: `unknown operation(s) ${unknown.join(", ")}; this server runs: ${cfg.ops.ops.join(", ")}`
          })
        const title = `${b.ops.join("+")} on ${b.jobIds.length} job(s), ${b.tier} tier`
        const info = yield* tasks.start("ops", title, (emit) =>
          Effect.gen(function* () {
            let usd = 0,
              failed = 0
            const runId = `ui-${new Date().toISOString().replace(/[-:.]/g, "").slice(0, 15)}`
            const results: Array<Partial<Record<string, OpStatus>>> = []
            const skips: string[] = []
            for (const jobId of b.jobIds) {
              emit({ type: "job_started", jobId })
              const r = yield* Effect.scoped(
                cfg.ops.run(jobId, b.ops, {
                  tier: b.tier,
                  dag: cfg.dag,
                  runId,
                  onProgress: (p) => {
                    if (p.status === "skipped" && p.message) skips.push(p.message)
                    emit({ type: "progress", ...p })
                  }
                })
              ).pipe(Effect.either)
              if (r._tag === "Right") {
                usd += r.right.usd
                results.push(r.right.results as Partial<Record<string, OpStatus>>)
                emit({ type: "job_done", jobId, usd: r.right.usd, results: r.right.results })
              } else {
                failed++
                emit({ type: "job_failed", jobId, error: String((r.left as { message?: string })?.message ?? r.left) })
              }
            }
            const skipped = failed === 0 ? allSkippedReason(results, skips) : undefined
            return { jobs: b.jobIds.length, failed, usd, ...(skipped ? { skipped } : {}) }
          })
        )
        return yield* HttpServerResponse.json(info, { status: 202 })
      })
    ),
    HttpRouter.get("/api/dag", HttpServerResponse.json(dagGraph(cfg.dag))),
    HttpRouter.get(
      "/api/runs",
      Effect.flatMap(listRuns, (rows) => HttpServerResponse.json({ runs: rows, active: tasks.running("run") ?? null }))
    ),
    HttpRouter.get(
      "/api/runs/:id",
      Effect.gen(function* () {
        const id = yield* param("id")
        const d = yield* runNodes(id)
        if (!d) return yield* notFound(`run ${id}`)
        return yield* HttpServerResponse.json(d)
      })
    ),
    HttpRouter.post(
      "/api/runs",
      Effect.gen(function* () {
        const b = yield* body(RunBody)
        yield* needConfirm(b, b.mode === "backfill" ? "a backfill" : "a DAG run")
        // One warehouse writer: a second run waits for the first to finish rather than interleaving.
        const active = tasks.running("run")
        if (active)
          return yield* new BadRequest({ status: 409, message: `run ${active.id} is still going; cancel it or wait` })
        if (b.mode === "backfill" && (!b.node || !b.since))
          return yield* new BadRequest({ status: 400, message: "a backfill needs node and since (YYYY-MM-DD)" })
        const title =
          b.mode === "backfill"
            ? `backfill ${b.node} since ${b.since}${b.until ? ` until ${b.until}` : ""}`
            : `run ${b.only?.length ? b.only.join(", ") : "all nodes"}`
        const info = yield* tasks.start("run", title, (emit) =>
          runDag({
            dag: cfg.dag,
            only: b.mode === "run" && b.only?.length ? b.only : undefined,
            backfill: b.mode === "backfill" ? { node: b.node!, since: b.since!, until: b.until } : undefined,
            sourceOverrides: cfg.sourceOverrides,
            events: { emit: (e) => emit(e) }
          }).pipe(
            Effect.map((s) => ({
              runId: s.runId,
              status: s.status,
              ms: s.ms,
              ...(s.reason ? { skipped: s.reason } : {})
            }))
          )
        )
        return yield* HttpServerResponse.json(info, { status: 202 })
      })
    ),
    // Suspended: the list as of each request (a bare json(...) here would answer the list at start-up forever).
    HttpRouter.get(
      "/api/tasks",
      Effect.suspend(() => HttpServerResponse.json({ tasks: tasks.list() }))
    ),
    HttpRouter.get(
      "/api/tasks/:id",
      Effect.gen(function* () {
        const id = yield* param("id")
        const t = tasks.get(id)
        if (!t) return yield* notFound(`task ${id}`)
        return yield* HttpServerResponse.json(t)
      })
    ),
    HttpRouter.get(
      "/api/tasks/:id/events",
      Effect.gen(function* () {
        const id = yield* param("id")
        const s = tasks.events(id)
        if (!s) return yield* notFound(`task ${id}`)
        return sse(s)
      })
    ),
    HttpRouter.post(
      "/api/tasks/:id/cancel",
      Effect.gen(function* () {
        const id = yield* param("id")
        if (!tasks.get(id)) return yield* notFound(`task ${id}`)
        return yield* HttpServerResponse.json({ cancelled: yield* tasks.cancel(id), task: tasks.get(id) })
      })
    ),
    HttpRouter.concat(queueAndPages(cfg)),
    // The pages' and the CLI's routes as one router: `pipe` takes at most 20 steps.
    HttpRouter.concat(pagesRoutes({ ...cfg, tasks }).pipe(HttpRouter.concat(cliRoutes({ dag: cfg.dag, tasks })))),
    HttpRouter.catchAll((e) => {
      const err = e as { _tag?: string; status?: number; message?: string }
      if (err._tag === "BadRequest")
        return HttpServerResponse.json({ error: err.message, tag: err._tag }, { status: err.status! }).pipe(
          Effect.orDie
        )
      if (err._tag === "RouteNotFound")
        return HttpServerResponse.json({ error: "no such API endpoint", tag: err._tag }, { status: 404 }).pipe(
          Effect.orDie
        )
      return internalError(e).pipe(Effect.orDie)
    }),
    // Defects (a throw inside a query helper) get the same treatment as failures.
    HttpRouter.catchAllCause((cause) => internalError(cause).pipe(Effect.orDie))
  )

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png"
}

/** The built front end; unknown paths get index.html (the app routes by URL hash). */
const staticFiles = (dist: string) =>
  Effect.gen(function* () {
    const req = yield* HttpServerRequest.HttpServerRequest
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^([/\\])+/, "")
    const candidate = join(dist, path)
    const file =
      candidate.startsWith(dist) && existsSync(candidate) && statSync(candidate).isFile()
        ? candidate
        : join(dist, "index.html")
    if (!existsSync(file))
      return HttpServerResponse.text("the dashboard front end is not built: run `npm run ui:build`", { status: 503 })
    const ext = file.slice(file.lastIndexOf("."))
    return yield* HttpServerResponse.file(file, {
      contentType: MIME[ext] ?? "application/octet-stream",
      headers: { "cache-control": ext === ".html" ? "no-cache" : "max-age=3600" }
    })
  }).pipe(Effect.orDie)

/** Refuses API requests the access rules do not allow (auth.ts); static files carry no data. */
const guard = (access: Access, requestToken: string) =>
  HttpMiddleware.make((app) =>
    Effect.gen(function* () {
      const req = yield* HttpServerRequest.HttpServerRequest
      const r = refuse(
        access,
        {
          method: req.method,
          headers: req.headers,
          localPort: NodeHttpServerRequest.toIncomingMessage(req).socket.localPort
        },
        requestToken
      )
      if (r && (req.url.startsWith("/api/") || r.status === 403))
        return yield* HttpServerResponse.json({ error: r.message }, { status: r.status }).pipe(Effect.orDie)
      return yield* app
    })
  )

export const makeApp = (cfg: ServeConfig) => {
  const tasks = makeTasks()
  const requestToken = newRequestToken()
  const router = api(cfg, tasks, requestToken).pipe(HttpRouter.get("*", staticFiles(cfg.distDir ?? uiDist)))
  return { app: guard(cfg, requestToken)(router), tasks, requestToken }
}

/**
 * The dashboard server as a layer: listens on cfg.host:cfg.port and serves the API and the front
 * end, needing the warehouse (opened once, by this process) and the HTTP client for DAG runs.
 */
export const serverLayer = (cfg: ServeConfig) => {
  const { app, requestToken, tasks } = makeApp(cfg)
  return {
    requestToken,
    watchRuns: watchScheduledRuns(tasks),
    tasks,
    layer: HttpServer.serve(app).pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: cfg.port, host: cfg.host }))
    )
  }
}

/** Starts the server in the current scope; resolves to its URL (port 0 picks a free port). */
export const startServer = (cfg: ServeConfig) =>
  Effect.gen(function* () {
    const { layer, requestToken, watchRuns, tasks } = serverLayer(cfg)
    const ctx = yield* Layer.build(layer.pipe(Layer.provide(HttpServer.layerContext)))
    const server = Context.get(ctx, HttpServer.HttpServer)
    const addr = server.address
    const url =
      addr._tag === "TcpAddress"
        ? `http://${addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname}:${addr.port}`
        : `unix:${addr.path}`
    return { url, requestToken, watchRuns, tasks }
  })

export type { Warehouse, Http }
