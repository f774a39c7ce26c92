import { Schema } from "effect"
import { baseSourceOptions, BoardList } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const LeverOptions = Schema.Struct({
  ...baseSourceOptions,
  boards: Schema.optional(BoardList),
  /** Lever hosts EU customers' postings on a separate API host. */
  region: Schema.optional(Schema.Literal("global", "eu")),
  page_size: Schema.optional(Schema.Int.pipe(Schema.between(1, 1000))),
  max_pages: Schema.optional(Schema.Int.pipe(Schema.positive()))
})

export type LeverOptions = typeof LeverOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const leverDeclaration: SourceDeclaration<LeverOptions> = {
  kind: "lever",
  ats: { jobUrl: "lever\\.co/[^/]+/[0-9a-f-]{20,}" },
  description: "Lever job sites (public postings API; with.region: eu for api.eu.lever.co)",
  options: LeverOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
