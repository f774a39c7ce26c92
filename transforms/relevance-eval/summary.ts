/** The demo's closing lines: the lexical figures on the labelled postings, read from the demo's own warehouse (it holds them all). */
import { Effect } from "effect"
import type { LoadedDag } from "../../pipelines/load.ts"
import { Warehouse } from "../../sinks/warehouse.ts"
import { JOB_COLUMNS } from "../job-prompt.ts"
import { loadProfile } from "../profile.ts"
import { joinLabels, loadLabels, type EvalJob } from "./labels.ts"
import { measureLexical } from "./measure.ts"

export const relevanceEvalSummary = (dag: LoadedDag) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const jobs = yield* w.query<EvalJob>(`select j.source, j.source_id, ${JOB_COLUMNS} from jobs j`)
    const { profile } = yield* loadProfile(dag)
    const joined = yield* Effect.flatMap(loadLabels(), (labels) => joinLabels(jobs, labels)).pipe(Effect.either)
    if (joined._tag === "Left") return `relevance eval skipped: ${joined.left.message}`
    const f = measureLexical(profile, joined.right.set)
    return `relevance eval on ${f.postings} hand-labelled recorded postings (${f.relevant} relevant; npm run bench -- relevance-eval, jobsignal eval relevance|fit):
  prefilter recall ${f.prefilter_recall.toFixed(2)} (target >= 0.98), pass rate ${f.prefilter_pass_rate.toFixed(3)} (target <= 0.35), lexical fit precision in top 20 ${f.fit_precision_at_20.toFixed(2)}`
  })
