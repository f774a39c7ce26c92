import { Schema } from "effect"

const Str = Schema.optional(Schema.NullOr(Schema.String))

/** One entry of `POST /wday/cxs/{tenant}/{site}/jobs` (fields we read). `externalPath` is its identity. */
export const WorkdayListing = Schema.Struct({
  title: Schema.String.pipe(Schema.minLength(1)),
  externalPath: Schema.String.pipe(Schema.startsWith("/")),
  locationsText: Str,
  postedOn: Str,
  remoteType: Str,
  bulletFields: Schema.optional(Schema.NullOr(Schema.Array(Schema.String)))
})
export type WorkdayListing = typeof WorkdayListing.Type

export const WorkdayPage = Schema.Struct({
  total: Schema.optional(Schema.NullOr(Schema.Number)),
  jobPostings: Schema.optional(Schema.NullOr(Schema.Array(Schema.Unknown)))
})

/** `GET /wday/cxs/{tenant}/{site}{externalPath}`: the posting with its description. */
export const WorkdayDetail = Schema.Struct({
  jobPostingInfo: Schema.Struct({
    id: Str,
    title: Str,
    jobDescription: Str,
    location: Str,
    additionalLocations: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
    postedOn: Str,
    startDate: Str,
    timeType: Str,
    remoteType: Str,
    jobReqId: Str,
    externalUrl: Str,
    country: Schema.optional(Schema.NullOr(Schema.Struct({ descriptor: Str })))
  }),
  hiringOrganization: Schema.optional(Schema.NullOr(Schema.Struct({ name: Str })))
})
export type WorkdayDetail = typeof WorkdayDetail.Type
