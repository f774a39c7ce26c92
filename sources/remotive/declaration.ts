import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const RemotiveOptions = Schema.Struct({
  ...baseSourceOptions,
  /** One request per search term (Remotive's `search`); none means the whole feed. */
  searches: Schema.optional(Schema.Array(Schema.String)),
  category: Schema.optional(Schema.String),
  limit: Schema.optional(Schema.Int.pipe(Schema.positive()))
})

export type RemotiveOptions = typeof RemotiveOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const remotiveDeclaration: SourceDeclaration<RemotiveOptions> = {
  kind: "remotive",
  description: "Remotive remote-job API (free, no key)",
  options: RemotiveOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
