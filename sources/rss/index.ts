import { Effect } from "effect"
import type Parser from "rss-parser"
import { lazyRequire } from "../../core/lazy-require.ts"
import { createHash } from "node:crypto"
import { Skippable } from "../../core/errors.ts"
import { Http, type HttpRequest } from "../http.ts"
import { htmlToText, isoDate } from "../text.ts"
import type { Source, SourceContext, SourceUnit, StagingOutput } from "../source.ts"
import { decodeBody } from "./charset.ts"
import { defaultFeeds, googleNewsFeeds, type FeedSpec } from "./feeds.ts"
import { rssFixtures } from "./fixtures.ts"
import { type RssOptions, rssDeclaration, stgNews } from "./declaration.ts"

/** One news item as staged in `stg_news`. */
export interface NewsItem {
  readonly feed: string
  readonly feed_url: string
  readonly guid: string
  readonly title: string
  readonly link: string | null
  readonly published_at: string | null
  readonly summary: string | null
  readonly content: string | null
  readonly categories: ReadonlyArray<string>
  readonly author: string | null
  readonly company_hint: string | null
}

export const newsStaging: StagingOutput<NewsItem, typeof stgNews> = {
  table: stgNews,
  toRow: (n) => ({ ...n, categories: [...n.categories] }),
  key: (n) => `${n.feed}:${n.guid}`,
  cursorValue: (n) => n.published_at
}

/** `with.base_url` keeps each feed's host as the first path segment, so feeds of different sites never collide. */
export const feedRequestUrl = (feedUrl: string, baseUrl: string | undefined) => {
  if (!baseUrl) return feedUrl
  const u = new URL(feedUrl)
  return `${baseUrl.replace(/\/+$/, "")}/${u.host}${u.pathname}${u.search}`
}

// rss-parser (with xml2js, sax, xmlbuilder) is required when a feed is first parsed, not when a command knows sources.
const rssParser = lazyRequire<typeof Parser>(import.meta.url, "rss-parser")
let parserInstance: Parser | undefined
const parser = () =>
  (parserInstance ??= new (rssParser())({ customFields: { item: [["content:encoded", "contentEncoded"]] } }))

type ParsedItem = Parser.Item & { id?: string; contentEncoded?: string; creator?: string; author?: string }

const feedsOf = (opts: RssOptions, ctx: SourceContext): FeedSpec[] => {
  const specs = (opts.feeds ?? defaultFeeds).map((f) => (typeof f === "string" ? { url: f } : f))
  const hosts = specs.map((f) => new URL(f.url).host)
  // A feed is named by its host, or host + path when one site gives several feeds.
  const listed: FeedSpec[] = specs.map((f, i) => ({
    ...f,
    name:
      f.name ??
      (hosts.indexOf(hosts[i]) === hosts.lastIndexOf(hosts[i])
        ? hosts[i]
        : `${hosts[i]}${new URL(f.url).pathname.replace(/\/+$/, "")}`)
  }))
  if (opts.google_news?.max === 0) return listed
  let targets: ReadonlyArray<{ name: string }> = []
  try {
    targets = ctx.targets()
  } catch {
    // No targets file yet: the listed feeds are the whole set.
  }
  return [...listed, ...googleNewsFeeds(targets, opts.google_news?.max ?? 50, opts.google_news?.terms)]
}

/** Turns one parsed feed into items: duplicated GUIDs skipped with a count, undated items kept (dated by first sight downstream). */
export const itemsOfFeed = (
  feed: FeedSpec,
  items: ReadonlyArray<ParsedItem>,
  contentChars: number,
  ctx: Pick<SourceContext, "skip" | "log">
) =>
  Effect.gen(function* () {
    const seen = new Set<string>()
    const out: NewsItem[] = []
    let undated = 0
    for (const [i, it] of items.entries()) {
      const title = htmlToText(it.title ?? null)
      if (!title) {
        yield* ctx.skip(
          new Skippable({
            reason: "InvalidRecord",
            unit: feed.name,
            message: `feed ${feed.name}: item #${i} has no title`
          })
        )
        continue
      }
      const guid =
        String(it.guid ?? it.id ?? it.link ?? "") ||
        `title:${createHash("sha256").update(title).digest("hex").slice(0, 16)}`
      if (seen.has(guid)) {
        yield* ctx.skip(
          new Skippable({
            reason: "InvalidRecord",
            unit: feed.name,
            message: `feed ${feed.name}: item #${i} (${JSON.stringify(title.slice(0, 60))}) repeats GUID ${guid}; kept the first`
          })
        )
        continue
      }
      seen.add(guid)
      const published = isoDate(it.isoDate ?? it.pubDate ?? null)
      if (!published) undated++
      const content = htmlToText(it.contentEncoded ?? it.content ?? null)
      out.push({
        feed: feed.name,
        feed_url: feed.url,
        guid,
        title,
        link: it.link ?? null,
        published_at: published,
        summary: it.contentSnippet?.trim() || htmlToText(it.summary ?? null),
        content: content ? content.slice(0, contentChars) : null,
        categories: (it.categories ?? [])
          .map((c) => (typeof c === "string" ? c : String((c as { _?: string })._ ?? "")))
          .filter(Boolean),
        author: it.creator ?? it.author ?? null,
        company_hint: feed.company ?? null
      })
    }
    if (undated > 0)
      yield* ctx.log(
        `feed ${feed.name}: ${undated} of ${out.length} items carry no date; they are dated by first sight`
      )
    return out
  })

/**
 * News over RSS/Atom: funding, leadership, acquisition and press items for the signal engine. Each
 * feed is one unit; a feed that cannot be read (bad XML, unknown charset) fails alone, named.
 */
export const rss: Source<RssOptions, NewsItem> = {
  ...rssDeclaration,
  defaultBaseUrl: "https://techcrunch.com",
  hostLimits: { concurrency: 4, perSecond: 4 },
  output: newsStaging,
  units: (opts, ctx) => Effect.succeed(feedsOf(opts, ctx).map((f): SourceUnit => ({ key: f.name, ...f }))),
  fetch: (unit, opts, ctx) => {
    const feed = unit as unknown as FeedSpec
    const req: HttpRequest = {
      url: feedRequestUrl(feed.url, opts.base_url),
      unit: `feed ${feed.name}`,
      headers: { accept: "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8" }
    }
    return Effect.gen(function* () {
      const http = yield* Http
      const res = yield* http.request(req)
      const text = yield* Effect.try({
        try: () => decodeBody(res).text,
        catch: (e) =>
          new Skippable({
            reason: "BadBody",
            unit: feed.name,
            message: `feed ${feed.name} (${feed.url}) ${(e as Error).message}`
          })
      })
      const parsed = yield* Effect.tryPromise({
        try: () => parser().parseString(text),
        catch: (e) =>
          new Skippable({
            reason: "BadBody",
            unit: feed.name,
            message: `feed ${feed.name} (${feed.url}) is not readable RSS/Atom: ${String((e as Error).message ?? e).split("\n")[0]} (${text.length} bytes, starts ${JSON.stringify(text.slice(0, 60))})`
          })
      })
      return yield* itemsOfFeed(feed, parsed.items as ParsedItem[], opts.content_chars ?? 4000, ctx)
    })
  },
  fixtures: rssFixtures,
  replayOptions: {
    feeds: [
      { url: "https://techcrunch.com/feed/", name: "techcrunch" },
      { url: "https://www.heise.de/developer/rss/news-atom.xml", name: "heise-developer" }
    ],
    google_news: { max: 0 }
  }
}
