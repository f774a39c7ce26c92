import { Schema } from "effect"

const Str = Schema.optional(Schema.NullOr(Schema.String))
const Label = Schema.optional(Schema.NullOr(Schema.Struct({ id: Str, label: Str })))

/** One posting of `GET /v1/companies/{id}/postings` (fields we read). */
export const SmartRecruitersPosting = Schema.Struct({
  id: Schema.String.pipe(Schema.minLength(1)),
  name: Schema.String.pipe(Schema.minLength(1)),
  refNumber: Str,
  company: Schema.optional(Schema.NullOr(Schema.Struct({ identifier: Str, name: Str }))),
  releasedDate: Str,
  location: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        city: Str,
        region: Str,
        country: Str,
        fullLocation: Str,
        remote: Schema.optional(Schema.NullOr(Schema.Boolean)),
        hybrid: Schema.optional(Schema.NullOr(Schema.Boolean))
      })
    )
  ),
  department: Label,
  function: Label,
  typeOfEmployment: Label,
  experienceLevel: Label
})
export type SmartRecruitersPosting = typeof SmartRecruitersPosting.Type

export const SmartRecruitersPage = Schema.Struct({
  offset: Schema.optional(Schema.Number),
  limit: Schema.optional(Schema.Number),
  totalFound: Schema.optional(Schema.Number),
  content: Schema.Array(Schema.Unknown)
})

const Section = Schema.optional(Schema.NullOr(Schema.Struct({ title: Str, text: Str })))

/** `GET /v1/companies/{id}/postings/{postingId}`: the listing's fields plus the job ad and pay. */
export const SmartRecruitersDetail = Schema.Struct({
  id: Schema.String,
  postingUrl: Str,
  applyUrl: Str,
  jobAd: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        sections: Schema.optional(
          Schema.NullOr(
            Schema.Struct({
              companyDescription: Section,
              jobDescription: Section,
              qualifications: Section,
              additionalInformation: Section
            })
          )
        )
      })
    )
  ),
  compensation: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        min: Schema.optional(Schema.NullOr(Schema.Number)),
        max: Schema.optional(Schema.NullOr(Schema.Number)),
        currency: Str,
        period: Str
      })
    )
  )
})
export type SmartRecruitersDetail = typeof SmartRecruitersDetail.Type
