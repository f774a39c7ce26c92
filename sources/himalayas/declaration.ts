import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const HimalayasOptions = Schema.Struct({
  ...baseSourceOptions,
  /** Jobs per request (the API caps it at 20). */
  page_size: Schema.optional(Schema.Int.pipe(Schema.between(1, 20))),
  max_pages: Schema.optional(Schema.Int.pipe(Schema.between(1, 500)))
})

export type HimalayasOptions = typeof HimalayasOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const himalayasDeclaration: SourceDeclaration<HimalayasOptions> = {
  kind: "himalayas",
  description: "Himalayas remote-job API (free, no key)",
  options: HimalayasOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
