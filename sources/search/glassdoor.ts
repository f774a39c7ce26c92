import { Chunk, Effect, Option, Schema, Stream } from "effect"
import { Skippable } from "../../core/errors.ts"
import { parseJson } from "../http.ts"
import type { Posting } from "../source.ts"
import { remoteFromText } from "../text.ts"
import { domainOf } from "../../model/company.ts"
import { salaryPeriod } from "../jobboards/common.ts"
import type { SiteEnv, SiteScraper } from "./site.ts"

/** A `JobViewHeader`: the header of a listing in search results, and what employer pages cache per job. */
export const GlassdoorHeader = Schema.Struct({
  ageInDays: Schema.optional(Schema.NullOr(Schema.Number)),
  employer: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        id: Schema.optional(Schema.NullOr(Schema.Number)),
        name: Schema.optional(Schema.NullOr(Schema.String))
      })
    )
  ),
  employerNameFromSearch: Schema.optional(Schema.NullOr(Schema.String)),
  jobTitleText: Schema.optional(Schema.NullOr(Schema.String)),
  jobLink: Schema.optional(Schema.NullOr(Schema.String)),
  seoJobLink: Schema.optional(Schema.NullOr(Schema.String)),
  locationName: Schema.optional(Schema.NullOr(Schema.String)),
  locationType: Schema.optional(Schema.NullOr(Schema.String)),
  payCurrency: Schema.optional(Schema.NullOr(Schema.String)),
  payPeriod: Schema.optional(Schema.NullOr(Schema.String)),
  payPeriodAdjustedPay: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        p10: Schema.optional(Schema.NullOr(Schema.Number)),
        p90: Schema.optional(Schema.NullOr(Schema.Number))
      })
    )
  ),
  salarySource: Schema.optional(Schema.NullOr(Schema.String)),
  jobTypeKeys: Schema.optional(Schema.NullOr(Schema.Array(Schema.String)))
})
export type GlassdoorHeader = typeof GlassdoorHeader.Type

/** One `jobListings.jobListings[]` item of Glassdoor's `JobSearchResultsQuery` (a `JobListingSearchResult`). */
export const GlassdoorListing = Schema.Struct({
  jobview: Schema.Struct({
    header: GlassdoorHeader,
    job: Schema.Struct({
      listingId: Schema.Number,
      jobTitleText: Schema.String.pipe(Schema.minLength(1)),
      descriptionFragmentsText: Schema.optional(Schema.NullOr(Schema.Array(Schema.String)))
    }),
    overview: Schema.optional(Schema.NullOr(Schema.Struct({ website: Schema.optional(Schema.NullOr(Schema.String)) })))
  })
})
export type GlassdoorListing = typeof GlassdoorListing.Type

const Response = Schema.Array(
  Schema.Struct({
    data: Schema.Struct({
      jobListings: Schema.Struct({
        jobListings: Schema.Array(Schema.Unknown),
        paginationCursors: Schema.optional(
          Schema.NullOr(Schema.Array(Schema.Struct({ cursor: Schema.String, pageNumber: Schema.Number })))
        )
      })
    })
  })
)

/**
 * A job header as a posting. `ageInDays` is all Glassdoor says: the posting date is a one-day range, not
 * a point. An employer page's headers name no employer (the page is the employer's): the caller gives it.
 */
export const normalizeGlassdoorHeader = (
  h: GlassdoorHeader,
  job: { id: string; title: string; company?: string | null; description?: string | null; website?: string | null },
  now: number,
  site = "https://www.glassdoor.com"
): Posting => {
  const remote =
    h.locationType === "S" && /remote/i.test(h.locationName ?? "") ? "remote" : remoteFromText(h.locationName)
  const day = h.ageInDays != null ? new Date(now - h.ageInDays * 86_400_000) : null
  const pay = h.payPeriodAdjustedPay
  const hasPay = pay?.p10 != null || pay?.p90 != null
  return {
    source: "glassdoor",
    source_id: job.id,
    board: "glassdoor",
    // The SEO link is the listing's public page on the site that served it (glassdoor.ca for Toronto).
    url: h.seoJobLink ?? `${site}/job-listing/j?jl=${job.id}`,
    title: job.title.trim(),
    company: (job.company ?? h.employerNameFromSearch ?? h.employer?.name ?? "").trim() || "(not stated)",
    company_domain: domainOf(job.website ?? null),
    location: h.locationName ?? null,
    remote,
    posted_after: day ? new Date(day.getTime() - 86_400_000).toISOString() : null,
    posted_before: day ? day.toISOString() : null,
    description_text: job.description || null,
    salary_min: hasPay ? (pay?.p10 ?? null) : null,
    salary_max: hasPay ? (pay?.p90 ?? null) : null,
    salary_currency: hasPay ? (h.payCurrency ?? null) : null,
    salary_period: hasPay ? salaryPeriod(h.payPeriod === "ANNUAL" ? "year" : h.payPeriod) : null,
    employment_type: h.jobTypeKeys?.join(", ") || null,
    raw: { header: h, salary_source: h.salarySource ?? null }
  }
}

export const normalizeGlassdoorListing = (
  l: GlassdoorListing,
  now: number,
  site = "https://www.glassdoor.com"
): Posting => ({
  ...normalizeGlassdoorHeader(
    l.jobview.header,
    {
      id: String(l.jobview.job.listingId),
      title: l.jobview.job.jobTitleText,
      description: l.jobview.job.descriptionFragmentsText?.join("\n"),
      website: l.jobview.overview?.website
    },
    now,
    site
  ),
  raw: l.jobview
})

/** An employer page's cached `JobViewHeader`: the listing id is in its `jobLink`; null without id or title. */
export const normalizeGlassdoorEmployerHeader = (h: GlassdoorHeader, employer: string, now: number): Posting | null => {
  const id = h.jobLink?.match(/[?&]jobListingId=(\d+)/)?.[1] ?? h.seoJobLink?.match(/[?&]jl=(\d+)/)?.[1]
  const title = h.jobTitleText?.trim()
  return id && title ? normalizeGlassdoorHeader(h, { id, title, company: employer }, now) : null
}

const SEARCH_QUERY = `query JobSearchResultsQuery($keyword: String, $locationId: Int, $locationType: LocationTypeEnum, $numJobsToShow: Int!, $pageCursor: String, $pageNumber: Int, $filterParams: [FilterParams], $parameterUrlInput: String) {
  jobListings(contextHolder: {searchParams: {keyword: $keyword, locationId: $locationId, locationType: $locationType, numPerPage: $numJobsToShow, pageCursor: $pageCursor, pageNumber: $pageNumber, filterParams: $filterParams, parameterUrlInput: $parameterUrlInput, searchType: SR}}) {
    jobListings { jobview { header { ageInDays employer { id name } employerNameFromSearch jobTypeKeys locationName locationType payCurrency payPeriod payPeriodAdjustedPay { p10 p90 } } job { jobTitleText listingId descriptionFragmentsText } overview { website } } }
    paginationCursors { cursor pageNumber }
  }
}`

const setup = (env: SiteEnv) =>
  Effect.gen(function* () {
    const page = yield* env.request({
      url: `${env.baseUrl}/Job/computer-science-jobs.htm`,
      headers: { accept: "text/html" }
    })
    const token = page.text.match(/"token"\s*:\s*"([^"]+)"/)?.[1]
    if (!token)
      return yield* Effect.fail(
        new Skippable({
          reason: "Blocked",
          unit: env.unit,
          message: `${env.unit}: no CSRF token in Glassdoor's job page (blocked or changed); search not run`
        })
      )
    const s = env.search
    if (!s.location || s.remote) return { token, id: 11047, type: "STATE" }
    const loc = yield* env.request({
      url: `${env.baseUrl}/findPopularLocationAjax.htm?maxLocationsToReturn=10&term=${encodeURIComponent(s.location)}`
    })
    const items = (yield* parseJson({ url: loc.url, unit: env.unit }, loc)) as Array<{
      locationId?: number | string
      locationType?: string
    }>
    const first = Array.isArray(items) ? items[0] : undefined
    if (!first?.locationId)
      return yield* Effect.fail(
        new Skippable({
          reason: "NotFound",
          unit: env.unit,
          message: `${env.unit}: Glassdoor knows no location ${JSON.stringify(s.location)}`
        })
      )
    return {
      token,
      id: Number(first.locationId),
      type: ({ C: "CITY", S: "STATE", N: "COUNTRY" } as Record<string, string>)[first.locationType ?? "C"] ?? "CITY"
    }
  })

const PER_PAGE = 30
const MAX_PAGES = 30

/**
 * Glassdoor's web GraphQL (`POST /graph`) with the CSRF token its job pages embed (JobSpy's route,
 * no login). Pages follow `paginationCursors`.
 */
export const glassdoor: SiteScraper = {
  site: "glassdoor",
  defaultBaseUrl: "https://www.glassdoor.com",
  delayMs: 2000,
  unavailable: () => null,
  pageSize: () => PER_PAGE,
  // JobSpy's Glassdoor route sends no radius, and no recording shows one.
  ignores: ["distance"],
  search: (env) =>
    Stream.fromEffect(setup(env)).pipe(
      Stream.flatMap((loc) => {
        // An offset starts at its page with no cursor, as JobSpy does; later pages follow paginationCursors.
        const first = 1 + env.start / PER_PAGE
        const maxPages = Math.min(MAX_PAGES, first - 1 + Math.ceil(env.wanted / PER_PAGE) + 1)
        return Stream.paginateChunkEffect({ page: first, cursor: null as string | null }, ({ page, cursor }) =>
          Effect.gen(function* () {
            const fromage = env.search.hours_old ? Math.max(1, Math.floor(env.search.hours_old / 24)) : null
            const payload = [
              {
                operationName: "JobSearchResultsQuery",
                variables: {
                  excludeJobListingIds: [],
                  keyword: env.search.term,
                  numJobsToShow: PER_PAGE,
                  locationType: loc.type,
                  locationId: loc.id,
                  parameterUrlInput: `IL.0,12_I${loc.type}${loc.id}`,
                  pageNumber: page,
                  pageCursor: cursor,
                  fromage,
                  sort: "date",
                  filterParams: fromage ? [{ filterKey: "fromAge", values: String(fromage) }] : []
                },
                query: SEARCH_QUERY
              }
            ]
            const req = {
              url: `${env.baseUrl}/graph`,
              method: "POST" as const,
              body: payload,
              headers: {
                "gd-csrf-token": loc.token,
                "content-type": "application/json",
                "apollographql-client-name": "job-search-next"
              }
            }
            const res = yield* env.request(req)
            const json = yield* parseJson({ ...req, unit: env.unit }, res)
            const body = yield* Schema.decodeUnknown(Response)(json, { onExcessProperty: "ignore" }).pipe(
              Effect.mapError(
                (e) =>
                  new Skippable({
                    reason: "BadBody",
                    unit: env.unit,
                    message: `${env.unit}: unexpected GraphQL response: ${e.message.split("\n")[0]}`
                  })
              )
            )
            const jl = body[0]?.data.jobListings
            const out: Posting[] = []
            // Ages ("3 days ago", ageInDays) count from the response's Date: the server's clock, or when a replay was recorded.
            const now = Date.parse(res.headers.get("date") ?? "") || Date.now()
            for (const [i, raw] of (jl?.jobListings ?? []).entries()) {
              const l = Schema.decodeUnknownEither(GlassdoorListing, { onExcessProperty: "ignore" })(raw)
              if (l._tag === "Right") out.push(normalizeGlassdoorListing(l.right, now))
              else
                yield* env.ctx.skip(
                  new Skippable({
                    reason: "InvalidRecord",
                    unit: env.unit,
                    message: `${env.unit}: listing #${i} skipped: ${l.left.message.split("\n")[0]}`
                  })
                )
            }
            const next = jl?.paginationCursors?.find((c) => c.pageNumber === page + 1)?.cursor ?? null
            const more = next !== null && out.length > 0 && page < maxPages
            return [
              Chunk.fromIterable(out),
              more ? Option.some({ page: page + 1, cursor: next }) : Option.none()
            ] as const
          })
        )
      })
    )
}
