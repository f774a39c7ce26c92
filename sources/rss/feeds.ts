export interface FeedSpec {
  readonly url: string
  readonly name: string
  readonly company?: string
}

/** Outlets that carry funding rounds and health-care business news most days. */
export const defaultFeeds: ReadonlyArray<FeedSpec> = [
  { url: "https://techcrunch.com/category/venture/feed/", name: "techcrunch-venture" },
  { url: "https://techcrunch.com/tag/funding/feed/", name: "techcrunch-funding" },
  { url: "https://www.fiercehealthcare.com/rss/xml", name: "fierce-healthcare" },
  { url: "https://news.crunchbase.com/feed/", name: "crunchbase-news" }
]

const DEFAULT_TERMS = "raises OR funding OR appoints OR names OR acquires OR acquisition"

/** One Google News search feed per target company, its items attributed to that company. */
export const googleNewsFeeds = (
  targets: ReadonlyArray<{ name: string }>,
  max: number,
  terms = DEFAULT_TERMS
): FeedSpec[] =>
  targets.slice(0, max).map((t) => ({
    url: `https://news.google.com/rss/search?${new URLSearchParams({ q: `"${t.name}" (${terms})`, hl: "en-US", gl: "US", ceid: "US:en" })}`,
    name: `google-news:${t.name}`,
    company: t.name
  }))
