/**
 * The labelled relevance set's postings (fixtures/relevance-eval/), rebuilt from the recordings: the job sources of the default
 * DAG read fixtures/ through the replay server and dedupe folds them into canonical `jobs`, exactly as
 * `npm run demo` does. The labels file keeps only ids; the text always comes from the recordings.
 */
import { Effect } from "effect"
import { join } from "node:path"
import { silentEvents } from "../pipelines/events.ts"
import { loadDag } from "../pipelines/load.ts"
import { runDag } from "../pipelines/runner.ts"
import { kinds, migrations, sources } from "./index.ts"
import { startReplayServer } from "../sources/replay.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { Http } from "../sources/http.ts"
import { JOB_COLUMNS } from "../transforms/job-prompt.ts"
import type { EvalJob } from "../transforms/relevance-eval/labels.ts"

/** The DAG whose source options the labels were taken from (the repo's default). */
export const EVAL_DAG = join(import.meta.dirname, "..", "dag.yaml")

/** Runs the default DAG's job sources + dedupe on the recordings into the warehouse in context; returns the jobs. */
export const recordedJobs = () =>
  Effect.gen(function* () {
    const dag = loadDag(EVAL_DAG, kinds)
    const replay = yield* Effect.acquireRelease(
      Effect.promise(() => startReplayServer(sources)),
      (r) => Effect.promise(() => r.close())
    )
    const byKind = new Map(sources.map((s) => [s.kind, s]))
    const summary = yield* runDag({
      dag,
      only: ["dedupe"],
      events: silentEvents,
      sourceOverrides: (kind) => {
        const src = byKind.get(kind)
        return src ? { ...src.replayOptions, base_url: replay.baseUrlFor(kind) } : undefined
      }
    })
    const dedupe = summary.nodes.find((n) => n.node === "dedupe")
    if (dedupe?.status !== "success")
      return yield* Effect.die(
        new Error(
          `relevance eval: replaying the recordings failed (dedupe ${dedupe?.status ?? "not run"}: ${dedupe?.error ?? ""})`
        )
      )
    const w = yield* Warehouse
    return yield* w.query<EvalJob>(
      `select j.source, j.source_id, ${JOB_COLUMNS} from jobs j order by j.source, j.source_id`
    )
  })

/** The recorded jobs in a throwaway in-memory warehouse. */
export const loadRecordedJobs = () =>
  Effect.scoped(recordedJobs()).pipe(
    Effect.provide(Warehouse.layer({ path: ":memory:", migrations })),
    Effect.provide(Http.layer({ timeoutMs: 30_000 }))
  )
