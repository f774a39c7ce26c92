import { Schema } from "effect"
import type { NodeKindDeclaration } from "../../pipelines/node.ts"

export const SignalsOptions = Schema.Struct({
  /** Day the hiring-velocity window ends (YYYY-MM-DD); default today. */
  as_of: Schema.optional(Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/))),
  spike_min_new: Schema.optional(Schema.Int.pipe(Schema.positive())),
  spike_ratio: Schema.optional(Schema.Number.pipe(Schema.positive())),
  baseline_weeks: Schema.optional(Schema.Int.pipe(Schema.between(1, 52)))
})
export type SignalsOptions = typeof SignalsOptions.Type

/** What dag.yaml, `validate` and `plan` know of this kind; its implementation loads on a node's first run. */
export const signalsDeclaration: NodeKindDeclaration<SignalsOptions> = {
  role: "transform",
  kind: "signals",
  description: "Company universe + typed signals (funding, leadership, acquisitions, 8-K items, hiring spikes, press)",
  options: SignalsOptions
}
