import { Schema } from "effect"

const Str = Schema.optional(Schema.NullOr(Schema.String))

/** One job of the Workable widget API `GET /api/v1/widget/accounts/{account}` (fields we read). */
export const WorkableJob = Schema.Struct({
  shortcode: Schema.String.pipe(Schema.minLength(1)),
  title: Schema.String.pipe(Schema.minLength(1)),
  url: Schema.String,
  application_url: Str,
  shortlink: Str,
  employment_type: Str,
  telecommuting: Schema.optional(Schema.NullOr(Schema.Boolean)),
  department: Str,
  published_on: Str,
  created_at: Str,
  country: Str,
  city: Str,
  state: Str,
  locations: Schema.optional(
    Schema.NullOr(
      Schema.Array(
        Schema.Struct({ country: Str, city: Str, region: Str, hidden: Schema.optional(Schema.NullOr(Schema.Boolean)) })
      )
    )
  ),
  description: Str
})
export type WorkableJob = typeof WorkableJob.Type

export const WorkableAccount = Schema.Struct({ name: Str, jobs: Schema.Array(Schema.Unknown) })
