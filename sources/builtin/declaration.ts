import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const BuiltInOptions = Schema.Struct({
  ...baseSourceOptions,
  /** Job pages (`/job/<slug>/<id>` or full URLs) read through their JSON-LD. */
  jobs: Schema.optional(Schema.Array(Schema.String.pipe(Schema.minLength(1)))),
  /** Search terms: listing pages `/jobs?search=…` are read for job links, then each job page. */
  searches: Schema.optional(Schema.Array(Schema.String.pipe(Schema.minLength(1)))),
  /** Job pages per search at most (default 50). */
  results_wanted: Schema.optional(Schema.Int.pipe(Schema.between(1, 1000))),
  max_pages: Schema.optional(Schema.Int.pipe(Schema.between(1, 50))),
  /** Searches: stage the listing cards themselves (title, company, link) without opening each job page. */
  listing_only: Schema.optional(Schema.Boolean)
})

export type BuiltInOptions = typeof BuiltInOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const builtinDeclaration: SourceDeclaration<BuiltInOptions> = {
  kind: "builtin",
  description: "BuiltIn job pages (public HTML with JSON-LD JobPosting; no key)",
  options: BuiltInOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
