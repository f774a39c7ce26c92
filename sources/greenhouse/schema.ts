import { Schema } from "effect"

const Named = Schema.Struct({ id: Schema.optional(Schema.NullOr(Schema.Number)), name: Schema.String })

/** A custom field the board publishes (`?content=true` and the single-job endpoint carry them). */
export const GreenhouseMetadata = Schema.Struct({
  name: Schema.String,
  value: Schema.optional(Schema.Unknown),
  value_type: Schema.optional(Schema.NullOr(Schema.String))
})
export type GreenhouseMetadata = typeof GreenhouseMetadata.Type

/** One job as the Greenhouse board API returns it (fields we read; the rest is kept in `raw`). */
export const GreenhouseJob = Schema.Struct({
  id: Schema.Number,
  title: Schema.String.pipe(Schema.minLength(1)),
  absolute_url: Schema.String,
  updated_at: Schema.optional(Schema.NullOr(Schema.String)),
  first_published: Schema.optional(Schema.NullOr(Schema.String)),
  company_name: Schema.optional(Schema.NullOr(Schema.String)),
  location: Schema.optional(Schema.NullOr(Schema.Struct({ name: Schema.NullOr(Schema.String) }))),
  content: Schema.optional(Schema.NullOr(Schema.String)),
  departments: Schema.optional(Schema.NullOr(Schema.Array(Named))),
  offices: Schema.optional(Schema.NullOr(Schema.Array(Named))),
  metadata: Schema.optional(Schema.NullOr(Schema.Array(GreenhouseMetadata)))
})
export type GreenhouseJob = typeof GreenhouseJob.Type

/** The board envelope; jobs stay unknown here so one bad job does not sink the page. */
export const GreenhouseBoardResponse = Schema.Struct({
  jobs: Schema.Array(Schema.Unknown),
  meta: Schema.optional(Schema.Struct({ total: Schema.optional(Schema.Number) }))
})
