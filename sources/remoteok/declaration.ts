import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const RemoteOkOptions = Schema.Struct({
  ...baseSourceOptions,
  /** One request per tag (`/api?tag=…`); none means the whole feed. */
  tags: Schema.optional(Schema.Array(Schema.String))
})

export type RemoteOkOptions = typeof RemoteOkOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const remoteokDeclaration: SourceDeclaration<RemoteOkOptions> = {
  kind: "remoteok",
  description: "Remote OK job API (free, no key; attribution required: link back and name Remote OK)",
  options: RemoteOkOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
