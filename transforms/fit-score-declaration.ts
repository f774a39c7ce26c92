import { Schema } from "effect"
import { DurationString } from "../core/spec.ts"
import { LlmMode, TierChoice } from "./llm/tiers.ts"
import type { NodeKindDeclaration } from "../pipelines/node.ts"

export const FitScoreOptions = Schema.Struct({
  batch_size: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 200)), { default: () => 40 }),
  /** `auto`: each job's lexical fit tier picks the model (A → quality, B → balanced, C/D → fast). */
  tier: Schema.optionalWith(TierChoice, { default: () => "balanced" as const }),
  description_chars: Schema.optionalWith(Schema.Int.pipe(Schema.between(200, 20000)), { default: () => 3000 }),
  /**
   * `online`: call by call, answers within the run. `batch`: through the provider's batch API at half price
   * (Anthropic Message Batches, OpenAI Batch), the run waits for it; a provider without one runs online.
   * Unset: batch when the run was scheduled (`schedule`, `up`), online when someone waits on it (`run`).
   */
  mode: Schema.optional(LlmMode),
  /** Batch mode: past this long after submission, the batch is cancelled and what is left runs online. */
  batch_deadline: Schema.optionalWith(DurationString, { default: () => "24h" }),
  use_llm: Schema.optionalWith(Schema.Boolean, { default: () => true })
})
export type FitScoreOptions = typeof FitScoreOptions.Type

/** What dag.yaml, `validate` and `plan` know of this kind; its implementation loads on a node's first run. */
export const fitScoreDeclaration: NodeKindDeclaration<FitScoreOptions> = {
  role: "transform",
  kind: "fit_score",
  description:
    "Score relevant jobs 0-100 against profile.yaml (rationale, category, tier A-D), batched by the balanced model tier",
  options: FitScoreOptions,
  // In batch mode the node stops waiting at its timeout and leaves the batch for the next run to resume.
  ownsTimeout: true
}
