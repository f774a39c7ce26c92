import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Effect, Schema } from "effect"
import { replayQuarantine } from "../../sinks/mongo/replay.ts"
import type { LoadedDag } from "../load.ts"
import { setPaused } from "../schedule/pauses.ts"
import type { FireOptions, FireOutcome } from "../schedule/scheduler.ts"
import { triggersOf } from "../schedule/triggers.ts"
import { BadRequest, body, needConfirm, param } from "./http.ts"
import { qualityPage, schedulesPage, sourceHealthPage } from "./pages-queries.ts"
import type { Tasks } from "./tasks.ts"

/** The Schedules, Source health and Data quality pages: what they read, pause/resume and quarantine replay. */
export interface PagesConfig {
  readonly dag: LoadedDag
  /** This process runs the schedules (`jobsignal up`); `serve` only shows them. */
  readonly scheduling?: boolean
  /** Fires a trigger now in this process's scheduler (`jobsignal up`); absent in `serve`. */
  readonly fire?: (name: string, fo: FireOptions) => Promise<FireOutcome>
  readonly tasks?: Tasks
}

const Confirmed = Schema.Struct({
  confirm: Schema.optional(Schema.Boolean),
  /** Who asked, for `schedule_pauses.paused_by` (`jobsignal schedule --pause` sends cli). */
  by: Schema.optional(Schema.Literal("dashboard", "cli"))
})
const ReplayBody = Schema.Struct({
  rule: Schema.optional(Schema.String),
  node: Schema.optional(Schema.String),
  confirm: Schema.optional(Schema.Boolean)
})

const pauseRoute = (cfg: PagesConfig, paused: boolean) =>
  Effect.gen(function* () {
    const name = yield* param("name")
    const b = yield* body(Confirmed)
    if (!triggersOf(cfg.dag).some((t) => t.name === name))
      return yield* new BadRequest({ status: 404, message: `no schedule ${name} in ${cfg.dag.path}` })
    yield* needConfirm(b, `${paused ? "pausing" : "resuming"} schedule ${name}`)
    const changed = yield* setPaused(name, paused, b.by ?? "dashboard")
    return yield* HttpServerResponse.json({ trigger: name, paused, changed })
  })

/**
 * "Run now" (and `jobsignal schedule --fire NAME` while up runs): the trigger's run in the scheduler, by hand (a
 * paused trigger too, online), as a task the page and the CLI follow; cancelling the task interrupts the run.
 */
const fireRoute = (cfg: PagesConfig) =>
  Effect.gen(function* () {
    const name = yield* param("name")
    const b = yield* body(Confirmed)
    if (!triggersOf(cfg.dag).some((t) => t.name === name))
      return yield* new BadRequest({ status: 404, message: `no schedule ${name} in ${cfg.dag.path}` })
    const { fire, tasks } = cfg
    if (!fire || !tasks)
      return yield* new BadRequest({
        status: 409,
        message: "this is jobsignal serve: nothing fires here (jobsignal up runs the schedules; Runs starts a run)"
      })
    yield* needConfirm(b, `running schedule ${name} now`)
    const info = yield* tasks.start("run", `run of ${name}, fired by hand`, (emit) =>
      Effect.tryPromise({
        try: (signal) => fire(name, { manual: true, signal, watch: () => ({ emit: (e) => emit(e), end: () => {} }) }),
        catch: (e) => new Error(String(e))
      }).pipe(
        Effect.flatMap(
          (o): Effect.Effect<Record<string, unknown>, Error> =>
            o.status === "ran"
              ? Effect.succeed({ ...o.summary, ...(o.summary.reason ? { skipped: o.summary.reason } : {}) })
              : o.status === "skipped"
                ? Effect.succeed({ skipped: o.reason })
                : o.status === "failed"
                  ? Effect.fail(new Error(o.error))
                  : Effect.interrupt
        )
      )
    )
    return yield* HttpServerResponse.json(info, { status: 202 })
  })

export const pagesRoutes = (cfg: PagesConfig) =>
  HttpRouter.empty.pipe(
    HttpRouter.get(
      "/api/schedules",
      Effect.flatMap(schedulesPage(cfg.dag, cfg.scheduling === true), (d) => HttpServerResponse.json(d))
    ),
    HttpRouter.post("/api/schedules/:name/pause", pauseRoute(cfg, true)),
    HttpRouter.post("/api/schedules/:name/resume", pauseRoute(cfg, false)),
    HttpRouter.post("/api/schedules/:name/fire", fireRoute(cfg)),
    HttpRouter.get(
      "/api/source-health",
      Effect.flatMap(sourceHealthPage(cfg.dag), (d) => HttpServerResponse.json(d))
    ),
    HttpRouter.get(
      "/api/quality",
      Effect.flatMap(qualityPage(cfg.dag), (d) => HttpServerResponse.json(d))
    ),
    HttpRouter.post(
      "/api/quality/replay",
      Effect.gen(function* () {
        const b = yield* body(ReplayBody)
        yield* needConfirm(b, "replaying quarantined rows")
        // A config problem (invalid rules, a bad sink option) is the person's to fix: its message names the node.
        const r = yield* Effect.scoped(replayQuarantine({ dag: cfg.dag, rule: b.rule, node: b.node })).pipe(
          Effect.catchTag("Fatal", (e) => Effect.fail(new BadRequest({ status: 400, message: e.message })))
        )
        return yield* HttpServerResponse.json(r)
      })
    )
  )
