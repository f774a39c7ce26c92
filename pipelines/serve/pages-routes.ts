import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Effect, Schema } from "effect"
import { replayQuarantine } from "../../sinks/mongo/replay.ts"
import type { LoadedDag } from "../load.ts"
import { setPaused } from "../schedule/pauses.ts"
import { triggersOf } from "../schedule/triggers.ts"
import { BadRequest, body, needConfirm, param } from "./http.ts"
import { qualityPage, schedulesPage, sourceHealthPage } from "./pages-queries.ts"

/** The Schedules, Source health and Data quality pages: what they read, pause/resume and quarantine replay. */
export interface PagesConfig {
  readonly dag: LoadedDag
  /** This process runs the schedules (`jobsignal up`); `serve` only shows them. */
  readonly scheduling?: boolean
}

const Confirmed = Schema.Struct({ confirm: Schema.optional(Schema.Boolean) })
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
    const changed = yield* setPaused(name, paused, "dashboard")
    return yield* HttpServerResponse.json({ trigger: name, paused, changed })
  })

export const pagesRoutes = (cfg: PagesConfig) =>
  HttpRouter.empty.pipe(
    HttpRouter.get(
      "/api/schedules",
      Effect.flatMap(schedulesPage(cfg.dag, cfg.scheduling === true), (d) => HttpServerResponse.json(d))
    ),
    HttpRouter.post("/api/schedules/:name/pause", pauseRoute(cfg, true)),
    HttpRouter.post("/api/schedules/:name/resume", pauseRoute(cfg, false)),
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
