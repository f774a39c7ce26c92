/** Precision and recall of the scorers on the labelled set: the free lexical path, and whatever model is configured. */
import { lexicalScore, prefilter } from "../lexical.ts"
import type { Profile } from "../profile.ts"
import type { LabelledJob } from "./labels.ts"

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b)

export interface Confusion {
  readonly tp: number
  readonly fp: number
  readonly fn: number
  readonly precision: number
  readonly recall: number
}

/** Precision and recall of a yes/no prediction against the labels (no prediction: 1, the way an empty set is). */
export const confusion = (set: ReadonlyArray<LabelledJob>, predicted: (x: LabelledJob) => boolean): Confusion => {
  let tp = 0,
    fp = 0,
    fn = 0
  for (const x of set) {
    const p = predicted(x)
    if (p && x.label.relevant) tp++
    else if (p) fp++
    else if (x.label.relevant) fn++
  }
  return { tp, fp, fn, precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn) }
}

const describe = (x: LabelledJob) =>
  `${x.label.source}:${x.label.source_id.slice(0, 60)} "${x.job.title.slice(0, 60)}" @ ${x.job.company.slice(0, 40)}`

/** Precision among the top `n` by score (fewer when fewer were scored), and the ranked list to read. */
export const precisionAtN = (ranked: ReadonlyArray<{ x: LabelledJob; score: number }>, n: number) => {
  const top = [...ranked].sort((a, b) => b.score - a.score || a.x.job.id.localeCompare(b.x.job.id)).slice(0, n)
  return {
    precision: ratio(top.filter((r) => r.x.label.relevant).length, top.length),
    top: top.map((r) => `${r.score} ${r.x.label.relevant ? "relevant" : "-"} ${describe(r.x)}`)
  }
}

export interface LexicalFigures {
  readonly postings: number
  readonly relevant: number
  readonly prefilter_recall: number
  readonly prefilter_pass_rate: number
  /** Relevant postings the prefilter rejected, with its reason: the misses a person would never see. */
  readonly prefilter_dropped: ReadonlyArray<string>
  readonly relevance: Confusion
  readonly fit_precision_at_20: number
  readonly fit_top_20: ReadonlyArray<string>
}

/**
 * The lexical path as the nodes run it without a key: the prefilter, then relevant = lexical score
 * ≥ `minScore` (the relevance node's `min_lexical_score`), then fit ranks the survivors by that score.
 */
export const measureLexical = (profile: Profile, set: ReadonlyArray<LabelledJob>, minScore = 45): LexicalFigures => {
  const judged = set.map((x) => ({ x, pf: prefilter(profile, x.job), ls: lexicalScore(profile, x.job) }))
  const passed = judged.filter((r) => r.pf.pass)
  const relevant = set.filter((x) => x.label.relevant)
  return {
    postings: set.length,
    relevant: relevant.length,
    prefilter_recall: ratio(passed.filter((r) => r.x.label.relevant).length, relevant.length),
    prefilter_pass_rate: ratio(passed.length, set.length),
    prefilter_dropped: judged
      .filter((r) => r.x.label.relevant && !r.pf.pass)
      .map((r) => `${describe(r.x)}: ${r.pf.reason}`),
    relevance: confusion(set, (x) => {
      const r = judged.find((j) => j.x === x)!
      return r.pf.pass && r.ls.score >= minScore
    }),
    ...(() => {
      const p = precisionAtN(
        passed.map((r) => ({ x: r.x, score: r.ls.score })),
        20
      )
      return { fit_precision_at_20: p.precision, fit_top_20: p.top }
    })()
  }
}
