import { Schema } from "effect"
import { baseSourceOptions, BoardList } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const SmartRecruitersOptions = Schema.Struct({
  ...baseSourceOptions,
  boards: Schema.optional(BoardList),
  /** Fetch each posting's detail for its description and pay (one request per posting). */
  details: Schema.optional(Schema.Boolean),
  page_size: Schema.optional(Schema.Int.pipe(Schema.between(1, 100))),
  max_pages: Schema.optional(Schema.Int.pipe(Schema.positive()))
})

export type SmartRecruitersOptions = typeof SmartRecruitersOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const smartrecruitersDeclaration: SourceDeclaration<SmartRecruitersOptions> = {
  kind: "smartrecruiters",
  ats: { jobUrl: "smartrecruiters\\.com/[^/]+/[0-9]{6,}" },
  description: "SmartRecruiters companies (public posting API, with posting detail)",
  options: SmartRecruitersOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
