import { Schema } from "effect"

const Str = Schema.optional(Schema.NullOr(Schema.String))

/** One posting as `GET /v0/postings/{site}?mode=json` returns it (fields we read; the rest stays in `raw`). */
export const LeverPosting = Schema.Struct({
  id: Schema.String.pipe(Schema.minLength(1)),
  text: Schema.String.pipe(Schema.minLength(1)),
  hostedUrl: Schema.String,
  applyUrl: Str,
  createdAt: Schema.optional(Schema.NullOr(Schema.Number)),
  updatedAt: Schema.optional(Schema.NullOr(Schema.Number)),
  workplaceType: Str,
  country: Str,
  categories: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        commitment: Str,
        department: Str,
        location: Str,
        team: Str,
        allLocations: Schema.optional(Schema.NullOr(Schema.Array(Schema.String)))
      })
    )
  ),
  descriptionPlain: Str,
  description: Str,
  additionalPlain: Str,
  lists: Schema.optional(Schema.NullOr(Schema.Array(Schema.Struct({ text: Schema.String, content: Schema.String })))),
  salaryRange: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        min: Schema.optional(Schema.NullOr(Schema.Number)),
        max: Schema.optional(Schema.NullOr(Schema.Number)),
        currency: Str,
        interval: Str
      })
    )
  )
})
export type LeverPosting = typeof LeverPosting.Type

/** The listing is a bare array; postings stay unknown so one bad posting does not sink the page. */
export const LeverPage = Schema.Array(Schema.Unknown)
