import { Effect } from "effect"
import type { LlmTask } from "../llm/batching.ts"
import { untrustedDataRules } from "../llm/prompt.ts"
import { askAll } from "./ask.ts"
import { descriptionOf, jobItem } from "./context.ts"
import { oneCall, type LayerDef } from "./layer.ts"
import { quotedIn } from "./rules.ts"
import { PainAnswer, jsonProps } from "./schemas.ts"

const VERSION = "pain_points-v1"

export const painTask = (posting: string): LlmTask<PainAnswer> => ({
  name: "pain_points",
  promptVersion: VERSION,
  schemaName: "pain_points_results",
  system: `You are a revenue-operations diagnostician with 15 years of analysing why companies hire.
For each posting find four dimensions, separating symptoms from root causes:
pain_points (2-6), strategic_needs (2-5), risks_if_unfilled (2-5), success_metrics (2-6).
Each item: text (specific to this company and role), evidence (a phrase of 3-25 words copied verbatim from the posting),
confidence (high: stated outright; medium: strongly implied; low: inferred).
Never write generic traits such as "team player" or "strong communication": they are rejected.
why_now: the trigger for hiring now, or null when the posting gives none. reasoning_summary: 1-3 sentences.
${untrustedDataRules('{"id": "<item id>", "pain_points": [{"text": ..., "evidence": ..., "confidence": ...}], "strategic_needs": [...], "risks_if_unfilled": [...], "success_metrics": [...], "why_now": ..., "reasoning_summary": ...}')}`,
  itemSchema: PainAnswer,
  itemJsonProps: jsonProps(PainAnswer),
  outputTokensPerItem: 1200,
  check: (out) => {
    const all = [...out.pain_points, ...out.strategic_needs, ...out.risks_if_unfilled, ...out.success_metrics]
    const unquoted = all.filter((i) => !quotedIn(i.evidence, posting))
    return unquoted.length
      ? `evidence not found verbatim in the posting: ${unquoted
          .slice(0, 3)
          .map((i) => JSON.stringify(i.evidence.slice(0, 60)))
          .join(", ")}`
      : undefined
  }
})

/** Layer 2: four dimensions with evidence quotes checked against the posting; boilerplate rejected by schema. */
export const painPoints: LayerDef = {
  op: "pain",
  name: "pain_points",
  reads: ["job", "extracted_jd"],
  writes: ["pain_points", "strategic_needs", "risks_if_unfilled", "success_metrics", "why_now", "pain_reasoning"],
  version: VERSION,
  usesLlm: true,
  precondition: (v) =>
    (v.job.description_text ?? "").trim().length < 40 ? "the posting has no description to mine" : undefined,
  run: (v, env) =>
    Effect.gen(function* () {
      const jd = v.intel.extracted_jd as { implied_pain_points?: string[]; success_metrics?: string[] } | undefined
      env.phase("model")
      const asked = yield* askAll(env.llm!, "intel.pain_points", painTask(descriptionOf(v)), [
        jobItem(v, { implied_pain_points: jd?.implied_pain_points, stated_success_metrics: jd?.success_metrics })
      ])
      const a = asked.results.get(v.job.id)!.out
      return {
        values: {
          pain_points: a.pain_points,
          strategic_needs: a.strategic_needs,
          risks_if_unfilled: a.risks_if_unfilled,
          success_metrics: a.success_metrics,
          why_now: a.why_now,
          pain_reasoning: a.reasoning_summary
        },
        usd: asked.usd,
        model: asked.model
      }
    }),
  estimate: (v) => oneCall(2500 + Math.min(12_000, (v.job.description_text ?? "").length), 1200)
}
