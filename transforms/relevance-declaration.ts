import { Schema } from "effect"
import { DurationString } from "../core/spec.ts"
import { LlmMode, TierChoice } from "./llm/tiers.ts"
import type { NodeKindDeclaration } from "../pipelines/node.ts"

export const RelevanceOptions = Schema.Struct({
  batch_size: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 500)), { default: () => 100 }),
  tier: Schema.optionalWith(TierChoice, { default: () => "fast" as const }),
  /** Characters of description the model sees beside the title (a snippet keeps batches cheap). */
  snippet_chars: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 4000)), { default: () => 400 }),
  /** Without a model: relevant when the prefilter passes and the lexical score reaches this. */
  min_lexical_score: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 100)), { default: () => 45 }),
  /**
   * `online`: call by call, answers within the run. `batch`: through the provider's batch API at half price
   * (Anthropic Message Batches, OpenAI Batch), the run waits for it; a provider without one runs online.
   * Unset: batch when the run was scheduled (`schedule`, `up`), online when someone waits on it (`run`).
   */
  mode: Schema.optional(LlmMode),
  /** Batch mode: past this long after submission, the batch is cancelled and what is left runs online. */
  batch_deadline: Schema.optionalWith(DurationString, { default: () => "24h" }),
  /** false: never call a model, even with a key. */
  use_llm: Schema.optionalWith(Schema.Boolean, { default: () => true })
})
export type RelevanceOptions = typeof RelevanceOptions.Type

/** What dag.yaml, `validate` and `plan` know of this kind; its implementation loads on a node's first run. */
export const relevanceDeclaration: NodeKindDeclaration<RelevanceOptions> = {
  role: "transform",
  kind: "relevance",
  description:
    "Filter jobs against profile.yaml: free lexical rules, then a batched yes/no pass by the fast model tier",
  options: RelevanceOptions,
  // In batch mode the node stops waiting at its timeout and leaves the batch for the next run to resume.
  ownsTimeout: true
}
