import { Effect } from "effect"
import type { Warehouse } from "../sinks/warehouse.ts"
import { loadDag, type LoadedDag } from "../pipelines/load.ts"
import { loadProfile } from "../transforms/profile.ts"
import { joinLabels, loadLabels, LABELS_FILE } from "../transforms/relevance-eval/labels.ts"
import { evaluateWithModel } from "../transforms/relevance-eval/model.ts"
import type { TierChoice } from "../transforms/llm/index.ts"
import { EVAL_DAG, loadRecordedJobs } from "./eval-set.ts"
import { kinds } from "./composition.ts"

export interface EvalAsk {
  readonly what: "relevance" | "fit"
  readonly tier?: TierChoice
}

/**
 * `jobsignal eval relevance|fit`: the hand-labelled set rebuilt from the recordings, through the configured model on
 * the nodes' budgeted path (ledger rows in the warehouse of the context); `say` gets the lines the CLI prints on
 * stderr. The CLI runs it on the file, or `jobsignal up` as a task while it owns the file.
 */
export const runEval = (loaded: LoadedDag, ask: EvalAsk, say: (line: string) => void) =>
  Effect.gen(function* () {
    const { profile, hash } = yield* loadProfile(loaded)
    const labelledFor = yield* loadProfile(loadDag(EVAL_DAG, kinds))
    if (labelledFor.hash !== hash)
      say(
        `eval: warning: ${LABELS_FILE} was labelled for ${labelledFor.path}; your profile (${loaded.resolvePath(loaded.spec.profile ?? "profile.yaml")}) differs, so the figures say how well the scorer finds that candidate's jobs, not yours`
      )
    say("eval: rebuilding the labelled postings from the recordings in fixtures/ (replay server, job sources, dedupe)")
    const jobs = yield* loadRecordedJobs()
    const { set, unlabelled } = yield* Effect.flatMap(loadLabels(), (labels) => joinLabels(jobs, labels))
    if (unlabelled > 0) say(`eval: ${unlabelled} recorded posting(s) have no label and are left out`)
    const runId = `eval-${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "")}`
    const figures = yield* evaluateWithModel({
      kind: ask.what,
      dag: loaded,
      profile,
      profileHash: hash,
      set,
      tier: ask.tier,
      runId
    })
    return { figures, runId }
  }) satisfies Effect.Effect<unknown, unknown, Warehouse>
