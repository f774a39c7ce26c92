import { Command } from "@effect/cli"
import { Effect } from "effect"
import { liveUp, publishUp } from "../../sinks/up-file.ts"
import { besideUp } from "./up-client.ts"
import { dashboardOptions, replayOverrides, startDashboard } from "./dashboard.ts"
import { dagOption, dbOption, fail, printErr } from "./shared.ts"
import { loadDagEffect } from "./load-dag.ts"
import { runtimeLayer } from "./runtime.ts"

export const serveCommand = Command.make(
  "serve",
  {
    ...dashboardOptions("Runs started from the dashboard"),
    dag: dagOption,
    db: dbOption
  },
  ({ port, host, replay, dag, db }) =>
    Effect.gen(function* () {
      const up = liveUp(db)
      if (up)
        return yield* Effect.fail(
          besideUp(
            up,
            db,
            "jobsignal serve",
            `already serves the dashboard and its API: open ${up.url}/, or stop it first`
          )
        )
      const d = yield* loadDagEffect(dag)
      const sourceOverrides = replay ? yield* replayOverrides(d) : undefined
      // The warehouse stays open for the server's whole life: this process is its one writer.
      return yield* Effect.gen(function* () {
        const s = yield* startDashboard({ port, host, dag: d, sourceOverrides })
        yield* publishUp(db, { pid: process.pid, url: s.url, requestToken: s.requestToken })
        yield* printErr(
          `jobsignal dashboard on ${s.url}/ — warehouse ${db}${replay ? ", runs replay fixtures/" : ""}; operations: ${s.ops}${s.token ? "; API needs the token" : ""}. Ctrl-C stops it.`
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
