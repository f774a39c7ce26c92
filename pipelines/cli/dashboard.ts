import { Options } from "@effect/cli"
import { Config, Effect, Option } from "effect"
import { sources } from "../../app/index.ts"
import { replayOverrides as overridesFor, startReplayServer } from "../../sources/replay.ts"
import { checkBind } from "../serve/auth.ts"
import { layersRunner } from "../serve/job-ops.ts"
import { startServer, type ServeConfig } from "../serve/server.ts"
import { ensureUiBuilt } from "../serve/ui-build.ts"
import type { LoadedDag } from "../load.ts"
import type { RunRequest } from "../runner.ts"

/** Where `serve` and `up` listen, and whether the runs they start replay fixtures/ (`replay` says whose runs). */
export const dashboardOptions = (replay: string) => ({
  port: Options.integer("port").pipe(
    Options.withDefault(8787),
    Options.withDescription("Port of the dashboard and API (default 8787; 0 picks a free one)")
  ),
  host: Options.text("host").pipe(
    Options.withDefault("127.0.0.1"),
    Options.withDescription("Address to bind (default 127.0.0.1); anything but loopback needs JOBSIGNAL_UI_TOKEN")
  ),
  replay: Options.boolean("replay").pipe(
    Options.withDescription(`${replay} read the recorded fixtures (offline, like npm run demo)`)
  )
})

const tokenConfig = Config.redacted("JOBSIGNAL_UI_TOKEN").pipe(Config.option)

/**
 * Replays fixtures/ for runs this process starts (offline, like npm run demo), in the current scope: each
 * source node reads its recordings, an edgar node its own watch list where recorded (the rest named on stderr).
 */
export const replayOverrides = (dag: LoadedDag) =>
  Effect.gen(function* () {
    const server = yield* Effect.acquireRelease(
      Effect.promise(() => startReplayServer(sources)),
      (s) => Effect.promise(() => s.close())
    )
    const overrides: NonNullable<RunRequest["sourceOverrides"]> = overridesFor(
      sources,
      server,
      dag.spec.nodes,
      (line) => process.stderr.write(`${line}\n`)
    )
    return overrides
  })

/**
 * The dashboard and its JSON API on host:port, in the current scope, for `serve` and `up`: checks the bind (a
 * non-loopback address needs JOBSIGNAL_UI_TOKEN), builds the front end if needed, and serves with the warehouse
 * and HTTP client of the context.
 */
export const startDashboard = (o: {
  port: number
  host: string
  dag: LoadedDag
  sourceOverrides?: RunRequest["sourceOverrides"]
  scheduling?: boolean
  fire?: ServeConfig["fire"]
}) =>
  Effect.gen(function* () {
    const token = Option.getOrUndefined(yield* tokenConfig)
    const refused = checkBind({ host: o.host, token })
    if (refused) return yield* refused
    yield* Effect.promise(() => ensureUiBuilt((s) => process.stderr.write(`${s}\n`)))
    const ops = layersRunner
    const { url, requestToken, watchRuns, tasks } = yield* startServer({
      port: o.port,
      host: o.host,
      token,
      dag: o.dag,
      ops,
      sourceOverrides: o.sourceOverrides,
      scheduling: o.scheduling,
      fire: o.fire
    })
    return { url, requestToken, watchRuns, tasks, ops: ops.name, token: token !== undefined }
  })
