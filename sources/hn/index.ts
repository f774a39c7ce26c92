import { Chunk, Effect, Option, Schema, Stream } from "effect"
import { Fatal } from "../../core/errors.ts"
import { fetchJson } from "../http.ts"
import { postingsStaging } from "../postings.ts"
import type { JobSource } from "../source.ts"
import { parseHiringComment, type HnComment } from "./parse.ts"
import { type HnOptions, hnDeclaration } from "./declaration.ts"

const Hit = Schema.Struct({
  objectID: Schema.String,
  comment_text: Schema.optional(Schema.NullOr(Schema.String)),
  created_at: Schema.optional(Schema.NullOr(Schema.String)),
  author: Schema.optional(Schema.NullOr(Schema.String)),
  story_id: Schema.optional(Schema.NullOr(Schema.Number)),
  parent_id: Schema.optional(Schema.NullOr(Schema.Number))
})

const CommentPage = Schema.Struct({
  hits: Schema.Array(Hit),
  nbPages: Schema.optional(Schema.Number),
  page: Schema.optional(Schema.Number)
})

const StoryPage = Schema.Struct({
  hits: Schema.Array(
    Schema.Struct({
      objectID: Schema.String,
      title: Schema.optional(Schema.NullOr(Schema.String)),
      created_at: Schema.optional(Schema.NullOr(Schema.String))
    })
  )
})

const isHiringThread = (title: string | null | undefined) => /^Ask HN: Who is hiring\?/i.test(title ?? "")

/** The story ids of one unit: given, or found through `search_by_date` on the `whoishiring` account. */
const storyIds = (unit: Record<string, unknown>, opts: HnOptions, baseUrl: string) =>
  unit.story_id !== undefined
    ? Effect.succeed([Number(unit.story_id)])
    : fetchJson(
        {
          url: `${baseUrl}/api/v1/search_by_date?tags=story,author_whoishiring&hitsPerPage=30`,
          unit: "hn latest who-is-hiring"
        },
        StoryPage
      ).pipe(
        Effect.map((p) =>
          p.hits
            .filter((h) => isHiringThread(h.title))
            .slice(0, opts.latest ?? 1)
            .map((h) => Number(h.objectID))
        )
      )

/**
 * Hacker News "Who is hiring?" threads through the Algolia API: every comment of the story
 * (`search?tags=comment,story_ID`), top-level ones parsed as postings. Replies are not postings;
 * top-level comments outside the "Company | Role | …" convention are counted in a log line.
 */
export const hn: JobSource<HnOptions> = {
  ...hnDeclaration,
  defaultBaseUrl: "https://hn.algolia.com",
  hostLimits: { concurrency: 2, perSecond: 2 },
  output: postingsStaging,
  units: (opts) =>
    opts.story_ids && opts.story_ids.length === 0
      ? Effect.fail(
          new Fatal({
            reason: "Config",
            message: "hn: with.story_ids is empty; leave it out to follow the latest thread"
          })
        )
      : Effect.succeed(
          opts.story_ids ? opts.story_ids.map((id) => ({ key: `story_${id}`, story_id: id })) : [{ key: "latest" }]
        ),
  fetch: (unit, opts, ctx) => {
    const perPage = opts.hits_per_page ?? 1000
    const maxPages = opts.max_pages ?? 5
    return Stream.fromIterableEffect(storyIds(unit, opts, ctx.baseUrl)).pipe(
      Stream.flatMap((story) =>
        Stream.paginateChunkEffect(0, (page) =>
          Effect.gen(function* () {
            const req = {
              url: `${ctx.baseUrl}/api/v1/search?tags=comment,story_${story}&hitsPerPage=${perPage}&page=${page}`,
              unit: `hn story_${story} page ${page}`
            }
            const body = yield* fetchJson(req, CommentPage)
            const top = body.hits.filter(
              (h) => h.parent_id == null || h.parent_id === h.story_id || h.parent_id === story
            )
            const postings = []
            let notPosts = 0
            for (const h of top) {
              const r = parseHiringComment({
                ...h,
                comment_text: h.comment_text ?? "",
                story_id: h.story_id ?? story
              } as HnComment)
              if (r.ok) postings.push(r.posting)
              else notPosts++
            }
            yield* ctx.log(
              `${req.unit}: ${body.hits.length} comments, ${top.length} top-level, ${postings.length} postings, ${notPosts} not in the 'Company | Role | Location' format (not postings), ${body.hits.length - top.length} replies`
            )
            const more = page + 1 < (body.nbPages ?? 1) && page + 1 < maxPages && body.hits.length > 0
            return [Chunk.fromIterable(postings), more ? Option.some(page + 1) : Option.none()] as const
          })
        )
      )
    )
  },
  fixtures: [
    {
      path: "/api/v1/search",
      query: { tags: "comment,story_47975571" },
      file: "hn/hn-algolia-search-comments-story_47975571.json"
    },
    { path: "/api/v1/search_by_date", file: "hn/synthetic-search-by-date-whoishiring.json" }
  ],
  replayOptions: { story_ids: [47975571] }
}
