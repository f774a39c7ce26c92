import { Chunk, Effect, Option, Schema, Stream } from "effect"
import { Skippable } from "../../core/errors.ts"
import { parseJson } from "../http.ts"
import type { Posting } from "../source.ts"
import { htmlToText, isoDate, remoteFromText } from "../text.ts"
import { blocked, looksBlocked, salaryPeriod, scrubSecrets, secretValue } from "../jobboards/common.ts"
import type { SourceError } from "../../core/errors.ts"
import type { Http } from "../http.ts"
import type { SiteEnv, SiteScraper } from "./site.ts"
import { jsonAfterKey, nextFlightText } from "./embedded.ts"

/** One `jobs[]` item of ZipRecruiter's mobile API `GET /jobs-app/jobs` (fields JobSpy reads). */
export const ZipJob = Schema.Struct({
  listing_key: Schema.String.pipe(Schema.minLength(1)),
  name: Schema.String.pipe(Schema.minLength(1)),
  job_description: Schema.optional(Schema.NullOr(Schema.String)),
  hiring_company: Schema.optional(
    Schema.NullOr(Schema.Struct({ name: Schema.optional(Schema.NullOr(Schema.String)) }))
  ),
  job_city: Schema.optional(Schema.NullOr(Schema.String)),
  job_state: Schema.optional(Schema.NullOr(Schema.String)),
  job_country: Schema.optional(Schema.NullOr(Schema.String)),
  employment_type: Schema.optional(Schema.NullOr(Schema.String)),
  posted_time: Schema.optional(Schema.NullOr(Schema.String)),
  compensation_interval: Schema.optional(Schema.NullOr(Schema.String)),
  compensation_min: Schema.optional(Schema.NullOr(Schema.Number)),
  compensation_max: Schema.optional(Schema.NullOr(Schema.Number)),
  compensation_currency: Schema.optional(Schema.NullOr(Schema.String)),
  buyer_type: Schema.optional(Schema.NullOr(Schema.String))
})
export type ZipJob = typeof ZipJob.Type

const Page = Schema.Struct({
  jobs: Schema.Array(Schema.Unknown),
  continue: Schema.optional(Schema.NullOr(Schema.String))
})

export const normalizeZipJob = (j: ZipJob): Posting => {
  const location = [j.job_city, j.job_state, j.job_country].filter(Boolean).join(", ") || null
  return {
    source: "ziprecruiter",
    source_id: j.listing_key,
    board: "ziprecruiter",
    url: `https://www.ziprecruiter.com/jobs//j?lvk=${j.listing_key}`,
    title: j.name.trim(),
    company: j.hiring_company?.name?.trim() || "(not stated)",
    location,
    remote: remoteFromText(location, j.name),
    posted_at: isoDate(j.posted_time ?? null),
    description_text: htmlToText(j.job_description ?? null),
    salary_min: j.compensation_min ?? null,
    salary_max: j.compensation_max ?? null,
    salary_currency: j.compensation_currency ?? null,
    salary_period: salaryPeriod(j.compensation_interval),
    employment_type: j.employment_type ? j.employment_type.replace(/_/g, "-").toLowerCase() : null,
    raw: { ...j, job_description: undefined }
  }
}

/**
 * ZipRecruiter's mobile-app API (JobSpy's route; US/Canada only), paged by `continue_from`. It wants
 * the app's `authorization` header: config `ziprecruiter_auth` / $ZIPRECRUITER_AUTH, never committed.
 */
const zipMobile = {
  unavailable: (opts: Record<string, any>) =>
    secretValue(opts.ziprecruiter_auth, "ZIPRECRUITER_AUTH")
      ? null
      : "no ZipRecruiter app authorization (set ZIPRECRUITER_AUTH or with.ziprecruiter_auth)",
  search: (env: SiteEnv): Stream.Stream<Posting, SourceError, Http> => {
    const auth = secretValue(env.opts.ziprecruiter_auth, "ZIPRECRUITER_AUTH")!
    const s = env.search
    const maxPages = Math.ceil(env.wanted / 20) + 1
    return Stream.paginateChunkEffect({ token: null as string | null, page: 0 }, ({ token, page }) =>
      Effect.gen(function* () {
        const q = new URLSearchParams({ search: s.term })
        if (s.location) q.set("location", s.location)
        if (env.distance) q.set("radius", String(env.distance))
        if (s.hours_old) q.set("days", String(Math.max(1, Math.floor(s.hours_old / 24))))
        if (s.remote) q.set("remote", "1")
        if (token) q.set("continue_from", token)
        const req = { url: `${env.baseUrl}/jobs-app/jobs?${q}`, headers: { authorization: auth, accept: "*/*" } }
        const res = yield* env.request(req).pipe(Effect.mapError((e) => scrubSecrets(e, [auth])))
        const json = yield* parseJson({ ...req, unit: env.unit }, res)
        const body = yield* Schema.decodeUnknown(Page)(json, { onExcessProperty: "ignore" }).pipe(
          Effect.mapError(
            (e) =>
              new Skippable({
                reason: "BadBody",
                unit: env.unit,
                message: `${env.unit}: unexpected response: ${e.message}`
              })
          )
        )
        const out: Posting[] = []
        for (const [i, raw] of body.jobs.entries()) {
          const j = Schema.decodeUnknownEither(ZipJob, { onExcessProperty: "ignore" })(raw)
          if (j._tag === "Right") out.push(normalizeZipJob(j.right))
          else
            yield* env.ctx.skip(
              new Skippable({
                reason: "InvalidRecord",
                unit: env.unit,
                message: `${env.unit}: job #${i} skipped: ${j.left.message.split("\n")[0]}`
              })
            )
        }
        const next = body.continue ?? null
        const more = next && next !== token && out.length > 0 && page + 1 < maxPages
        return [Chunk.fromIterable(out), more ? Option.some({ token: next, page: page + 1 }) : Option.none()] as const
      })
    )
  }
}

// ZipRecruiter's job search web page (www.ziprecruiter.com/jobs-search). Two layouts are recorded:
// the older page puts its data in `<script id="js_variables">` JSON (enums as numbers), the Next.js
// page (2026-03 on) streams it in `self.__next_f.push` flight chunks (enums as names).

const Enum = Schema.Union(Schema.Number, Schema.String)
const Named = Schema.Struct({ name: Schema.optional(Schema.NullOr(Enum)) })

/** One job card of the search page (`hydrateJobCardsResponse.jobCards[]` or `serializedJobCardsData.jobKeysMap`). */
export const ZipCard = Schema.Struct({
  listingKey: Schema.String.pipe(Schema.minLength(1)),
  title: Schema.String.pipe(Schema.minLength(1)),
  status: Schema.optional(Schema.NullOr(Schema.Struct({ postedAtUtc: Schema.optional(Schema.NullOr(Schema.String)) }))),
  pay: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        interval: Schema.optional(Schema.NullOr(Enum)),
        currency: Schema.optional(Schema.NullOr(Enum)),
        min: Schema.optional(Schema.NullOr(Schema.Number)),
        max: Schema.optional(Schema.NullOr(Schema.Number))
      })
    )
  ),
  employmentTypes: Schema.optional(Schema.NullOr(Schema.Array(Named))),
  locationTypes: Schema.optional(Schema.NullOr(Schema.Array(Named))),
  company: Schema.optional(Schema.NullOr(Schema.Struct({ name: Schema.optional(Schema.NullOr(Schema.String)) }))),
  shortDescription: Schema.optional(Schema.NullOr(Schema.String)),
  location: Schema.optional(
    Schema.NullOr(Schema.Struct({ displayName: Schema.optional(Schema.NullOr(Schema.String)) }))
  ),
  rawCanonicalZipJobPageUrl: Schema.optional(Schema.NullOr(Schema.String)),
  jobRedirectPageUrl: Schema.optional(Schema.NullOr(Schema.String))
})
export type ZipCard = typeof ZipCard.Type

// Numeric pay intervals as the js_variables page writes them. 4 = month and 5 = year are checked on the
// recording (a monthly 28,200 card carries minAnnual 338,400 = 12×); 1–3 follow the same enum order.
const INTERVAL: Record<string, "hour" | "day" | "week" | "month" | "year"> = {
  1: "hour",
  2: "day",
  3: "week",
  4: "month",
  5: "year",
  PAY_INTERVAL_HOUR: "hour",
  PAY_INTERVAL_DAY: "day",
  PAY_INTERVAL_WEEK: "week",
  PAY_INTERVAL_MONTH: "month",
  PAY_INTERVAL_YEAR: "year"
}
// Currency 5 is the only number seen, on US listings whose Next.js twin says PAY_CURRENCY_USD.
const currencyOf = (c: string | number | null | undefined) =>
  c == null ? null : c === 5 ? "USD" : typeof c === "string" ? c.replace(/^PAY_CURRENCY_/, "") : null
const enumName = (v: string | number | null | undefined, prefix: string) =>
  typeof v === "string" ? v.replace(prefix, "").toLowerCase().replace(/_/g, "-") : null

export const normalizeZipCard = (c: ZipCard, site = "https://www.ziprecruiter.com"): Posting => {
  const location = c.location?.displayName?.trim() || null
  const types = (c.locationTypes ?? []).map((t) => enumName(t.name, "LOCATION_TYPE_NAME_"))
  const pay = c.pay
  const hasPay = pay?.min != null || pay?.max != null
  return {
    source: "ziprecruiter",
    source_id: c.listingKey,
    board: "ziprecruiter",
    url: c.rawCanonicalZipJobPageUrl
      ? new URL(c.rawCanonicalZipJobPageUrl, site).toString()
      : `${site}/jobs//j?lvk=${c.listingKey}`,
    apply_url: c.jobRedirectPageUrl ?? null,
    title: c.title.trim(),
    company: c.company?.name?.trim() || "(not stated)",
    location,
    remote: types.includes("remote")
      ? "remote"
      : types.includes("remote-optional") || types.includes("hybrid")
        ? "hybrid"
        : remoteFromText(location, c.title),
    posted_at: isoDate(c.status?.postedAtUtc ?? null),
    description_text: htmlToText(c.shortDescription ?? null),
    salary_min: hasPay ? (pay?.min ?? null) : null,
    salary_max: hasPay ? (pay?.max ?? null) : null,
    salary_currency: hasPay ? currencyOf(pay?.currency) : null,
    salary_period: hasPay && pay?.interval != null ? (INTERVAL[String(pay.interval)] ?? null) : null,
    employment_type:
      (c.employmentTypes ?? [])
        .map((t) => enumName(t.name, "EMPLOYMENT_TYPE_NAME_"))
        .filter(Boolean)
        .join(", ") || null,
    raw: { listingKey: c.listingKey, url: c.rawCanonicalZipJobPageUrl ?? null, pay: c.pay ?? null }
  }
}

export interface ZipPage {
  readonly layout: "js_variables" | "nextjs"
  readonly cards: ReadonlyArray<unknown>
  /** Listings the search has in all (for paging), when the page says. */
  readonly total: number | null
  readonly maxPages: number | null
  /** The one job the page opens with its full description (js_variables layout). */
  readonly detail?: { readonly listingKey: string; readonly html: string }
}

/** The job cards of a search page, in either layout; null when the page has neither (blocked or changed). */
export const zipSearchPage = (html: string): ZipPage | null => {
  const js = html.match(/<script[^>]*id="js_variables"[^>]*>([\s\S]*?)<\/script>/)?.[1]
  if (js) {
    try {
      const v = JSON.parse(js) as Record<string, any>
      const cards = v.hydrateJobCardsResponse?.jobCards
      if (Array.isArray(cards))
        return {
          layout: "js_variables",
          cards,
          total: typeof v.listJobKeysResponse?.totalListings === "number" ? v.listJobKeysResponse.totalListings : null,
          maxPages: typeof v.maxPages === "number" ? v.maxPages : null,
          ...(typeof v.getJobDetailsResponse?.jobDetails?.htmlFullDescription === "string"
            ? {
                detail: {
                  listingKey: String(v.getJobDetailsResponse.jobDetails.listingKey),
                  html: v.getJobDetailsResponse.jobDetails.htmlFullDescription
                }
              }
            : {})
        }
    } catch {
      // Not JSON: fall through to the Next.js layout.
    }
  }
  const flight = nextFlightText(html)
  const data = jsonAfterKey(flight, "serializedJobCardsData") as {
    jobKeys?: Array<{ listingKey?: string }>
    jobKeysMap?: Record<string, unknown>
    totalListings?: number
  } | null
  if (!data?.jobKeysMap) return null
  const map = data.jobKeysMap
  // jobKeys holds the page's order; the map holds the cards.
  const order = (data.jobKeys ?? []).map((k) => k.listingKey).filter((k): k is string => !!k && k in map)
  return {
    layout: "nextjs",
    cards: (order.length > 0 ? order : Object.keys(map)).map((k) => map[k]),
    total: typeof data.totalListings === "number" ? data.totalListings : null,
    maxPages: null
  }
}

const PER_PAGE = 20

const zipWeb = (env: SiteEnv): Stream.Stream<Posting, SourceError, Http> => {
  const s = env.search
  const first = 1 + env.start / PER_PAGE
  const maxPages = first - 1 + Math.ceil(env.wanted / PER_PAGE) + 1
  return Stream.paginateChunkEffect(first, (page) =>
    Effect.gen(function* () {
      const q = new URLSearchParams({ search: s.term, location: s.location ?? "" })
      if (env.distance) q.set("radius", String(env.distance))
      if (s.hours_old) q.set("days", String(Math.max(1, Math.ceil(s.hours_old / 24))))
      if (s.remote) q.set("refine_by_location_type", "only_remote")
      if (page > 1) q.set("page", String(page))
      const url = `${env.baseUrl}/jobs-search?${q}`
      const got = yield* env.request({ url, headers: { accept: "text/html" } }).pipe(
        // Past the first page, "no such page" is the end of the results.
        Effect.map(Option.some),
        Effect.catchIf(
          (e) => page > 1 && e._tag === "Skippable" && e.reason === "NotFound",
          () => Effect.succeed(Option.none())
        )
      )
      if (Option.isNone(got)) return [Chunk.empty<Posting>(), Option.none<number>()] as const
      const parsed = zipSearchPage(got.value.text)
      if (!parsed) {
        const wall = looksBlocked(got.value.text)
        if (wall) return yield* Effect.fail(blocked(env.unit, wall, url))
        return yield* Effect.fail(
          new Skippable({
            reason: "BadBody",
            unit: env.unit,
            message: `${env.unit}: GET ${url}: neither js_variables nor Next.js job cards in the page (layout changed?)`
          })
        )
      }
      const out: Posting[] = []
      for (const [i, raw] of parsed.cards.entries()) {
        const c = Schema.decodeUnknownEither(ZipCard, { onExcessProperty: "ignore" })(raw)
        if (c._tag === "Right") {
          const p = normalizeZipCard(c.right)
          const full = parsed.detail?.listingKey === p.source_id ? htmlToText(parsed.detail.html) : null
          out.push(full ? { ...p, description_text: full } : p)
        } else
          yield* env.ctx.skip(
            new Skippable({
              reason: "InvalidRecord",
              unit: env.unit,
              message: `${env.unit}: ${parsed.layout} card #${i} of page ${page} skipped: ${c.left.message.split("\n")[0]}`
            })
          )
      }
      const last = parsed.maxPages ?? (parsed.total != null ? Math.ceil(parsed.total / PER_PAGE) : page + 1)
      const more = out.length > 0 && page < last && page < maxPages
      return [Chunk.fromIterable(out), more ? Option.some(page + 1) : Option.none<number>()] as const
    })
  )
}

/**
 * ZipRecruiter: by default its job search web page (no key; both recorded layouts). With
 * `ziprecruiter_api: mobile`, the mobile-app API JobSpy uses (needs the app's authorization).
 */
export const ziprecruiter: SiteScraper = {
  site: "ziprecruiter",
  defaultBaseUrl: "https://www.ziprecruiter.com",
  defaultBaseUrlFor: (opts) =>
    opts.ziprecruiter_api === "mobile" ? "https://api.ziprecruiter.com" : "https://www.ziprecruiter.com",
  delayMs: 5000,
  unavailable: (opts) => (opts.ziprecruiter_api === "mobile" ? zipMobile.unavailable(opts) : null),
  credentialed: (opts) => opts.ziprecruiter_api === "mobile",
  // The web page pages by `page`; the app API by `continue_from` (an offset is fetched and dropped).
  pageSize: (opts) => (opts.ziprecruiter_api === "mobile" ? undefined : PER_PAGE),
  search: (env) => (env.opts.ziprecruiter_api === "mobile" ? zipMobile.search(env) : zipWeb(env))
}
