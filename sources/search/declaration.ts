import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const Site = Schema.Literal("linkedin", "indeed", "ziprecruiter", "glassdoor", "google")
export type Site = typeof Site.Type

/** One search in JobSpy's vocabulary; `results_wanted` applies per site. */
export const Search = Schema.Struct({
  term: Schema.String.pipe(Schema.minLength(1)),
  location: Schema.optional(Schema.String),
  remote: Schema.optional(Schema.Boolean),
  hours_old: Schema.optional(Schema.Int.pipe(Schema.positive())),
  results_wanted: Schema.optional(Schema.Int.pipe(Schema.between(1, 1000))),
  /**
   * Miles around `location` (JobSpy's `distance`): LinkedIn's `distance`, Indeed's and ZipRecruiter's `radius`.
   * Glassdoor's and Google's searches take none: there it is ignored, and the node says so.
   */
  distance: Schema.optional(Schema.Int.pipe(Schema.between(1, 500))),
  /**
   * Skip the first N results on each site (JobSpy's `offset`): paging starts at the site's page that holds
   * result N (LinkedIn and Indeed 10 a page, ZipRecruiter 20, Glassdoor 30) and the rest of that page is dropped;
   * Google and Indeed's mobile route page by cursor, so their first N are fetched and dropped.
   */
  offset: Schema.optional(Schema.Int.pipe(Schema.between(0, 1000)))
})
export type Search = typeof Search.Type

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
  /** Miles around each search's location unless the search gives its own `distance` (JobSpy's default is 50). */
  distance: Schema.optional(Schema.Int.pipe(Schema.between(1, 500))),
  /** Google's `async` parameter for result pages past the first (from a live page). */
  google_async_param: Schema.optional(Schema.String),
  /** Without `searches`: how many searches derived from the profile run at most (default 48). */
  max_derived_searches: Schema.optional(Schema.Int.pipe(Schema.between(1, 1000)))
})

export type SearchOptions = typeof SearchOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const searchDeclaration: SourceDeclaration<SearchOptions> = {
  kind: "search",
  description: "Job search fan-out over LinkedIn (guest), Indeed, ZipRecruiter, Glassdoor, Google Jobs",
  options: SearchOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
