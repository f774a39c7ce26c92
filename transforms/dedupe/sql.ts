import { LEGAL_SUFFIXES, TLD_SUFFIX_PATTERN } from "../../model/company.ts"

/**
 * The normalization rules of dedupe as DuckDB macros, so the whole match runs in SQL over millions of
 * rows. They are temp macros (per connection), created at the start of every dedupe run.
 */

/**
 * A registered source that is an employer's own applicant tracking system (it declares `ats`): its URL is where
 * one applies, and `jobUrl` matches its job pages. Dedupe is handed the list; it keeps none of its own.
 */
export interface AtsSource {
  readonly kind: string
  readonly jobUrl: string
}

/** Words that say how or where one works, not what the job is. */
const NOISE = [
  "remote",
  "remotely",
  "hybrid",
  "onsite",
  "on",
  "site",
  "in",
  "office",
  "based",
  "anywhere",
  "worldwide",
  "global",
  "only",
  "fully",
  "100",
  "time",
  "zone",
  "zones",
  "timezone",
  "tz",
  "first",
  "friendly",
  "from",
  "home",
  "wfh",
  "location",
  "locations",
  "multiple",
  "m",
  "w",
  "d",
  "f",
  "x",
  "h",
  "all",
  "genders",
  "gn",
  "mwd",
  "mfd",
  "and",
  "or",
  "the",
  "of",
  "hq",
  "headquarters",
  "opportunity"
]
/** Places too coarse to tell two postings apart on their own (countries, regions). */
const WEAK = [
  "us",
  "uk",
  "eu",
  "emea",
  "apac",
  "amer",
  "americas",
  "latam",
  "europe",
  "asia",
  "africa",
  "oceania",
  "pacific",
  "north",
  "south",
  "east",
  "west",
  "central",
  "america",
  "canada",
  "germany",
  "france",
  "spain",
  "italy",
  "netherlands",
  "ireland",
  "india",
  "australia",
  "brazil",
  "mexico",
  "japan",
  "singapore",
  "poland",
  "portugal",
  "israel",
  "sweden",
  "switzerland",
  "austria",
  "belgium",
  "denmark",
  "norway",
  "finland",
  "argentina",
  "colombia",
  "chile",
  "china",
  "korea",
  "philippines",
  "uae",
  "dach",
  "nordics",
  "benelux",
  "cet",
  "est",
  "pst"
]
/** US states by code and name: a state in a location also says "us". */
const US_STATES = [
  "al",
  "ak",
  "az",
  "ar",
  "ca",
  "co",
  "ct",
  "de",
  "dc",
  "fl",
  "ga",
  "hi",
  "id",
  "il",
  "in",
  "ia",
  "ks",
  "ky",
  "la",
  "me",
  "md",
  "ma",
  "mi",
  "mn",
  "ms",
  "mo",
  "mt",
  "ne",
  "nv",
  "nh",
  "nj",
  "nm",
  "ny",
  "nc",
  "nd",
  "oh",
  "ok",
  "or",
  "pa",
  "ri",
  "sc",
  "sd",
  "tn",
  "tx",
  "ut",
  "vt",
  "va",
  "wa",
  "wv",
  "wi",
  "wy",
  "california",
  "texas",
  "florida",
  "washington",
  "massachusetts",
  "illinois",
  "colorado",
  "georgia",
  "virginia",
  "oregon",
  "arizona",
  "utah",
  "michigan",
  "ohio",
  "pennsylvania",
  "minnesota",
  "tennessee",
  "carolina",
  "jersey",
  "maryland"
]
/** Large cities with their country, so "London" and "Singapore" are told apart from each other. */
const CITY_COUNTRY: ReadonlyArray<readonly [string, string]> = [
  ["london|manchester|edinburgh|cambridge uk", "uk"],
  ["berlin|munich|hamburg|frankfurt|cologne", "germany"],
  ["paris|lyon", "france"],
  ["dublin", "ireland"],
  ["amsterdam|rotterdam", "netherlands"],
  ["madrid|barcelona", "spain"],
  ["toronto|vancouver|montreal", "canada"],
  ["sydney|melbourne", "australia"],
  ["bangalore|bengaluru|hyderabad|mumbai|pune", "india"],
  ["tokyo", "japan"],
  ["sao paulo", "brazil"],
  ["tel aviv", "israel"],
  ["warsaw|krakow", "poland"],
  ["lisbon", "portugal"],
  ["zurich", "switzerland"],
  ["stockholm", "sweden"],
  ["new york|san francisco|seattle|austin|chicago|boston|los angeles|denver|atlanta|miami", "us"]
]
/** Sampled word pairs below which a description is too short to judge (about 16 words). */
export const MIN_SAMPLED_PAIRS = 8
const list = (xs: ReadonlyArray<string>) => `[${xs.map((x) => `'${x}'`).join(", ")}]`

/** Each statement is separate: DuckDB macros are created one by one. */
export const DEDUPE_MACROS: ReadonlyArray<string> = [
  // Company: same rules as model/company.ts normalizeCompanyName / domainOf / companyKey.
  `create or replace temp macro company_name_key(name) as
     trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
       strip_accents(lower(coalesce(name, ''))), '&', ' and ', 'g'), '${TLD_SUFFIX_PATTERN}', '', 'g'), '[^a-z0-9]+', ' ', 'g'),
       '^\\s*the\\s+', ' '), '\\b(${LEGAL_SUFFIXES.join("|")})\\b', ' ', 'g'), '\\s+', ' ', 'g'))`,
  `create or replace temp macro domain_host(d) as
     regexp_replace(regexp_extract(lower(trim(coalesce(d, ''))), '^(?:[a-z]+://)?([^/:?#\\s]+)', 1), '^www[0-9]?\\.', '')`,
  `create or replace temp macro domain_key(d) as
     case when regexp_full_match(domain_host(d), '[a-z0-9-]+(\\.[a-z0-9-]+)+') then domain_host(d) end`,
  `create or replace temp macro company_key(name, d) as coalesce(domain_key(d), nullif(company_name_key(name), ''), '(unknown)')`,

  `create or replace temp macro dd_tokens(s) as list_filter(string_split_regex(coalesce(s, ''), '[^a-z0-9+#]+'), x -> x <> '')`,
  // Location: synonyms folded to one spelling, noise dropped, "us" added when a US state is named.
  `create or replace temp macro loc_text(s) as
     ${"regexp_replace(".repeat(CITY_COUNTRY.length)}regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
       strip_accents(lower(coalesce(s, ''))),
       '\\b(united states of america|united states|u\\.s\\.a\\.?|u\\.s\\.|usa)(\\b|$)', ' us ', 'g'),
       '\\b(united kingdom|great britain|england)\\b', ' uk ', 'g'),
       '\\bnyc\\b', ' new york ', 'g'),
       '\\b(sf|bay area)\\b', ' san francisco ', 'g'),
       '\\bdeutschland\\b', ' germany ', 'g'),
       '\\bmunchen\\b', ' munich ', 'g'),
       '\\b(koln|cologne)\\b', ' cologne ', 'g'),
       ${CITY_COUNTRY.map(([re, c]) => `'\\b(${re})\\b', ' \\1 ${c} ', 'g'`).join("),\n       ")})`,
  `create or replace temp macro loc_tokens0(s) as list_filter(dd_tokens(loc_text(s)), x -> not list_contains(${list(NOISE)}, x))`,
  `create or replace temp macro loc_tokens(s) as
     list_distinct(list_concat(loc_tokens0(s), case when list_has_any(loc_tokens0(s), ${list(US_STATES)}) then ['us'] else []::varchar[] end))`,
  // A title segment after " - ", "|", "," or in brackets that names only places or work modes.
  `create or replace temp macro title_segments(t) as
     string_split_regex(strip_accents(lower(coalesce(t, ''))), '\\s[-–—|:/]\\s|\\s[-–—]|[-–—]\\s|,|;|\\(|\\)|\\[|\\]|\\|')`,
  `create or replace temp macro is_place_word(x) as
     list_contains(${list(WEAK)}, x) or list_contains(${list(NOISE)}, x) or list_contains(${list(US_STATES)}, x)`,
  `create or replace temp macro title_words(t) as
     regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
       replace(t, '&', ' and '),
       '\\b(sr|snr|sen)\\b\\.?', ' senior ', 'g'),
       '\\bjr\\b\\.?', ' junior ', 'g'),
       '\\bmgr\\b', ' manager ', 'g'),
       '\\b(engr|eng)\\b', ' engineer ', 'g'),
       '\\bswe\\b', ' software engineer ', 'g'),
       '\\bsde\\b', ' software development engineer ', 'g'),
       '\\bvp\\b', ' vice president ', 'g'),
       '\\bdir\\b', ' director ', 'g'),
       '\\b(exec)\\b', ' executive ', 'g')`,
  // Title key: what the job is, as a sorted token set (order and punctuation do not matter); place segments left out.
  `create or replace temp macro title_key(segs, place_idx) as
     array_to_string(list_sort(list_distinct(list_filter(
       flatten(list_transform(list_filter(segs, (s, i) -> not list_contains(place_idx, i)), s -> dd_tokens(title_words(s)))),
       x -> not list_contains(${list(NOISE)}, x)))), ' ')`,
  // Two places are compatible unless both name specific places (cities) and none is shared, or,
  // naming no cities on one side, both name countries/regions and none is shared.
  `create or replace temp macro strong_places(a) as list_filter(a, x -> len(x) > 2 and not list_contains(${list(WEAK)}, x) and not list_contains(${list(US_STATES)}, x))`,
  `create or replace temp macro weak_places(a) as list_filter(a, x -> len(x) <= 2 or list_contains(${list(WEAK)}, x))`,
  `create or replace temp macro places_compatible(sa, wa, sb, wb) as
     case when len(sa) > 0 and len(sb) > 0 then len(list_intersect(sa, sb)) > 0
          when len(wa) > 0 and len(wb) > 0 then len(list_intersect(wa, wb)) > 0
          else true end`,
  `create or replace temp macro loc_compatible(a, b) as places_compatible(strong_places(a), weak_places(a), strong_places(b), weak_places(b))`,
  // URL: tracking parameters dropped; only employer ATS links identify a job across boards.
  // Each parameter wrapped as "&p&" so one regex pass drops every tracking one (RE2 has no lookahead).
  `create or replace temp macro url_query(u) as
     trim(replace(regexp_replace('&' || replace(regexp_extract(coalesce(u, ''), '\\?([^#]*)', 1), '&', '&&') || '&',
       '&(utm_[a-z_]*|gh_src|lever-source|lever-origin|ref|refid|referrer|source|src|trk|trackingid|position|pagenum|campaign|medium|fbclid|gclid|mc_cid|mc_eid|s)(=[^&]*)?&', '', 'gi'), '&&', '&'), '&')`,
  `create or replace temp macro url_norm(u) as
     regexp_replace(rtrim(regexp_replace(regexp_replace(lower(regexp_extract(coalesce(u, ''), '^([^?#]*)', 1)), '^https?://(www\\.)?', ''), '^job-boards\\.', 'boards.'), '/'), '/apply$', '')
     || case when url_query(u) <> '' then '?' || lower(url_query(u)) else '' end`,
  // Share of the shorter title's words found in the other (keys are "company|sorted title words").
  `create or replace temp macro title_overlap(k1, k2) as
     len(list_intersect(string_split(split_part(k1, '|', 2), ' '), string_split(split_part(k2, '|', 2), ' ')))
       / greatest(least(len(string_split(split_part(k1, '|', 2), ' ')), len(string_split(split_part(k2, '|', 2), ' '))), 1)`,
  // Description: the set of hashed word pairs of its first 4000 characters.
  `create or replace temp macro desc_words(d) as list_filter(string_split_regex(lower(left(coalesce(d, ''), 4000)), '[^a-z0-9]+'), x -> x <> '')`,
  // Takes the word list (a column, so it is computed once): the hashed adjacent word pairs, keeping one
  // in two by hash value (the same pairs on every side, so overlap estimates stay unbiased; half the memory).
  `create or replace temp macro word_pair_set(w) as
     list_distinct(list_filter(list_transform(list_zip(list_slice(w, 1, len(w) - 1), list_slice(w, 2, len(w))), p -> hash(p[1], p[2])), h -> h % 2 = 0))`,
  // Share of the shorter description found in the other (copies are often truncated); null when too short to judge.
  `create or replace temp macro desc_containment(a, b) as
     case when least(len(a), len(b)) < ${MIN_SAMPLED_PAIRS} then null else len(list_intersect(a, b)) / least(len(a), len(b)) end`
]

/**
 * `ats_url_key(u)`: the normalized URL when it is a job page of a registered ATS (each source's `ats.jobUrl`),
 * else null. Built from the declarations, so a new ATS connector gets its URL key by being registered.
 */
export const atsUrlKeyMacro = (jobUrls: ReadonlyArray<string>): string => {
  // No ATS registered: no URL is an ATS job page (a pattern like `$^` would match the empty string).
  if (jobUrls.length === 0) return "create or replace temp macro ats_url_key(u) as null::varchar"
  const pattern = jobUrls.map((p) => `(?:${p})`).join("|")
  return `create or replace temp macro ats_url_key(u) as
     case when regexp_matches(lower(coalesce(u, '')), '${pattern.replaceAll("'", "''")}') then url_norm(u) end`
}
