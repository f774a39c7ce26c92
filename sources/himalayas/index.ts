import { Chunk, Effect, Option, Schema, Stream } from "effect"
import { fetchJson } from "../http.ts"
import { decodeEach } from "../decode.ts"
import { postingsStaging } from "../postings.ts"
import { htmlToText, isoDate } from "../text.ts"
import { salaryPeriod } from "../jobboards/common.ts"
import type { JobSource, Posting } from "../source.ts"
import { type HimalayasOptions, himalayasDeclaration } from "./declaration.ts"

export const HimalayasJob = Schema.Struct({
  title: Schema.String.pipe(Schema.minLength(1)),
  companyName: Schema.optional(Schema.NullOr(Schema.String)),
  companySlug: Schema.optional(Schema.NullOr(Schema.String)),
  employmentType: Schema.optional(Schema.NullOr(Schema.String)),
  minSalary: Schema.optional(Schema.NullOr(Schema.Number)),
  maxSalary: Schema.optional(Schema.NullOr(Schema.Number)),
  salaryPeriod: Schema.optional(Schema.NullOr(Schema.String)),
  currency: Schema.optional(Schema.NullOr(Schema.String)),
  seniority: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  locationRestrictions: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  categories: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  description: Schema.optional(Schema.NullOr(Schema.String)),
  pubDate: Schema.optional(Schema.NullOr(Schema.Number)),
  applicationLink: Schema.optional(Schema.NullOr(Schema.String)),
  guid: Schema.String.pipe(Schema.minLength(1))
})
export type HimalayasJob = typeof HimalayasJob.Type

const Page = Schema.Struct({
  jobs: Schema.Array(Schema.Unknown),
  totalCount: Schema.optional(Schema.NullOr(Schema.Number))
})

const titleCase = (slug: string) =>
  slug
    .split(/[-_]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(" ")

/**
 * The company's name. The API has been seen answering the literal placeholder "name" (recorded in
 * fixtures/himalayas); then the name comes from the description's company link, else the slug.
 */
export const himalayasCompany = (j: HimalayasJob): string => {
  const name = j.companyName?.trim()
  if (name && name !== "name") return name
  if (j.companySlug) {
    const linked = j.description?.match(new RegExp(`/companies/${j.companySlug}"[^>]*>([^<]{2,80})</a>`))?.[1]
    return linked?.trim() || titleCase(j.companySlug)
  }
  return name ?? "(unknown)"
}

export const normalizeHimalayasJob = (j: HimalayasJob): Posting => ({
  source: "himalayas",
  source_id: j.guid,
  board: j.companySlug ?? null,
  url: j.guid,
  apply_url: j.applicationLink && j.applicationLink !== j.guid ? j.applicationLink : null,
  title: j.title.trim(),
  company: himalayasCompany(j),
  location: j.locationRestrictions && j.locationRestrictions.length > 0 ? j.locationRestrictions.join(", ") : null,
  remote: "remote",
  posted_at: isoDate(j.pubDate ?? null),
  description_text: htmlToText(j.description ?? null),
  salary_min: j.minSalary ?? null,
  salary_max: j.maxSalary ?? null,
  salary_currency: j.currency ?? null,
  salary_period: salaryPeriod(j.salaryPeriod),
  employment_type: j.employmentType ?? null,
  tags: [...(j.categories ?? []), ...(j.seniority ?? [])],
  raw: { ...j, description: undefined }
})

/** Himalayas remote-jobs API: `GET /jobs/api?limit=&offset=`, paged by offset until a short page or `max_pages`. */
export const himalayas: JobSource<HimalayasOptions> = {
  ...himalayasDeclaration,
  defaultBaseUrl: "https://himalayas.app",
  hostLimits: { concurrency: 1, perSecond: 1 },
  output: postingsStaging,
  units: () => Effect.succeed([{ key: "all" }]),
  fetch: (_unit, opts, ctx) => {
    const limit = opts.page_size ?? 20
    const maxPages = opts.max_pages ?? 25
    return Stream.paginateChunkEffect(0, (page) =>
      Effect.gen(function* () {
        const req = {
          url: `${ctx.baseUrl}/jobs/api?limit=${limit}&offset=${page * limit}`,
          unit: `himalayas offset ${page * limit}`
        }
        const body = yield* fetchJson(req, Page)
        const jobs = yield* decodeEach(HimalayasJob, body.jobs, req.unit, ctx)
        const total = body.totalCount ?? Number.POSITIVE_INFINITY
        const more = body.jobs.length >= limit && (page + 1) * limit < total && page + 1 < maxPages
        return [
          Chunk.fromIterable(jobs.map(normalizeHimalayasJob)),
          more ? Option.some(page + 1) : Option.none()
        ] as const
      })
    )
  },
  fixtures: [{ path: "/jobs/api", file: "himalayas/breteai-jobs-api.json" }],
  replayOptions: {}
}
