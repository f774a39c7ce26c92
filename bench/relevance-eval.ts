/**
 * The lexical scorer on the hand-labelled relevance set (fixtures/relevance-eval/): does the free
 * prefilter keep every job the person wants (recall), how much does it let through (pass rate), and
 * how many of the lexical fit's top 20 are jobs the person wants.
 */
import { Effect } from "effect"
import { loadProfile } from "../transforms/profile.ts"
import { loadDag } from "../pipelines/load.ts"
import { kinds } from "../app/index.ts"
import { EVAL_DAG, loadRecordedJobs } from "../app/eval-set.ts"
import { joinLabels, loadLabels } from "../transforms/relevance-eval/labels.ts"
import { measureLexical } from "../transforms/relevance-eval/measure.ts"
import type { BenchCase } from "./index.ts"

export const bench: BenchCase = {
  name: "relevance-eval",
  run: async () => {
    const jobs = await Effect.runPromise(loadRecordedJobs())
    const { set, unlabelled } = await Effect.runPromise(
      Effect.flatMap(loadLabels(), (labels) => joinLabels(jobs, labels))
    )
    const { profile } = await Effect.runPromise(loadProfile(loadDag(EVAL_DAG, kinds)))
    const f = measureLexical(profile, set)
    for (const d of f.prefilter_dropped) process.stdout.write(`  dropped by the prefilter: ${d}\n`)
    for (const t of f.fit_top_20) process.stdout.write(`  fit top 20: ${t}\n`)
    return {
      "labelled postings": f.postings,
      "labelled relevant": f.relevant,
      "recorded postings without a label": unlabelled,
      "prefilter recall (target >= 0.98)": f.prefilter_recall,
      "prefilter pass rate (target <= 0.35)": f.prefilter_pass_rate,
      "lexical relevance precision": f.relevance.precision,
      "lexical relevance recall": f.relevance.recall,
      "lexical fit precision in top 20": f.fit_precision_at_20
    }
  }
}
