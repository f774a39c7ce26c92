import { Chunk, Effect, Option, Schema, Stream } from "effect"
import { Fatal } from "../../core/errors.ts"
import { Http } from "../http.ts"
import { baseSourceOptions } from "../options.ts"
import { postingsStaging } from "../postings.ts"
import { blocked, looksBlocked } from "../jobboards/common.ts"
import { jobPage, pageUrl } from "../jsonld/index.ts"
import type { JobSource, SourceContext } from "../source.ts"

export const BuiltInOptions = Schema.Struct({
  ...baseSourceOptions,
  /** Job pages (`/job/<slug>/<id>` or full URLs) read through their JSON-LD. */
  jobs: Schema.optional(Schema.Array(Schema.String.pipe(Schema.minLength(1)))),
  /** Search terms: listing pages `/jobs?search=…` are read for job links, then each job page. */
  searches: Schema.optional(Schema.Array(Schema.String.pipe(Schema.minLength(1)))),
  /** Job pages per search at most (default 50). */
  results_wanted: Schema.optional(Schema.Int.pipe(Schema.between(1, 1000))),
  max_pages: Schema.optional(Schema.Int.pipe(Schema.between(1, 50)))
})
export type BuiltInOptions = typeof BuiltInOptions.Type

/** `/job/<slug>/<id>` links of a listing page, in order, without repeats. */
export const builtinJobLinks = (html: string): string[] => [
  ...new Set(
    [...html.matchAll(/href="((?:https:\/\/builtin\.com)?\/job\/[\w%-]+\/\d+)"/g)].map((m) =>
      m[1].replace(/^https:\/\/builtin\.com/, "")
    )
  )
]

const listing = (term: string, opts: BuiltInOptions, ctx: SourceContext) => {
  const maxPages = opts.max_pages ?? 5
  const seen = new Set<string>()
  return Stream.paginateChunkEffect(1, (page) =>
    Effect.gen(function* () {
      const http = yield* Http
      const url = `${ctx.baseUrl}/jobs?search=${encodeURIComponent(term)}&page=${page}`
      const unit = `builtin search ${JSON.stringify(term)} page ${page}`
      const got = yield* http.request({ url, unit, headers: { accept: "text/html" } }).pipe(
        // Past the first page, "no such page" is the end of the listing.
        Effect.map(Option.some),
        Effect.catchIf(
          (e) => page > 1 && e._tag === "Skippable" && e.reason === "NotFound",
          () => Effect.succeed(Option.none())
        )
      )
      if (Option.isNone(got)) return [Chunk.empty<string>(), Option.none<number>()] as const
      const res = got.value
      const links = builtinJobLinks(res.text).filter((l) => !seen.has(l))
      if (links.length === 0 && page === 1) {
        const wall = looksBlocked(res.text)
        if (wall) return yield* Effect.fail(blocked(unit, wall, url))
      }
      links.forEach((l) => seen.add(l))
      return [
        Chunk.fromIterable(links),
        links.length > 0 && page < maxPages ? Option.some(page + 1) : Option.none()
      ] as const
    })
  )
}

/**
 * BuiltIn (builtin.com) job pages, read through their schema.org JSON-LD; searches find job pages
 * through the listing's links. BuiltIn's company link is its own company page, so the posting's
 * company domain is left empty rather than set to builtin.com.
 */
export const builtin: JobSource<BuiltInOptions> = {
  kind: "builtin",
  description: "BuiltIn job pages (public HTML with JSON-LD JobPosting; no key)",
  defaultBaseUrl: "https://builtin.com",
  options: BuiltInOptions,
  hostLimits: { concurrency: 2, perSecond: 1 },
  output: postingsStaging,
  timeDimension: "posted_at",
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
    { path: "/jobs", query: { page: "1" }, file: "builtin/synthetic-search-listing.html" }
  ],
  replayOptions: { jobs: ["/job/3199-ai-software-development-engineer-ii/6872535"], searches: [] }
}
