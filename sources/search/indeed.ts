import { Chunk, Effect, Option, Schema, Stream } from "effect"
import { Skippable } from "../../core/errors.ts"
import { parseJson } from "../http.ts"
import type { Posting } from "../source.ts"
import { htmlToText, isoDate, remoteFromText } from "../text.ts"
import { domainOf } from "../../model/company.ts"
import { blocked, looksBlocked, salaryPeriod, scrubSecrets, secretValue } from "../jobboards/common.ts"
import type { SourceError } from "../../core/errors.ts"
import type { Http } from "../http.ts"
import type { SiteEnv, SiteScraper } from "./site.ts"
import { jsonAt } from "./embedded.ts"

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

const QUERY = (s: SiteEnv["search"], cursor: string | null, limit: number, distance = 50) => {
  const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')
  const filters = s.hours_old
    ? `filters: { date: { field: "dateOnIndeed", start: "${s.hours_old}h" } }`
    : s.remote
      ? `filters: { composite: { filters: [{ keyword: { field: "attributes", keys: ["${REMOTE_KEY}"] } }] } }`
      : ""
  return `query GetJobData { jobSearch(what: "${esc(s.term)}" ${s.location ? `location: {where: "${esc(s.location)}", radius: ${distance}, radiusUnit: MILES}` : ""} limit: ${limit} ${cursor ? `cursor: "${esc(cursor)}"` : ""} sort: RELEVANCE ${filters}) {
  pageInfo { nextCursor }
  results { job { key title datePublished description { html } location { countryCode admin1Code city }
    compensation { baseSalary { unitOfWork range { ... on Range { min max } } } estimated { currencyCode baseSalary { unitOfWork range { ... on Range { min max } } } } currencyCode }
    attributes { key label } employer { name relativeCompanyPageUrl dossier { links { corporateWebsite } } } recruit { viewJobUrl } } } } }`
}

/**
 * Indeed through its mobile app's GraphQL endpoint (how JobSpy reaches it, no login). The endpoint
 * wants the app's API key in `indeed-api-key`: config `indeed_api_key` / $INDEED_API_KEY, never committed.
 */
const indeedMobile = {
  unavailable: (opts: Record<string, any>) =>
    secretValue(opts.indeed_api_key, "INDEED_API_KEY")
      ? null
      : "no Indeed API key (set INDEED_API_KEY or with.indeed_api_key)",
  search: (env: SiteEnv): Stream.Stream<Posting, SourceError, Http> => {
    const key = secretValue(env.opts.indeed_api_key, "INDEED_API_KEY")!
    const country = String(env.opts.country ?? "us").toUpperCase()
    const limit = Math.min(100, env.wanted)
    const maxPages = Math.ceil(env.wanted / limit) + 1
    return Stream.paginateChunkEffect({ cursor: null as string | null, page: 0 }, ({ cursor, page }) =>
      Effect.gen(function* () {
        const req = {
          url: `${env.baseUrl}/graphql`,
          method: "POST" as const,
          body: { query: QUERY(env.search, cursor, limit, env.distance) },
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

// Indeed's web pages, as a browser gets them: the search page (www.indeed.com/jobs) embeds its job cards in
// `window.mosaic.providerData["mosaic-provider-jobcards"]`, a job page (/viewjob?jk=) its data in
// `window._initialData`.

const Attr = Schema.Struct({ label: Schema.String, suid: Schema.optional(Schema.NullOr(Schema.String)) })

/** One job card of the search page (`metaData.mosaicProviderJobCardsModel.results[]`). */
export const IndeedCard = Schema.Struct({
  jobkey: Schema.String.pipe(Schema.minLength(1)),
  title: Schema.optional(Schema.NullOr(Schema.String)),
  displayTitle: Schema.optional(Schema.NullOr(Schema.String)),
  company: Schema.optional(Schema.NullOr(Schema.String)),
  formattedLocation: Schema.optional(Schema.NullOr(Schema.String)),
  pubDate: Schema.optional(Schema.NullOr(Schema.Number)),
  snippet: Schema.optional(Schema.NullOr(Schema.String)),
  extractedSalary: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        min: Schema.optional(Schema.NullOr(Schema.Number)),
        max: Schema.optional(Schema.NullOr(Schema.Number)),
        type: Schema.optional(Schema.NullOr(Schema.String))
      })
    )
  ),
  salarySnippet: Schema.optional(
    Schema.NullOr(Schema.Struct({ currency: Schema.optional(Schema.NullOr(Schema.String)) }))
  ),
  remoteWorkModel: Schema.optional(
    Schema.NullOr(Schema.Struct({ type: Schema.optional(Schema.NullOr(Schema.String)) }))
  ),
  taxonomyAttributes: Schema.optional(
    Schema.NullOr(Schema.Array(Schema.Struct({ label: Schema.String, attributes: Schema.Array(Attr) })))
  ),
  thirdPartyApplyUrl: Schema.optional(Schema.NullOr(Schema.String))
})
export type IndeedCard = typeof IndeedCard.Type

export const normalizeIndeedCard = (c: IndeedCard, site = "https://www.indeed.com"): Posting => {
  const title = (c.displayTitle || c.title || "").trim()
  const location = c.formattedLocation?.trim() || null
  const attrs = (label: string) => c.taxonomyAttributes?.find((t) => t.label === label)?.attributes ?? []
  const remoteKeys = attrs("remote").map((a) => a.suid)
  const work = c.remoteWorkModel?.type ?? ""
  const pay = c.extractedSalary
  // The card writes an open end as max -1 and an unknown floor as min 0.
  const min = pay?.min != null && pay.min > 0 ? pay.min : null
  const max = pay?.max != null && pay.max > 0 ? pay.max : null
  const hasPay = min != null || max != null
  return {
    source: "indeed",
    source_id: c.jobkey,
    board: "indeed",
    url: `${site}/viewjob?jk=${c.jobkey}`,
    apply_url: c.thirdPartyApplyUrl ?? null,
    title: title || "(untitled)",
    company: c.company?.trim() || "(not stated)",
    location,
    remote:
      work === "REMOTE_ALWAYS" || remoteKeys.includes(REMOTE_KEY)
        ? "remote"
        : work === "REMOTE_HYBRID" || remoteKeys.includes(HYBRID_KEY)
          ? "hybrid"
          : remoteFromText(location, title),
    posted_at: isoDate(c.pubDate ?? null),
    description_text: htmlToText(c.snippet ?? null),
    salary_min: min,
    salary_max: max,
    salary_currency: hasPay ? c.salarySnippet?.currency || null : null,
    salary_period: hasPay ? salaryPeriod(pay?.type) : null,
    employment_type:
      attrs("job-types")
        .map((a) => a.label.toLowerCase())
        .join(", ") || null,
    raw: { jobkey: c.jobkey, pubDate: c.pubDate ?? null, extractedSalary: c.extractedSalary ?? null }
  }
}

/** The job-card objects of a search page, or null when the page carries no mosaic job-cards data. */
export const indeedSearchCards = (html: string): unknown[] | null => {
  const at = html.indexOf('window.mosaic.providerData["mosaic-provider-jobcards"]')
  if (at < 0) return null
  const data = jsonAt(html, at, "{") as { metaData?: { mosaicProviderJobCardsModel?: { results?: unknown } } } | null
  const results = data?.metaData?.mosaicProviderJobCardsModel?.results
  return Array.isArray(results) ? results : null
}

/** What a job page (`/viewjob?jk=`) adds to its card: the full description and the header fields. */
export const parseIndeedViewJob = (
  html: string
): Pick<Posting, "title" | "company" | "location" | "description_text"> | null => {
  const at = html.indexOf("window._initialData")
  if (at < 0) return null
  const data = jsonAt(html, at, "{") as {
    jobInfoWrapperModel?: {
      jobInfoModel?: {
        jobInfoHeaderModel?: { jobTitle?: string; companyName?: string; formattedLocation?: string }
        sanitizedJobDescription?: string
      }
    }
  } | null
  const m = data?.jobInfoWrapperModel?.jobInfoModel
  if (!m?.jobInfoHeaderModel?.jobTitle) return null
  return {
    title: m.jobInfoHeaderModel.jobTitle.trim(),
    company: m.jobInfoHeaderModel.companyName?.trim() || "(not stated)",
    location: m.jobInfoHeaderModel.formattedLocation?.trim() || null,
    description_text: htmlToText(m.sanitizedJobDescription ?? null)
  }
}

const PAGE = 10

const indeedWeb = (env: SiteEnv): Stream.Stream<Posting, SourceError, Http> => {
  const s = env.search
  const seen = new Set<string>()
  const maxPages = Math.ceil(env.wanted / PAGE) + 2
  return Stream.paginateChunkEffect(0, (page) =>
    Effect.gen(function* () {
      const q = new URLSearchParams({ q: s.term, l: s.location ?? "" })
      const start = env.start + page * PAGE
      if (start > 0) q.set("start", String(start))
      if (env.distance) q.set("radius", String(env.distance))
      if (s.hours_old) q.set("fromage", String(Math.max(1, Math.ceil(s.hours_old / 24))))
      if (s.remote) q.set("sc", `0kf:attr(${REMOTE_KEY});`)
      const url = `${env.baseUrl}/jobs?${q}`
      const res = yield* env.request({ url, headers: { accept: "text/html" } })
      const cards = indeedSearchCards(res.text)
      if (!cards) {
        if (page > 0) return [Chunk.empty<Posting>(), Option.none<number>()] as const
        const wall = looksBlocked(res.text)
        if (wall) return yield* Effect.fail(blocked(env.unit, wall, url))
        return yield* Effect.fail(
          new Skippable({
            reason: "BadBody",
            unit: env.unit,
            message: `${env.unit}: GET ${url}: no mosaic-provider-jobcards data in the page (layout changed?)`
          })
        )
      }
      const out: Posting[] = []
      for (const [i, raw] of cards.entries()) {
        const c = Schema.decodeUnknownEither(IndeedCard, { onExcessProperty: "ignore" })(raw)
        if (c._tag === "Left")
          yield* env.ctx.skip(
            new Skippable({
              reason: "InvalidRecord",
              unit: env.unit,
              message: `${env.unit}: card #${i} of start=${start} skipped: ${c.left.message.split("\n")[0]}`
            })
          )
        else if (!seen.has(c.right.jobkey)) {
          seen.add(c.right.jobkey)
          out.push(normalizeIndeedCard(c.right))
        }
      }
      // A page without new cards is the end (Indeed repeats cards across pages).
      const more = out.length > 0 && page + 1 < maxPages
      return [Chunk.fromIterable(out), more ? Option.some(page + 1) : Option.none<number>()] as const
    })
  )
}

/**
 * Indeed: by default its web search page (no key). With `indeed_api: mobile`, the mobile app's GraphQL
 * endpoint JobSpy uses (needs the app's API key).
 */
export const indeed: SiteScraper = {
  site: "indeed",
  defaultBaseUrl: "https://www.indeed.com",
  defaultBaseUrlFor: (opts) => (opts.indeed_api === "mobile" ? "https://apis.indeed.com" : "https://www.indeed.com"),
  delayMs: 2000,
  unavailable: (opts) => (opts.indeed_api === "mobile" ? indeedMobile.unavailable(opts) : null),
  credentialed: (opts) => opts.indeed_api === "mobile",
  // The web page pages by `start`; the mobile API by cursor (an offset is fetched and dropped, as JobSpy does).
  pageSize: (opts) => (opts.indeed_api === "mobile" ? undefined : PAGE),
  search: (env) => (env.opts.indeed_api === "mobile" ? indeedMobile.search(env) : indeedWeb(env)),
  // The job page (web route only): a failed one keeps the card and its snippet.
  detail: (p, env) =>
    env.opts.indeed_api === "mobile"
      ? Effect.succeed(p)
      : env.request({ url: `${env.baseUrl}/viewjob?jk=${p.source_id}`, headers: { accept: "text/html" } }).pipe(
          Effect.map((r) => {
            const d = parseIndeedViewJob(r.text)
            return d?.description_text ? { ...p, description_text: d.description_text } : p
          }),
          Effect.catchAll((e) =>
            env.ctx
              .log(`${env.unit}: job page of ${p.source_id} not fetched (${e.message}); kept with the card's snippet`)
              .pipe(Effect.as(p))
          )
        )
}
