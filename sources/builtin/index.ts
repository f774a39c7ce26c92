import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Chunk, Effect, Option, Stream } from "effect"
import { Fatal } from "../../core/errors.ts"
import { Http } from "../http.ts"
import { postingsStaging } from "../postings.ts"
import { blocked, looksBlocked } from "../jobboards/common.ts"
import { jobPage, pageUrl } from "../jsonld/index.ts"
import type { JobSource, Posting, SourceContext } from "../source.ts"
import { remoteFromText } from "../text.ts"
import type * as Cheerio from "cheerio"
import { lazyRequire } from "../../core/lazy-require.ts"
import { type BuiltInOptions, builtinDeclaration } from "./declaration.ts"

// Required on the first page (cheerio brings parse5, iconv-lite and undici): `validate` never loads it.
const cheerio = lazyRequire<typeof Cheerio>(import.meta.url, "cheerio")

/** `/job/<slug>/<id>` links of a listing page, in order, without repeats. */
export const builtinJobLinks = (html: string): string[] => [
  ...new Set(
    [...html.matchAll(/href="((?:https:\/\/builtin\.com)?\/job\/[\w%-]+\/\d+)"/g)].map((m) =>
      m[1].replace(/^https:\/\/builtin\.com/, "")
    )
  )
]

/** One job card of a listing page: its link, title and company (`data-id` attributes BuiltIn's cards carry). */
export interface BuiltInCard {
  readonly link: string
  readonly id: string
  readonly title: string
  readonly company: string | null
}

export const builtinCards = (html: string): BuiltInCard[] => {
  const $ = cheerio().load(html)
  const out: BuiltInCard[] = []
  const seen = new Set<string>()
  $('[data-id="job-card"]').each((_, el) => {
    const card = $(el)
    const a = card.find('a[data-id="job-card-title"]').first()
    const link = (a.attr("href") ?? "").replace(/^https:\/\/builtin\.com/, "")
    const id = link.match(/^\/job\/[\w%-]+\/(\d+)$/)?.[1]
    const title = a.text().trim()
    if (!id || !title || seen.has(id)) return
    seen.add(id)
    out.push({ link, id, title, company: card.find('[data-id="company-title"]').first().text().trim() || null })
  })
  return out
}

export const builtinCardPosting = (c: BuiltInCard, site = "https://builtin.com"): Posting => ({
  source: "builtin",
  source_id: c.id,
  board: "builtin",
  url: `${site}${c.link}`,
  title: c.title,
  company: c.company ?? "(not stated)",
  location: null,
  remote: remoteFromText(c.title),
  raw: c
})

/**
 * The pages of one listing search, each read by `read` into new items (`key` tells an item seen on an earlier page).
 * Past the first page, "no such page" ends the listing; an empty first page that looks like a bot wall is Blocked.
 */
const listingPages = <A>(
  term: string,
  opts: BuiltInOptions,
  ctx: SourceContext,
  read: (html: string) => ReadonlyArray<A>,
  key: (a: A) => string
) => {
  const maxPages = opts.max_pages ?? 5
  const seen = new Set<string>()
  return Stream.paginateChunkEffect(1, (page) =>
    Effect.gen(function* () {
      const http = yield* Http
      const url = `${ctx.baseUrl}/jobs?search=${encodeURIComponent(term)}&page=${page}`
      const unit = `builtin search ${JSON.stringify(term)} page ${page}`
      const got = yield* http.request({ url, unit, headers: { accept: "text/html" } }).pipe(
        Effect.map(Option.some),
        Effect.catchIf(
          (e) => page > 1 && e._tag === "Skippable" && e.reason === "NotFound",
          () => Effect.succeed(Option.none())
        )
      )
      if (Option.isNone(got)) return [Chunk.empty<A>(), Option.none<number>()] as const
      const items = read(got.value.text).filter((a) => !seen.has(key(a)))
      if (items.length === 0 && page === 1) {
        const wall = looksBlocked(got.value.text)
        if (wall) return yield* Effect.fail(blocked(unit, wall, url))
      }
      for (const a of items) seen.add(key(a))
      return [
        Chunk.fromIterable(items),
        items.length > 0 && page < maxPages ? Option.some(page + 1) : Option.none<number>()
      ] as const
    })
  )
}

/** The listing's cards as postings (`listing_only`): no job page is fetched. */
const listingCards = (term: string, opts: BuiltInOptions, ctx: SourceContext) =>
  listingPages(term, opts, ctx, builtinCards, (c) => c.id).pipe(Stream.map((c) => builtinCardPosting(c)))

/** The job-page links of a listing, each fetched for its JSON-LD. */
const listing = (term: string, opts: BuiltInOptions, ctx: SourceContext) =>
  listingPages(term, opts, ctx, builtinJobLinks, (l) => l)

/**
 * BuiltIn (builtin.com) job pages, read through their schema.org JSON-LD; searches find job pages
 * through the listing's links. BuiltIn's company link is its own company page, so the posting's
 * company domain is left empty rather than set to builtin.com.
 */
// The recorded listing is SCRAPER OUTPUT (212 cards as {title, link, id, company}); this route writes them
// back as listing pages of 20 cards in BuiltIn's card markup. Its folder says so.
const CARDS_FILE = join(
  import.meta.dirname,
  "..",
  "..",
  "fixtures",
  "builtin",
  "aiefg-builtin-search-london-2026-02-27.json"
)
export const builtinWrappedListing = ({ url }: { url: URL }) => {
  const page = Number(url.searchParams.get("page") ?? "1")
  const cards = (JSON.parse(readFileSync(CARDS_FILE, "utf8")) as Array<Record<string, string>>).slice(
    (page - 1) * 20,
    page * 20
  )
  if (cards.length === 0) return { status: 404, body: "past the last recorded card" }
  const esc = (v: string) => v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;")
  return {
    contentType: "text/html; charset=utf-8",
    body: `<!doctype html><html><head><title>jobsignal replay: BuiltIn listing wrapped from scraper output</title></head><body>${cards
      .map(
        (c) =>
          `<div data-id="job-card"><a data-id="job-card-title" href="${esc(c.link)}">${esc(c.title)}</a><a data-id="company-title"><span>${esc(c.company)}</span></a></div>`
      )
      .join("\n")}</body></html>`
  }
}

export const builtin: JobSource<BuiltInOptions> = {
  ...builtinDeclaration,
  defaultBaseUrl: "https://builtin.com",
  hostLimits: { concurrency: 2, perSecond: 1 },
  output: postingsStaging,
  units: (opts) => {
    const units = [
      ...(opts.jobs ?? []).map((page) => ({ key: `job:${page}`, page })),
      ...(opts.searches ?? []).map((term) => ({ key: `search:${term}`, term }))
    ]
    return units.length > 0
      ? Effect.succeed(units)
      : Effect.fail(
          new Fatal({
            reason: "Config",
            message: "builtin needs with.jobs (job page paths) or with.searches (search terms)"
          })
        )
  },
  fetch: (unit, opts, ctx) => {
    const one = (page: string) => jobPage("builtin", pageUrl(page, ctx.baseUrl), ctx, "builtin.com")
    if (unit.page !== undefined) return one(String(unit.page))
    const wanted = opts.results_wanted ?? 50
    if (opts.listing_only) return listingCards(String(unit.term), opts, ctx).pipe(Stream.take(wanted))
    // A dead job page among a listing's links is counted and the others go on.
    return listing(String(unit.term), opts, ctx).pipe(
      Stream.take(wanted),
      Stream.mapEffect((page) => one(page).pipe(Effect.catchTag("Skippable", (e) => ctx.skip(e).pipe(Effect.as([])))), {
        concurrency: 2
      }),
      Stream.flattenIterables
    )
  },
  fixtures: [
    {
      path: "/job/3199-ai-software-development-engineer-ii/6872535",
      file: "builtin/builtin-job-6872535-innovaccer.html"
    },
    { path: "/jobs", query: { page: "1" }, file: "builtin/synthetic-search-listing.html" },
    { path: "/wrapped-from-scraper-output/jobs", handler: builtinWrappedListing }
  ],
  replayOptions: { jobs: ["/job/3199-ai-software-development-engineer-ii/6872535"], searches: [] }
}
