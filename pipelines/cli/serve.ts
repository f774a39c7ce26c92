import { Command, Options } from "@effect/cli"
import { Config, Effect, Option } from "effect"
import { sources } from "../../app/index.ts"
import { replayOverrides, startReplayServer } from "../../sources/replay.ts"
import { checkBind } from "../serve/auth.ts"
import { layersRunner } from "../serve/job-ops.ts"
import { startServer } from "../serve/server.ts"
import { ensureUiBuilt } from "../serve/ui-build.ts"
import { dagOption, dbOption, fail, printErr } from "./shared.ts"
import { loadDagEffect } from "./load-dag.ts"
import { runtimeLayer } from "./runtime.ts"

const tokenConfig = Config.redacted("JOBSIGNAL_UI_TOKEN").pipe(Config.option)

export const serveCommand = Command.make(
  "serve",
  {
    port: Options.integer("port").pipe(
      Options.withDefault(8787),
      Options.withDescription("Port to listen on (default 8787; 0 picks a free one)")
    ),
    host: Options.text("host").pipe(
      Options.withDefault("127.0.0.1"),
      Options.withDescription("Address to bind (default 127.0.0.1); anything but loopback needs JOBSIGNAL_UI_TOKEN")
    ),
    replay: Options.boolean("replay").pipe(
      Options.withDescription("Runs started from the dashboard read the recorded fixtures (offline, like npm run demo)")
    ),
    dag: dagOption,
    db: dbOption
  },
  ({ port, host, replay, dag, db }) =>
    Effect.gen(function* () {
      const token = Option.getOrUndefined(yield* tokenConfig)
      const refused = checkBind({ host, token })
      if (refused) return yield* refused
      const d = yield* loadDagEffect(dag)
      yield* Effect.promise(() => ensureUiBuilt((s) => process.stderr.write(`${s}\n`)))
      const ops = layersRunner
      let sourceOverrides: ((kind: string) => Record<string, unknown> | undefined) | undefined
      if (replay) {
        const server = yield* Effect.acquireRelease(
          Effect.promise(() => startReplayServer(sources)),
          (s) => Effect.promise(() => s.close())
        )
        sourceOverrides = replayOverrides(sources, server, d.spec.nodes, (line) => process.stderr.write(`${line}\n`))
      }
      // The warehouse stays open for the server's whole life: this process is its one writer.
      return yield* Effect.gen(function* () {
        const { url } = yield* startServer({ port, host, token, dag: d, ops, sourceOverrides })
        yield* printErr(
          `jobsignal dashboard on ${url}/ — warehouse ${db}${replay ? ", runs replay fixtures/" : ""}; operations: ${ops.name}${token ? "; API needs the token" : ""}. Ctrl-C stops it.`
        )
        return yield* Effect.never
      }).pipe(Effect.provide(runtimeLayer(db)))
    }).pipe(
      Effect.scoped,
      Effect.catchAll((e) =>
        printErr(`error: ${(e as { message?: string }).message ?? String(e)}`).pipe(Effect.zipRight(fail(2)))
      )
    )
).pipe(
  Command.withDescription(
    "Serve the dashboard (jobs, job detail with operations, runs, signals, cost) and its JSON API; this process owns the warehouse."
  )
)
