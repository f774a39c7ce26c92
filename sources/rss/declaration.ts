import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stagingTable } from "../../sinks/table.ts"
import type { SourceDeclaration } from "../source.ts"

export const FeedEntry = Schema.Union(
  Schema.String.pipe(Schema.pattern(/^https?:\/\//)),
  Schema.Struct({
    url: Schema.String.pipe(Schema.pattern(/^https?:\/\//)),
    name: Schema.optional(Schema.String),
    /** The company this feed is about (a Google News search for one target): press items are attributed to it. */
    company: Schema.optional(Schema.String)
  })
)

/** News items as `transform: signals` reads them. Source nodes created it at start until migration 0451 did. */
export const stgNews = stagingTable({
  name: "stg_news",
  createdBy: "0451_stg_news",
  columns: {
    feed: "VARCHAR",
    feed_url: "VARCHAR",
    guid: "VARCHAR",
    title: "VARCHAR",
    link: "VARCHAR",
    published_at: "TIMESTAMPTZ",
    summary: "VARCHAR",
    content: "VARCHAR",
    categories: "VARCHAR[]",
    author: "VARCHAR",
    company_hint: "VARCHAR"
  }
})

export const RssOptions = Schema.Struct({
  ...baseSourceOptions,
  /** Feed URLs or {url, name, company}; default: TechCrunch venture + funding, Fierce Healthcare, Crunchbase News. */
  feeds: Schema.optional(Schema.Array(FeedEntry)),
  /** Add a Google News search feed per target company (targets/companies.yaml), up to `max`. */
  google_news: Schema.optional(
    Schema.Struct({
      max: Schema.optional(Schema.Int.pipe(Schema.between(0, 2000))),
      terms: Schema.optional(Schema.String)
    })
  ),
  /** Characters of article body kept for extraction (funding details often sit in the second paragraph). */
  content_chars: Schema.optional(Schema.Int.pipe(Schema.between(0, 100_000)))
})

export type RssOptions = typeof RssOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const rssDeclaration: SourceDeclaration<RssOptions> = {
  kind: "rss",
  description: "News feeds (RSS/Atom): funding, leadership, acquisitions, press",
  options: RssOptions,
  table: stgNews,
  timeDimension: "published_at"
}
