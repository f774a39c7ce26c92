import { Schema } from "effect"
import { createHash } from "node:crypto"

/** Where a job may be done. `unknown` when the source does not say: we never guess "onsite". */
export const RemoteMode = Schema.Literal("remote", "hybrid", "onsite", "unknown")
export type RemoteMode = typeof RemoteMode.Type

/**
 * One job posting as a source saw it, normalized to our vocabulary.
 * Sources emit these; the engine stores them in `stg_jobs` tagged with the run, and `dedupe` folds
 * them into canonical `jobs`. Dates are ISO-8601 strings. When a source only knows a date range
 * ("Posted 30+ Days Ago") `posted_at` stays null and the range goes into `posted_after`/`posted_before`.
 */
export const Posting = Schema.Struct({
  source: Schema.String,
  source_id: Schema.String.pipe(Schema.minLength(1)),
  board: Schema.optional(Schema.NullOr(Schema.String)),
  url: Schema.String,
  apply_url: Schema.optional(Schema.NullOr(Schema.String)),
  title: Schema.String.pipe(Schema.minLength(1)),
  company: Schema.String,
  company_domain: Schema.optional(Schema.NullOr(Schema.String)),
  location: Schema.optional(Schema.NullOr(Schema.String)),
  remote: RemoteMode,
  posted_at: Schema.optional(Schema.NullOr(Schema.String)),
  posted_after: Schema.optional(Schema.NullOr(Schema.String)),
  posted_before: Schema.optional(Schema.NullOr(Schema.String)),
  updated_at: Schema.optional(Schema.NullOr(Schema.String)),
  description_text: Schema.optional(Schema.NullOr(Schema.String)),
  salary_min: Schema.optional(Schema.NullOr(Schema.Number)),
  salary_max: Schema.optional(Schema.NullOr(Schema.Number)),
  salary_currency: Schema.optional(Schema.NullOr(Schema.String)),
  salary_period: Schema.optional(Schema.NullOr(Schema.Literal("year", "month", "week", "day", "hour"))),
  employment_type: Schema.optional(Schema.NullOr(Schema.String)),
  department: Schema.optional(Schema.NullOr(Schema.String)),
  tags: Schema.optional(Schema.Array(Schema.String)),
  raw: Schema.optional(Schema.Unknown)
})
export type Posting = typeof Posting.Type

/** Stable id of one sighting: the same (source, source id) always hashes to the same id. */
export const sightingId = (source: string, sourceId: string): string =>
  createHash("sha256").update(`${source}:${sourceId}`).digest("hex").slice(0, 20)
