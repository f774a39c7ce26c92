import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const WellfoundOptions = Schema.Struct({
  ...baseSourceOptions,
  /** Role slugs as in wellfound.com/role/<slug> (e.g. python-developer). */
  roles: Schema.optional(Schema.Array(Schema.String.pipe(Schema.pattern(/^[\w-]+$/)))),
  /** Optional location slug: wellfound.com/role/l/<role>/<location>. */
  location: Schema.optional(Schema.String.pipe(Schema.pattern(/^[\w-]+$/))),
  max_pages: Schema.optional(Schema.Int.pipe(Schema.between(1, 20)))
})

export type WellfoundOptions = typeof WellfoundOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const wellfoundDeclaration: SourceDeclaration<WellfoundOptions> = {
  kind: "wellfound",
  description: "Wellfound role search pages (Next.js Apollo state; bot-protected, often blocked)",
  options: WellfoundOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
