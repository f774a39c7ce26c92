import { Effect } from "effect"
import { backfillDryRunReport, runDryRunReport } from "../../app/dry-run-report.ts"
import { silentEvents, type Events } from "../events.ts"
import type { RunRequest } from "../runner.ts"
import { liveUp } from "../../sinks/up-file.ts"
import { postToUp } from "./up-client.ts"
import { fail, print, printErr } from "./shared.ts"
import { runtimeLayer } from "./runtime.ts"

/**
 * `run --dry-run` and `backfill --dry-run`: the report of app/dry-run-report.ts, computed on the warehouse file, or,
 * while `jobsignal up` owns it, by up (POST /api/cli/dry-run) with its environment, the one the run would have.
 */
export const dryRun = (db: string, build: (events: Events) => Effect.Effect<RunRequest, unknown>) =>
  Effect.gen(function* () {
    const { events: _events, ...req } = yield* build(silentEvents)
    const up = liveUp(db)
    if (!up) {
      const report = req.backfill ? backfillDryRunReport(req) : runDryRunReport(req)
      return yield* print(yield* report.pipe(Effect.provide(runtimeLayer(db))))
    }
    const answer = yield* Effect.tryPromise({
      try: () =>
        postToUp<{ text?: string; error?: string }>(up, "/api/cli/dry-run", {
          dag: req.dag.path,
          only: req.only,
          resume: req.resume,
          backfill: req.backfill,
          asOf: req.asOf
        }),
      catch: (e) => e as Error
    })
    // The command's own error (a node that is not in the DAG) reads as it does without up.
    if (answer.error !== undefined) return yield* Effect.fail(new Error(answer.error))
    yield* print(answer.text ?? "")
  }).pipe(
    Effect.catchAll((e) =>
      printErr(`error: ${(e as { message?: string }).message ?? String(e)}`).pipe(Effect.zipRight(fail(2)))
    )
  )
