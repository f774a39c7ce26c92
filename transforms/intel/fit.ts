import { Effect } from "effect"
import type { LlmTask } from "../llm/batching.ts"
import { untrustedDataRules } from "../llm/prompt.ts"
import { fitCategoryOf, fitTierOf } from "../llm/tiers.ts"
import { askAll } from "./ask.ts"
import type { Annotation } from "./candidate.ts"
import { descriptionOf, jobItem, painGist, renderStars } from "./context.ts"
import { oneCall, type LayerDef } from "./layer.ts"
import { fold } from "./rules.ts"
import { FitAnswer, jsonProps } from "./schemas.ts"

const VERSION = "fit_map-v1"

/** The user's annotation fit-signal weights (seed section 3, Layer 4). */
export const ANNOTATION_WEIGHTS = {
  relevance: { core_strength: 1.0, extremely_relevant: 0.8, relevant: 0.5, tangential: 0.2, gap: -0.5 },
  passion: { love_it: 0.3, avoid: -0.2, neutral: 0 },
  identity: { core: 0.4, not_me: -0.3, neutral: 0 }
} as const

export const MODEL_SHARE = 0.7

export interface AnnotationSignal {
  readonly score: number | null
  readonly sum: number
  readonly matched: ReadonlyArray<string>
}

/**
 * The annotation half of the fit: the weights of every annotation whose keyword the posting
 * mentions, summed and mapped onto 0–100 around a neutral 50 (tanh keeps many hits from running
 * away). No matching annotation means no signal: the model's score then stands alone.
 */
export const annotationSignal = (annotations: ReadonlyArray<Annotation>, text: string): AnnotationSignal => {
  const hay = ` ${fold(text)} `
  // A keyword also matches its plural ("health plan" in "health plans").
  const hits = annotations.filter((a) => hay.includes(` ${fold(a.keyword)} `) || hay.includes(` ${fold(a.keyword)}s `))
  const sum = hits.reduce(
    (n, a) =>
      n +
      (a.relevance ? ANNOTATION_WEIGHTS.relevance[a.relevance] : 0) +
      (a.passion ? ANNOTATION_WEIGHTS.passion[a.passion] : 0) +
      (a.identity ? ANNOTATION_WEIGHTS.identity[a.identity] : 0),
    0
  )
  return {
    score: hits.length ? Math.round(50 + 50 * Math.tanh(sum / 2)) : null,
    sum: Math.round(sum * 100) / 100,
    matched: hits.map((a) => a.keyword)
  }
}

export const blendFit = (model: number, signal: AnnotationSignal) =>
  signal.score === null ? model : Math.round(MODEL_SHARE * model + (1 - MODEL_SHARE) * signal.score)

export const fitTask = (stars: string, starIds: ReadonlySet<string>): LlmTask<FitAnswer> => ({
  name: "fit_map",
  promptVersion: VERSION,
  schemaName: "fit_map_results",
  system: `You are a senior executive recruiter with 500+ placements. For each posting, in four steps: map its pain points to the
candidate's STAR records, find gaps, judge strategic alignment, then score 0-100 (90-100 exceptional, 80-89 strong,
70-79 good, 60-69 moderate, below 60 weak). rationale: 2-3 sentences citing STAR records by id in brackets, e.g. [star-x];
every metric you mention must come from a cited STAR record. star_ids: the ids you cited. gaps: requirements the candidate lacks.

The candidate's STAR records:
${stars}
${untrustedDataRules('{"id": "<item id>", "score": <0-100>, "rationale": ..., "star_ids": [...], "gaps": [...]}')}`,
  itemSchema: FitAnswer,
  itemJsonProps: jsonProps(FitAnswer),
  outputTokensPerItem: 400,
  check: (out) => {
    const unknown = out.star_ids.filter((id) => !starIds.has(id))
    if (unknown.length) return `star_ids not among the candidate's STAR records: ${unknown.join(", ")}`
    const cited = out.star_ids.filter((id) => out.rationale.includes(id))
    return cited.length ? undefined : "the rationale cites no STAR record by id"
  }
})

/** Layer 4: the model's score blended 70/30 with the annotation signal; category and tier from the blend. */
export const fitMap: LayerDef = {
  op: "fit",
  name: "fit_map",
  reads: ["job", "extracted_jd", "pain_points", "stars", "annotations"],
  writes: ["fit_score", "fit_rationale", "fit_category", "tier", "fit_details"],
  version: VERSION,
  usesLlm: true,
  precondition: (v) =>
    v.candidate.stars.length === 0
      ? "no STAR records in profile/star-records.yaml: the rationale must cite them"
      : undefined,
  run: (v, env) =>
    Effect.gen(function* () {
      const signal = annotationSignal(v.candidate.annotations, descriptionOf(v))
      env.phase("annotations", signal)
      const jd = v.intel.extracted_jd as { qualifications?: string[]; top_keywords?: string[] } | undefined
      env.phase("model")
      const asked = yield* askAll(
        env.llm!,
        "intel.fit_map",
        fitTask(renderStars(v.candidate), new Set(v.candidate.stars.map((s) => s.id))),
        [jobItem(v, { qualifications: jd?.qualifications, top_keywords: jd?.top_keywords, pain_points: painGist(v) })]
      )
      const a = asked.results.get(v.job.id)!.out
      const score = blendFit(a.score, signal)
      return {
        values: {
          fit_score: score,
          fit_rationale: a.rationale,
          fit_category: fitCategoryOf(score),
          tier: fitTierOf(score),
          fit_details: {
            model_score: a.score,
            annotation_score: signal.score,
            annotation_sum: signal.sum,
            matched_annotations: signal.matched,
            model_share: MODEL_SHARE,
            star_ids: a.star_ids,
            gaps: a.gaps
          }
        },
        usd: asked.usd,
        model: asked.model
      }
    }),
  estimate: (v) => oneCall(4000 + Math.min(12_000, (v.job.description_text ?? "").length), 400)
}
