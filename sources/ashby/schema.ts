import { Schema } from "effect"

const Str = Schema.optional(Schema.NullOr(Schema.String))
const Num = Schema.optional(Schema.NullOr(Schema.Number))

export const AshbyCompensationComponent = Schema.Struct({
  compensationType: Str,
  interval: Str,
  currencyCode: Str,
  minValue: Num,
  maxValue: Num
})

/** One job of `GET /posting-api/job-board/{name}?includeCompensation=true` (fields we read). */
export const AshbyJob = Schema.Struct({
  id: Schema.String.pipe(Schema.minLength(1)),
  title: Schema.String.pipe(Schema.minLength(1)),
  department: Str,
  team: Str,
  employmentType: Str,
  location: Str,
  secondaryLocations: Schema.optional(Schema.NullOr(Schema.Array(Schema.Struct({ location: Str })))),
  publishedAt: Str,
  isListed: Schema.optional(Schema.NullOr(Schema.Boolean)),
  isRemote: Schema.optional(Schema.NullOr(Schema.Boolean)),
  workplaceType: Str,
  jobUrl: Schema.String,
  applyUrl: Str,
  descriptionHtml: Str,
  descriptionPlain: Str,
  compensation: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        compensationTierSummary: Str,
        summaryComponents: Schema.optional(Schema.NullOr(Schema.Array(AshbyCompensationComponent))),
        compensationTiers: Schema.optional(
          Schema.NullOr(
            Schema.Array(
              Schema.Struct({
                components: Schema.optional(Schema.NullOr(Schema.Array(AshbyCompensationComponent)))
              })
            )
          )
        )
      })
    )
  )
})
export type AshbyJob = typeof AshbyJob.Type

export const AshbyBoardResponse = Schema.Struct({ jobs: Schema.Array(Schema.Unknown) })
