import { Effect, Stream } from "effect"
import { Fatal } from "../../core/errors.ts"
import { postingsStaging } from "../postings.ts"
import type { JobSource } from "../source.ts"
import type { HttpRequest } from "../http.ts"
import { dropOldGates, gated, type Search, type Site, type SiteScraper } from "./site.ts"
import { linkedin } from "./linkedin.ts"
import { indeed } from "./indeed.ts"
import { ziprecruiter } from "./ziprecruiter.ts"
import { glassdoor } from "./glassdoor.ts"
import { google } from "./google.ts"
import { recordedSiteFolders, searchFixtures } from "./fixtures.ts"
import { effectiveSearches } from "./from-profile.ts"
import { type SearchOptions, searchDeclaration } from "./declaration.ts"

export const scrapers: Record<Site, SiteScraper> = { linkedin, indeed, ziprecruiter, glassdoor, google }

const DEFAULT_WANTED = 50

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
  ...searchDeclaration,
  defaultBaseUrl: "https://www.linkedin.com",
  hostLimits: { concurrency: 8 },
  output: postingsStaging,
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
      const distanceGiven = opts.distance !== undefined || eff.searches.some((s) => s.distance !== undefined)
      for (const site of usable)
        if (distanceGiven && scrapers[site].ignores?.includes("distance"))
          yield* ctx.log(`${ctx.node}: ${site} takes no distance parameter: distance ignored there`)
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
    // JobSpy's offset: paging starts at the page holding result `offset`; what precedes it there is dropped.
    const offset = s.offset ?? 0
    const pageSize = scraper.pageSize?.(opts)
    const start = pageSize ? Math.floor(offset / pageSize) * pageSize : 0
    const skip = offset - start
    const given = opts.base_urls?.[site]
    const folder = given && !/^[a-z]+:\/\//i.test(given) ? given.replace(/^\/+/, "") : undefined
    const baseUrl = (
      opts.base_url
        ? `${ctx.baseUrl}/${folder ?? site}`
        : (given ?? scraper.defaultBaseUrlFor?.(opts) ?? scraper.defaultBaseUrl)
    ).replace(/\/+$/, "")
    const delayMs = opts.delay_ms ?? scraper.delayMs
    // On the BullMQ executor a page is fetched by a worker, on a queue per site and host paced at the site's delay;
    // requests through proxies or carrying an app key stay here (neither is ever put on the queue).
    const away =
      ctx.sendElsewhere && !(opts.proxies && opts.proxies.length > 0) && !scraper.credentialed?.(opts)
        ? ctx.sendElsewhere
        : undefined
    const gate = gated(
      `${ctx.runId}:${ctx.node}:${site}`,
      delayMs,
      away
        ? (req) =>
            away(
              {
                name: `search-${site}`,
                ...(delayMs > 0 ? { perSecond: 1000 / delayMs } : {})
              },
              req
            )
        : undefined
    )
    const label = `search ${unit.key}`
    // Two searches often find the same job: it is staged once per run, and the repeat is counted.
    const seen = seenIn(`${ctx.runId}:${ctx.node}:${site}`)
    let repeats = 0
    const distance = s.distance ?? opts.distance
    const env = {
      site,
      baseUrl,
      search: s,
      wanted: wanted + skip,
      start,
      ...(distance !== undefined && !scraper.ignores?.includes("distance") ? { distance } : {}),
      unit: label,
      ctx,
      opts,
      request: (req: Omit<HttpRequest, "unit">) => gate({ ...req, unit: label })
    }
    const detail = opts.fetch_descriptions ? scraper.detail : undefined
    const listed = scraper.search(env).pipe(
      Stream.drop(skip),
      Stream.filter((p) => {
        if (seen.has(p.source_id)) return (repeats++, false)
        seen.add(p.source_id)
        return true
      }),
      Stream.take(wanted)
    )
    return (detail ? listed.pipe(Stream.mapEffect((p) => detail(p, env))) : listed).pipe(
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
