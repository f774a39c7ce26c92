import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const JsonLdOptions = Schema.Struct({
  ...baseSourceOptions,
  /** Job page URLs (absolute, or paths under base_url) whose JSON-LD declares a JobPosting. */
  pages: Schema.optional(Schema.Array(Schema.String.pipe(Schema.minLength(1))))
})

export type JsonLdOptions = typeof JsonLdOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const jsonldDeclaration: SourceDeclaration<JsonLdOptions> = {
  kind: "jsonld",
  description:
    "Job pages with schema.org JobPosting JSON-LD (any site; used for niche boards such as HealthcareJobSite and MedReps)",
  table: stgJobs,
  options: JsonLdOptions,
  timeDimension: "posted_at"
}
