import { Schema } from "effect"
import { baseSourceOptions, BoardList } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const GreenhouseOptions = Schema.Struct({
  ...baseSourceOptions,
  boards: Schema.optional(BoardList),
  /** For jobs the listing served without content, fetch `GET /v1/boards/{token}/jobs/{id}` (default true). */
  details: Schema.optional(Schema.Boolean)
})

export type GreenhouseOptions = typeof GreenhouseOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const greenhouseDeclaration: SourceDeclaration<GreenhouseOptions> = {
  kind: "greenhouse",
  ats: { jobUrl: "greenhouse\\.io/.+/jobs/[0-9]+|gh_jid=[0-9]+" },
  description: "Greenhouse job boards (public board API, with departments, offices, metadata, detail)",
  options: GreenhouseOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
