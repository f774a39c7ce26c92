import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const JobicyOptions = Schema.Struct({
  ...baseSourceOptions,
  /** Jobs per request (the API allows 1–100; default 50). */
  count: Schema.optional(Schema.Int.pipe(Schema.between(1, 100))),
  geo: Schema.optional(Schema.String),
  industry: Schema.optional(Schema.String),
  /** One request per tag (search term); none means the latest jobs. */
  tags: Schema.optional(Schema.Array(Schema.String))
})

export type JobicyOptions = typeof JobicyOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const jobicyDeclaration: SourceDeclaration<JobicyOptions> = {
  kind: "jobicy",
  description: "Jobicy remote-job API (free, no key)",
  options: JobicyOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
