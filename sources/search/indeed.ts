import { Chunk, Effect, Option, Schema, Stream } from "effect"
import { Skippable } from "../../core/errors.ts"
import { parseJson } from "../http.ts"
import type { Posting } from "../source.ts"
import { htmlToText, isoDate, remoteFromText } from "../text.ts"
import { domainOf } from "../../model/company.ts"
import { salaryPeriod, scrubSecrets, secretValue } from "../jobboards/common.ts"
import type { SiteEnv, SiteScraper } from "./site.ts"

const Range = Schema.Struct({
  min: Schema.optional(Schema.NullOr(Schema.Number)),
  max: Schema.optional(Schema.NullOr(Schema.Number)),
  value: Schema.optional(Schema.NullOr(Schema.Number))
})
const Base = Schema.Struct({
  unitOfWork: Schema.optional(Schema.NullOr(Schema.String)),
  range: Schema.optional(Schema.NullOr(Range))
})

/** One `jobSearch.results[].job` of Indeed's mobile GraphQL API (the fields JobSpy's query asks for). */
export const IndeedJob = Schema.Struct({
  key: Schema.String.pipe(Schema.minLength(1)),
  title: Schema.String.pipe(Schema.minLength(1)),
  datePublished: Schema.optional(Schema.NullOr(Schema.Number)),
  description: Schema.optional(Schema.NullOr(Schema.Struct({ html: Schema.optional(Schema.NullOr(Schema.String)) }))),
  location: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        countryCode: Schema.optional(Schema.NullOr(Schema.String)),
        admin1Code: Schema.optional(Schema.NullOr(Schema.String)),
        city: Schema.optional(Schema.NullOr(Schema.String))
      })
    )
  ),
  compensation: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        baseSalary: Schema.optional(Schema.NullOr(Base)),
        estimated: Schema.optional(
          Schema.NullOr(
            Schema.Struct({
              currencyCode: Schema.optional(Schema.NullOr(Schema.String)),
              baseSalary: Schema.optional(Schema.NullOr(Base))
            })
          )
        ),
        currencyCode: Schema.optional(Schema.NullOr(Schema.String))
      })
    )
  ),
  attributes: Schema.optional(Schema.NullOr(Schema.Array(Schema.Struct({ key: Schema.String, label: Schema.String })))),
  employer: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        name: Schema.optional(Schema.NullOr(Schema.String)),
        relativeCompanyPageUrl: Schema.optional(Schema.NullOr(Schema.String)),
        dossier: Schema.optional(
          Schema.NullOr(
            Schema.Struct({
              links: Schema.optional(
                Schema.NullOr(Schema.Struct({ corporateWebsite: Schema.optional(Schema.NullOr(Schema.String)) }))
              )
            })
          )
        )
      })
    )
  ),
  recruit: Schema.optional(Schema.NullOr(Schema.Struct({ viewJobUrl: Schema.optional(Schema.NullOr(Schema.String)) })))
})
export type IndeedJob = typeof IndeedJob.Type

const Response = Schema.Struct({
  data: Schema.Struct({
    jobSearch: Schema.Struct({
      pageInfo: Schema.optional(
        Schema.NullOr(Schema.Struct({ nextCursor: Schema.optional(Schema.NullOr(Schema.String)) }))
      ),
      results: Schema.Array(Schema.Struct({ job: Schema.Unknown }))
    })
  })
})

const REMOTE_KEY = "DSQF7"
const HYBRID_KEY = "PAXZC"
const TYPES: Record<string, string> = {
  CF3CP: "full-time",
  "75GKK": "part-time",
  NJXCK: "contract",
  VDTG7: "internship",
  "4HKF7": "temporary"
}

export const normalizeIndeedJob = (j: IndeedJob, site = "https://www.indeed.com"): Posting => {
  const loc = j.location
  const location = [loc?.city, loc?.admin1Code, loc?.countryCode].filter(Boolean).join(", ") || null
  const keys = (j.attributes ?? []).map((a) => a.key)
  const html = j.description?.html ?? null
  const comp = j.compensation?.baseSalary ?? j.compensation?.estimated?.baseSalary ?? null
  const r = comp?.range
  return {
    source: "indeed",
    source_id: j.key,
    board: "indeed",
    url: `${site}/viewjob?jk=${j.key}`,
    apply_url: j.recruit?.viewJobUrl ?? null,
    title: j.title.trim(),
    company: j.employer?.name?.trim() || "(not stated)",
    company_domain: domainOf(j.employer?.dossier?.links?.corporateWebsite ?? null),
    location,
    remote: keys.includes(REMOTE_KEY)
      ? "remote"
      : keys.includes(HYBRID_KEY)
        ? "hybrid"
        : remoteFromText(location, j.title),
    posted_at: isoDate(j.datePublished ?? null),
    description_text: htmlToText(html),
    salary_min: r?.min ?? r?.value ?? null,
    salary_max: r?.max ?? r?.value ?? null,
    salary_currency: j.compensation?.currencyCode ?? j.compensation?.estimated?.currencyCode ?? null,
    salary_period: salaryPeriod(comp?.unitOfWork),
    employment_type:
      keys
        .map((k) => TYPES[k])
        .filter(Boolean)
        .join(", ") || null,
    raw: { ...j, description: undefined }
  }
}

const QUERY = (s: SiteEnv["search"], cursor: string | null, limit: number) => {
  const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')
  const filters = s.hours_old
    ? `filters: { date: { field: "dateOnIndeed", start: "${s.hours_old}h" } }`
    : s.remote
      ? `filters: { composite: { filters: [{ keyword: { field: "attributes", keys: ["${REMOTE_KEY}"] } }] } }`
      : ""
  return `query GetJobData { jobSearch(what: "${esc(s.term)}" ${s.location ? `location: {where: "${esc(s.location)}", radius: 50, radiusUnit: MILES}` : ""} limit: ${limit} ${cursor ? `cursor: "${esc(cursor)}"` : ""} sort: RELEVANCE ${filters}) {
  pageInfo { nextCursor }
  results { job { key title datePublished description { html } location { countryCode admin1Code city }
    compensation { baseSalary { unitOfWork range { ... on Range { min max } } } estimated { currencyCode baseSalary { unitOfWork range { ... on Range { min max } } } } currencyCode }
    attributes { key label } employer { name relativeCompanyPageUrl dossier { links { corporateWebsite } } } recruit { viewJobUrl } } } } }`
}

/**
 * Indeed through its mobile app's GraphQL endpoint (how JobSpy reaches it, no login). The endpoint
 * wants the app's API key in `indeed-api-key`: config `indeed_api_key` / $INDEED_API_KEY, never committed.
 */
export const indeed: SiteScraper = {
  site: "indeed",
  defaultBaseUrl: "https://apis.indeed.com",
  delayMs: 1000,
  unavailable: (opts) =>
    secretValue(opts.indeed_api_key, "INDEED_API_KEY")
      ? null
      : "no Indeed API key (set INDEED_API_KEY or with.indeed_api_key)",
  search: (env) => {
    const key = secretValue(env.opts.indeed_api_key, "INDEED_API_KEY")!
    const country = String(env.opts.country ?? "us").toUpperCase()
    const limit = Math.min(100, env.wanted)
    const maxPages = Math.ceil(env.wanted / limit) + 1
    return Stream.paginateChunkEffect({ cursor: null as string | null, page: 0 }, ({ cursor, page }) =>
      Effect.gen(function* () {
        const req = {
          url: `${env.baseUrl}/graphql`,
          method: "POST" as const,
          body: { query: QUERY(env.search, cursor, limit) },
          headers: { "indeed-api-key": key, "indeed-co": country, "content-type": "application/json" }
        }
        const res = yield* env.request(req).pipe(Effect.mapError((e) => scrubSecrets(e, [key])))
        const json = yield* parseJson({ ...req, unit: env.unit }, res)
        const body = yield* Schema.decodeUnknown(Response)(json, { onExcessProperty: "ignore" }).pipe(
          Effect.mapError(
            (e) =>
              new Skippable({
                reason: "BadBody",
                unit: env.unit,
                message: `${env.unit}: unexpected GraphQL response: ${e.message}`
              })
          )
        )
        const out: Posting[] = []
        for (const [i, r] of body.data.jobSearch.results.entries()) {
          const j = Schema.decodeUnknownEither(IndeedJob, { onExcessProperty: "ignore" })(r.job)
          if (j._tag === "Right") out.push(normalizeIndeedJob(j.right))
          else
            yield* env.ctx.skip(
              new Skippable({
                reason: "InvalidRecord",
                unit: env.unit,
                message: `${env.unit}: result #${i} skipped: ${j.left.message.split("\n")[0]}`
              })
            )
        }
        const next = body.data.jobSearch.pageInfo?.nextCursor ?? null
        const more = next && next !== cursor && out.length > 0 && page + 1 < maxPages
        return [Chunk.fromIterable(out), more ? Option.some({ cursor: next, page: page + 1 }) : Option.none()] as const
      })
    )
  }
}
