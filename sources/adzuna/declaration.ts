import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const AdzunaSearch = Schema.Struct({
  term: Schema.String.pipe(Schema.minLength(1)),
  location: Schema.optional(Schema.String),
  /** Adzuna country code (us, gb, ca, de, …); default `with.country`, else us. */
  country: Schema.optional(Schema.String.pipe(Schema.pattern(/^[a-z]{2}$/))),
  hours_old: Schema.optional(Schema.Int.pipe(Schema.positive())),
  results_wanted: Schema.optional(Schema.Int.pipe(Schema.between(1, 1000)))
})

export const AdzunaOptions = Schema.Struct({
  ...baseSourceOptions,
  /** Credentials from developer.adzuna.com; default $ADZUNA_APP_ID / $ADZUNA_APP_KEY. Never logged. */
  app_id: Schema.optional(Schema.Redacted(Schema.String)),
  app_key: Schema.optional(Schema.Redacted(Schema.String)),
  country: Schema.optional(Schema.String.pipe(Schema.pattern(/^[a-z]{2}$/))),
  searches: Schema.optional(Schema.Array(AdzunaSearch))
})

export type AdzunaOptions = typeof AdzunaOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const adzunaDeclaration: SourceDeclaration<AdzunaOptions> = {
  kind: "adzuna",
  description: "Adzuna job search API (free key: ADZUNA_APP_ID / ADZUNA_APP_KEY)",
  options: AdzunaOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
