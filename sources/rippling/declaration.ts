import { Schema } from "effect"
import { baseSourceOptions, BoardList } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const RipplingOptions = Schema.Struct({ ...baseSourceOptions, boards: Schema.optional(BoardList) })

export type RipplingOptions = typeof RipplingOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const ripplingDeclaration: SourceDeclaration<RipplingOptions> = {
  kind: "rippling",
  ats: { jobUrl: "ats\\.rippling\\.com/[^/]+/jobs/[0-9a-f-]{20,}" },
  description: "Rippling ATS boards (public board API)",
  options: RipplingOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
