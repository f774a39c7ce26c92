import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const ArbeitnowOptions = Schema.Struct({
  ...baseSourceOptions,
  /** Pages followed through `links.next` at most (default 10, 100 jobs a page). */
  max_pages: Schema.optional(Schema.Int.pipe(Schema.between(1, 200)))
})

export type ArbeitnowOptions = typeof ArbeitnowOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const arbeitnowDeclaration: SourceDeclaration<ArbeitnowOptions> = {
  kind: "arbeitnow",
  description: "Arbeitnow job-board API (free, no key; Europe-heavy)",
  options: ArbeitnowOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
