import { Schema } from "effect"
import { TierChoice } from "../llm/tiers.ts"
import { JOB_OPS } from "./layer.ts"
import type { NodeKindDeclaration } from "../../pipelines/node.ts"

/** Company research is shared by all of a company's jobs for this long by default (the user's 7-day cache). */
export const COMPANY_CACHE_DAYS = 7

export const IntelOptions = Schema.Struct({
  ops: Schema.optionalWith(Schema.Array(Schema.Literal(...JOB_OPS)), { default: () => [...JOB_OPS] }),
  /** Which jobs deserve the layers: fit tiers from job_scores (the batch fit_score node). */
  fit_tiers: Schema.optionalWith(Schema.Array(Schema.Literal("A", "B", "C", "D")), {
    default: () => ["A", "B"] as Array<"A" | "B">
  }),
  /** Explicit job ids instead of the tier selection. */
  job_ids: Schema.optional(Schema.Array(Schema.String)),
  max_jobs: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 10_000)), { default: () => 25 }),
  /** Company research is reused by every job of the company for this many days, then asked again. */
  company_research_days: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 365)), {
    default: () => COMPANY_CACHE_DAYS
  }),
  /** `auto`: each job's fit tier picks the model (A → quality, B → balanced, C/D → fast). */
  tier: Schema.optionalWith(TierChoice, { default: () => "auto" as const })
})
export type IntelOptions = typeof IntelOptions.Type

/** What dag.yaml, `validate` and `plan` know of this kind; its implementation loads on a node's first run. */
export const intelDeclaration: NodeKindDeclaration<IntelOptions> = {
  role: "transform",
  kind: "intel",
  description:
    "Per-job intelligence layers (JD extraction, pain points, research, fit map, outreach, CV, dossier) for fit tier A/B jobs",
  options: IntelOptions
}
