import { Effect, Schema, Stream } from "effect"
import { Fatal } from "../../core/errors.ts"
import { baseSourceOptions } from "../options.ts"
import { postingsStaging } from "../postings.ts"
import type { JobSource } from "../source.ts"
import { dropOldGates, gated, Search, Site, type SiteScraper } from "./site.ts"
import { linkedin } from "./linkedin.ts"
import { indeed } from "./indeed.ts"
import { ziprecruiter } from "./ziprecruiter.ts"
import { glassdoor } from "./glassdoor.ts"
import { google } from "./google.ts"
import { recordedSiteFolders, searchFixtures } from "./fixtures.ts"
import { DEFAULT_MAX_DERIVED, readSearchSeed, searchesFromProfile } from "./from-profile.ts"

export const scrapers: Record<Site, SiteScraper> = { linkedin, indeed, ziprecruiter, glassdoor, google }

export const SearchOptions = Schema.Struct({
  ...baseSourceOptions,
  searches: Schema.optional(Schema.Array(Search)),
  sites: Schema.optional(Schema.Array(Site).pipe(Schema.minItems(1))),
  /** Pause between two requests to one site (default per site: LinkedIn 3 s, ZipRecruiter 5 s, …). */
  delay_ms: Schema.optional(Schema.Int.pipe(Schema.between(0, 120_000))),
  /**
   * Per-site base URLs (a proxy, a mirror). With `base_url` set, sites live under `{base_url}/{site}`, or
   * under `{base_url}/{entry}` for an entry that is a folder name rather than a URL (the replay's wrapped routes).
   */
  base_urls: Schema.optional(Schema.partial(Schema.Record({ key: Site, value: Schema.String }))),
  /** LinkedIn: fetch each job's page for its description (one more request per job). */
  fetch_descriptions: Schema.optional(Schema.Boolean),
  linkedin_retries: Schema.optional(Schema.Int.pipe(Schema.between(0, 5))),
  linkedin_backoff_ms: Schema.optional(Schema.Int.pipe(Schema.between(0, 300_000))),
  country: Schema.optional(Schema.String.pipe(Schema.pattern(/^[a-z]{2}$/))),
  /** Indeed route: `web` (default; the search page's job cards, no key) or `mobile` (the app's GraphQL, needs a key). */
  indeed_api: Schema.optional(Schema.Literal("web", "mobile")),
  /** ZipRecruiter route: `web` (default; the job search page, no key) or `mobile` (the app's API, needs its authorization). */
  ziprecruiter_api: Schema.optional(Schema.Literal("web", "mobile")),
  /** Indeed mobile API key; default $INDEED_API_KEY. */
  indeed_api_key: Schema.optional(Schema.Redacted(Schema.String)),
  /** ZipRecruiter app `authorization` header value; default $ZIPRECRUITER_AUTH. */
  ziprecruiter_auth: Schema.optional(Schema.Redacted(Schema.String)),
  /** Google's `async` parameter for result pages past the first (from a live page). */
  google_async_param: Schema.optional(Schema.String),
  /** Without `searches`: how many searches derived from the profile run at most (default 48). */
  max_derived_searches: Schema.optional(Schema.Int.pipe(Schema.between(1, 1000)))
})
export type SearchOptions = typeof SearchOptions.Type

const DEFAULT_WANTED = 50

/**
 * The node's searches: `with.searches`, else the profile's target titles × locations × remote
 * (sources/search/from-profile.ts), which `jobsignal plan` lists.
 */
export const effectiveSearches = (
  opts: Pick<SearchOptions, "searches" | "max_derived_searches">,
  profilePath: string | undefined
): { searches: ReadonlyArray<Search>; derived: boolean; total: number } => {
  if (opts.searches && opts.searches.length > 0)
    return { searches: opts.searches, derived: false, total: opts.searches.length }
  if (!profilePath)
    throw new Fatal({
      reason: "Config",
      message:
        "search needs with.searches: [{term, location?, remote?, hours_old?, results_wanted?}] (no profile here to derive them from)"
    })
  const d = searchesFromProfile(readSearchSeed(profilePath), opts.max_derived_searches ?? DEFAULT_MAX_DERIVED)
  if (d.searches.length === 0)
    throw new Fatal({
      reason: "Config",
      message: `search: ${profilePath} names no target_titles to derive searches from; set them or with.searches`
    })
  return { ...d, derived: true }
}
const searchesOf = new Map<string, ReadonlyArray<Search>>()

const seenSets = new Map<string, Set<string>>()
const seenIn = (key: string) => {
  let s = seenSets.get(key)
  if (!s) seenSets.set(key, (s = new Set()))
  return s
}

/**
 * JobSpy-style search fan-out: one unit per (search × site), run concurrently by the engine; each
 * site has its own politeness gate (one request at a time, spaced by its delay) shared by all its
 * units, and each unit stops pulling pages at `results_wanted`. A site that needs a credential the
 * config lacks is left out with a notice.
 */
export const search: JobSource<SearchOptions> = {
  kind: "search",
  description: "Job search fan-out over LinkedIn (guest), Indeed, ZipRecruiter, Glassdoor, Google Jobs",
  defaultBaseUrl: "https://www.linkedin.com",
  options: SearchOptions,
  hostLimits: { concurrency: 8 },
  output: postingsStaging,
  timeDimension: "posted_at",
  unitsShareState:
    "a posting two searches find is staged once per run, and each site's requests are paced across searches",
  units: (opts, ctx) =>
    Effect.gen(function* () {
      const eff = yield* Effect.try({
        try: () => effectiveSearches(opts, ctx.profilePath),
        catch: (e) => (e instanceof Fatal ? new Fatal({ ...e, message: `${ctx.node}: ${e.message}` }) : (e as never))
      })
      if (eff.derived)
        yield* ctx.log(
          `${ctx.node}: ${eff.searches.length} searches derived from the profile (target titles × locations × remote${eff.total > eff.searches.length ? `; ${eff.total} in all, cut at max_derived_searches` : ""})`
        )
      for (const k of [...searchesOf.keys()]) if (k.endsWith(`:${ctx.node}`)) searchesOf.delete(k)
      searchesOf.set(`${ctx.runId}:${ctx.node}`, eff.searches)
      dropOldGates(ctx.runId, ctx.node)
      // A retried attempt restages from scratch, so what an earlier attempt saw is forgotten too.
      for (const k of [...seenSets.keys()]) if (k.includes(`:${ctx.node}:`)) seenSets.delete(k)
      const sites = opts.sites ?? ["linkedin"]
      const usable: Site[] = []
      for (const site of sites) {
        const why = scrapers[site].unavailable(opts)
        if (why) yield* ctx.log(`${ctx.node}: ${site} left out: ${why}`)
        else usable.push(site)
      }
      if (usable.length === 0 && sites.length > 0)
        yield* ctx.log(`${ctx.node}: skipped: no site of [${sites.join(", ")}] can run with this config`)
      const keys = new Set<string>()
      const units = []
      for (const site of usable)
        for (const [i, s] of eff.searches.entries()) {
          const key = `${site}:${s.term}${s.location ? `@${s.location}` : ""}${s.remote ? "+remote" : ""}`
          if (keys.has(key))
            return yield* Effect.fail(
              new Fatal({ reason: "Config", message: `${ctx.node}: searches[${i}] repeats ${JSON.stringify(key)}` })
            )
          keys.add(key)
          units.push({ key, site, index: i })
        }
      return units
    }),
  fetch: (unit, opts, ctx) => {
    const site = unit.site as Site
    const scraper = scrapers[site]
    const s = (searchesOf.get(`${ctx.runId}:${ctx.node}`) ?? opts.searches ?? [])[Number(unit.index)]
    const wanted = s.results_wanted ?? DEFAULT_WANTED
    const given = opts.base_urls?.[site]
    const folder = given && !/^[a-z]+:\/\//i.test(given) ? given.replace(/^\/+/, "") : undefined
    const baseUrl = (
      opts.base_url
        ? `${ctx.baseUrl}/${folder ?? site}`
        : (given ?? scraper.defaultBaseUrlFor?.(opts) ?? scraper.defaultBaseUrl)
    ).replace(/\/+$/, "")
    const gate = gated(`${ctx.runId}:${ctx.node}:${site}`, opts.delay_ms ?? scraper.delayMs)
    const label = `search ${unit.key}`
    // Two searches often find the same job: it is staged once per run, and the repeat is counted.
    const seen = seenIn(`${ctx.runId}:${ctx.node}:${site}`)
    let repeats = 0
    return scraper
      .search({
        site,
        baseUrl,
        search: s,
        wanted,
        unit: label,
        ctx,
        opts,
        request: (req) => gate({ ...req, unit: label })
      })
      .pipe(
        Stream.filter((p) => {
          if (seen.has(p.source_id)) return (repeats++, false)
          seen.add(p.source_id)
          return true
        }),
        Stream.take(wanted),
        Stream.ensuring(
          Effect.suspend(() =>
            repeats > 0
              ? ctx.log(`${label}: ${repeats} posting(s) already staged by another search of this run`)
              : Effect.void
          )
        )
      )
  },
  fixtures: searchFixtures,
  // Every site on its recording: LinkedIn's and ZipRecruiter's raw pages, Indeed's, Glassdoor's and Google's
  // recordings wrapped back into their page shape (the folders say so). The replay ignores the search terms.
  replayOptions: {
    sites: ["linkedin", "indeed", "ziprecruiter", "glassdoor", "google"],
    base_urls: recordedSiteFolders,
    searches: [{ term: "rust engineer", location: "Brazil", results_wanted: 60 }],
    delay_ms: 0
  }
}
