import { Schema } from "effect"
import type { NodeKindDeclaration } from "../../pipelines/node.ts"

export const DedupeOptions = Schema.Struct({})

/** What dag.yaml, `validate` and `plan` know of this kind; its implementation loads on a node's first run. */
export const dedupeDeclaration: NodeKindDeclaration<typeof DedupeOptions.Type> = {
  role: "transform",
  kind: "dedupe",
  description: "Merge staged postings into canonical jobs: same source id, and the same job across boards and ATSs",
  options: DedupeOptions,
  // `needs: [sources.*]` is every source node that stages postings.
  reads: "stg_jobs"
}
