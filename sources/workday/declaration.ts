import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import { WorkdayBoard } from "../../targets/universe.ts"
import type { SourceDeclaration } from "../source.ts"

export const WorkdayOptions = Schema.Struct({
  ...baseSourceOptions,
  boards: Schema.optional(Schema.Array(WorkdayBoard)),
  /** Fetch each posting's detail for its description and time type (one request per posting). */
  details: Schema.optional(Schema.Boolean),
  page_size: Schema.optional(Schema.Int.pipe(Schema.between(1, 20))),
  max_pages: Schema.optional(Schema.Int.pipe(Schema.positive()))
})

export type WorkdayOptions = typeof WorkdayOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const workdayDeclaration: SourceDeclaration<WorkdayOptions> = {
  kind: "workday",
  ats: { jobUrl: "myworkdayjobs\\.com/.+/job/" },
  description: "Workday career sites (CXS JSON API: listing + posting detail)",
  options: WorkdayOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
