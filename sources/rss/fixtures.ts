import type { FixtureRoute } from "../source.ts"

/** Recorded feeds (fixtures/SIGNALS.md) under `/{host}{path}`, as `feedRequestUrl` asks for them. */
export const rssFixtures: ReadonlyArray<FixtureRoute> = [
  {
    path: "/techcrunch.com/feed/",
    file: "rss/techcrunch-feed-2023-08-16.xml",
    contentType: "application/rss+xml; charset=UTF-8"
  },
  {
    path: "/www.heise.de/developer/rss/news-atom.xml",
    file: "rss/heise-developer.atom",
    contentType: "application/atom+xml"
  },
  // Synthetic feeds for the bad-input and cross-outlet cases no recording covers.
  { path: "/synthetic.test/malformed.xml", file: "rss/synthetic-malformed-feed.xml" },
  { path: "/synthetic.test/no-dates.xml", file: "rss/synthetic-no-dates-feed.xml" },
  { path: "/synthetic.test/duplicate-guids.xml", file: "rss/synthetic-duplicate-guids-feed.xml" },
  { path: "/outlet-a.test/feed.xml", file: "rss/synthetic-outlet-a-funding.xml" },
  { path: "/outlet-b.test/feed.xml", file: "rss/synthetic-outlet-b-funding.xml" },
  { path: "/outlet-c.test/feed.xml", file: "rss/synthetic-outlet-c-funding.xml" }
]
