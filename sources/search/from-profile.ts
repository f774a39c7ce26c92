import { existsSync, readFileSync } from "node:fs"
import { Schema } from "effect"
import { lazyRequire } from "../../core/lazy-require.ts"
import { Fatal } from "../../core/errors.ts"
import type { Search, SearchOptions } from "./declaration.ts"

// Only `plan` and a search node without with.searches read the profile this way: `yaml` is required then.
const yaml = lazyRequire<typeof import("yaml")>(import.meta.url, "yaml")

/** The part of profile.yaml the search fan-out derives its default searches from. */
const SearchSeed = Schema.Struct({
  target_titles: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  locations: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  remote: Schema.optionalWith(Schema.Literal("remote_only", "remote_preferred", "any"), {
    default: () => "remote_preferred" as const
  })
})
export type SearchSeed = typeof SearchSeed.Type

const COUNTRY = new Set(["us", "usa", "u.s.", "united states", "united states of america"])
const titleCase = (s: string) => s.replace(/\b\p{L}/gu, (c) => c.toUpperCase())

/** Searches per derived list at most unless `with.max_derived_searches` says otherwise (each runs on every site). */
export const DEFAULT_MAX_DERIVED = 48

/**
 * The default searches for a candidate: every target title in the country, remote (unless remote is
 * `any`), then in the country on site (unless `remote_only`), then in each named city (unless
 * `remote_only`); spellings of the country fold into one. In that order, cut at `max`.
 */
export const searchesFromProfile = (
  seed: SearchSeed,
  max = DEFAULT_MAX_DERIVED,
  resultsWanted = 25
): { searches: Search[]; total: number } => {
  const places = [...new Set(seed.locations.map((l) => l.trim().toLowerCase()).filter((l) => l && l !== "remote"))]
  const country = places.some((p) => COUNTRY.has(p)) ? "United States" : undefined
  const cities = places.filter((p) => !COUNTRY.has(p)).map(titleCase)
  const titles = [...new Set(seed.target_titles.map((t) => t.trim()).filter(Boolean))]
  const out: Search[] = []
  const add = (term: string, location: string | undefined, remote: boolean) =>
    out.push({
      term,
      ...(location ? { location } : {}),
      ...(remote ? { remote: true } : {}),
      results_wanted: resultsWanted
    })
  if (seed.remote !== "any") for (const t of titles) add(t, country, true)
  if (seed.remote !== "remote_only") {
    if (country || cities.length === 0) for (const t of titles) add(t, country, false)
    for (const c of cities) for (const t of titles) add(t, c, false)
  }
  return { searches: out.slice(0, max), total: out.length }
}

/** Reads the profile's titles, locations and remote preference; a missing or bad file is a config error. */
export const readSearchSeed = (path: string): SearchSeed => {
  if (!existsSync(path))
    throw new Fatal({
      reason: "Config",
      message: `profile ${path} does not exist: search derives its default searches from it (or set with.searches)`
    })
  const decoded = Schema.decodeUnknownEither(SearchSeed, { onExcessProperty: "ignore" })(
    yaml().parse(readFileSync(path, "utf8")) ?? {}
  )
  if (decoded._tag === "Left")
    throw new Fatal({
      reason: "Config",
      message: `profile ${path}: ${decoded.left.message.split("\n")[0]} (search derives its default searches from target_titles, locations, remote)`
    })
  return decoded.right
}

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
