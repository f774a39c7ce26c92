import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const HnOptions = Schema.Struct({
  ...baseSourceOptions,
  /** "Who is hiring?" story ids; without them the latest `latest` threads by `whoishiring` are looked up. */
  story_ids: Schema.optional(Schema.Array(Schema.Int.pipe(Schema.positive()))),
  latest: Schema.optional(Schema.Int.pipe(Schema.between(1, 12))),
  hits_per_page: Schema.optional(Schema.Int.pipe(Schema.between(1, 1000))),
  max_pages: Schema.optional(Schema.Int.pipe(Schema.between(1, 50)))
})

export type HnOptions = typeof HnOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const hnDeclaration: SourceDeclaration<HnOptions> = {
  kind: "hn",
  description: "Hacker News 'Ask HN: Who is hiring?' threads (Algolia API, free, no key)",
  options: HnOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
