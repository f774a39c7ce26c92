import { stripBoilerplate } from "./boilerplate.ts"
import type { Profile } from "./profile.ts"

/** The columns of `jobs` the scorers read. */
export interface JobText {
  readonly id: string
  readonly title: string
  readonly company: string
  readonly location: string | null
  readonly remote: string | null
  readonly description_text: string | null
  readonly salary_min: number | null
  readonly salary_max: number | null
  readonly salary_currency: string | null
  readonly salary_period: string | null
  readonly department: string | null
}

/** Part of the lexical judgements' version: a changed scorer re-judges every job once, as a changed prompt does. */
export const LEXICAL_VERSION = "lexical-v2"

const SYNONYMS: Array<[RegExp, string]> = [
  [/\bvice president\b/g, "vp"],
  [/\bsr\b/g, "senior"],
  [/\bgo to market\b/g, "gtm"],
  [/\brev ops\b/g, "revops"],
  [/\brevenue operations\b/g, "revops revenue operations"],
  [/\bchief revenue officer\b/g, "cro chief revenue officer"],
  [/\beng\b/g, "engineering"]
]

/** Lower case, punctuation to spaces, common synonyms folded, padded so phrases match on word edges. */
export const norm = (s: string | null | undefined) => {
  let t = ` ${(s ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9+]+/g, " ")
    .trim()} `
  for (const [re, to] of SYNONYMS) t = t.replace(re, to)
  return ` ${t.trim()} `
}

// Profile phrases are few and asked about for every job: fold each once.
const folded = new Map<string, string>()
const normPhrase = (p: string) => {
  let f = folded.get(p)
  if (f === undefined) {
    f = norm(p)
    folded.set(p, f)
  }
  return f
}
const has = (text: string, phrase: string) => text.includes(normPhrase(phrase))
const hits = (text: string, phrases: ReadonlyArray<string>) => phrases.filter((p) => has(text, p))

const STOP = new Set(["of", "the", "and", "for", "a", "an", "to", "in"])
const tokens = (s: string) =>
  norm(s)
    .trim()
    .split(" ")
    .filter((w) => w && !STOP.has(w))

/** How much of the best-matching target title the posting's title covers (0..1). */
export const titleMatch = (title: string, targets: ReadonlyArray<string>) => {
  const have = new Set(tokens(title))
  let best = 0
  for (const t of targets) {
    const want = tokens(t)
    if (want.length === 0) continue
    best = Math.max(best, want.filter((w) => have.has(w)).length / want.length)
  }
  return best
}

const PER_YEAR: Record<string, number> = { year: 1, month: 12, week: 52, day: 260, hour: 2080 }

/** The stated annual maximum in USD, when the posting gives one in USD. */
export const annualMaxUsd = (j: JobText): number | undefined => {
  const top = j.salary_max ?? j.salary_min
  if (top === null || top === undefined) return undefined
  if (j.salary_currency && j.salary_currency.toUpperCase() !== "USD") return undefined
  return top * (PER_YEAR[j.salary_period ?? "year"] ?? 1)
}

/**
 * A title that names no single role ("(role not stated)", "Multiple roles", "Engineering roles"): Hacker
 * News posts and some boards list the openings in the text, so the text is where their seniority is.
 */
export const namesNoSingleRole = (title: string) =>
  /\(role not stated\)|\b(roles|positions|openings)\b|^\s*(multiple|various|several)\b/i.test(title)

/** The openings a multi-role post lists, one per item: "- Technical Lead ($200k-$230k, ...)" → "Technical Lead". */
export const listedRoles = (text: string) =>
  text.split("\n").flatMap((l) => {
    const m = /^\s*(?:[-•*·]|\d+[.)])\s*([^|($:\n]{3,80})/.exec(l)
    return m ? [m[1].split(/\s[-–—]\s/)[0].trim()] : []
  })

export interface Prefilter {
  readonly pass: boolean
  /** The rule that decided, in words the user can check against profile.yaml. */
  readonly reason: string
}

/** The free first pass: rules from profile.yaml that reject a job before any model sees it. */
export const prefilter = (p: Profile, j: JobText): Prefilter => {
  const title = norm(j.title)
  const body = norm(`${j.title} ${j.department ?? ""} ${j.description_text ?? ""}`)
  const avoid = hits(title, p.avoid)
  if (avoid.length > 0) return { pass: false, reason: `title has avoided keyword "${avoid[0]}"` }
  const junior = hits(title, p.exclude_seniority)
  if (junior.length > 0) return { pass: false, reason: `title has excluded seniority "${junior[0]}"` }
  // A post that lists its openings in the text gives its title no seniority to judge: the model reads the list.
  if (
    p.seniority.length > 0 &&
    !namesNoSingleRole(j.title) &&
    hits(title, p.seniority).length === 0 &&
    titleMatch(j.title, p.target_titles) < 1
  )
    return { pass: false, reason: "title names no accepted seniority (profile seniority)" }
  const remote = j.remote ?? "unknown"
  if (p.remote === "remote_only" && (remote === "onsite" || remote === "hybrid"))
    return { pass: false, reason: `${remote} job; profile wants remote only` }
  if (remote !== "remote" && p.locations.length > 0 && j.location && hits(norm(j.location), p.locations).length === 0)
    return { pass: false, reason: `location "${j.location}" is not remote and not in profile locations` }
  const max = annualMaxUsd(j)
  if (p.salary_floor_usd !== undefined && max !== undefined && max < p.salary_floor_usd)
    return { pass: false, reason: `stated salary up to $${Math.round(max)} is below the floor $${p.salary_floor_usd}` }
  if (p.must_have.length > 0 && hits(body, p.must_have).length === 0)
    return { pass: false, reason: "none of the must-have keywords appear" }
  return { pass: true, reason: "passes the profile's rules" }
}

/** A transparent 0–100 fit estimate from words alone: what scores rows when no model is configured. */
export const lexicalScore = (p: Profile, j: JobText): { score: number; reason: string } => {
  const body = norm(`${j.title} ${j.company} ${j.department ?? ""} ${j.description_text ?? ""}`)
  // Benefits, EEO and about-us text says "healthcare" at every employer: no evidence of the domain.
  const text = stripBoilerplate(j.description_text)
  const roles = namesNoSingleRole(j.title) ? listedRoles(text) : []
  const own = titleMatch(j.title, p.target_titles)
  const tm = Math.max(own, ...roles.map((r) => titleMatch(r, p.target_titles)))
  // A multi-role post is as senior and as close to a target title as its best listed role.
  const title = norm([j.title, ...roles].join(" "))
  const senior = p.seniority.length === 0 || hits(title, p.seniority).length > 0
  const domain = norm(`${j.title} ${j.company} ${j.department ?? ""} ${text}`)
  const must = hits(body, p.must_have),
    ind = hits(domain, p.industries),
    nice = hits(body, p.nice_to_have)
  const remote =
    j.remote === "remote" ? 5 : j.remote === "unknown" || j.remote === null ? 2 : p.remote === "any" ? 5 : 0
  const score = Math.round(
    tm * 30 +
      (senior ? 15 : 0) +
      (Math.min(3, must.length) / 3) * 15 +
      (Math.min(3, ind.length) / 3) * 30 +
      (Math.min(4, nice.length) / 4) * 5 +
      remote
  )
  const parts = [
    tm > own
      ? `a listed role matches ${Math.round(tm * 100)}% of a target title`
      : `title matches ${Math.round(tm * 100)}% of a target title`,
    senior ? "senior title" : "no seniority word",
    must.length ? `keywords: ${must.slice(0, 3).join(", ")}` : "no must-have keywords",
    ind.length ? `industry: ${ind.slice(0, 3).join(", ")}` : "no industry match",
    j.remote ? `${j.remote}` : "remote unknown"
  ]
  return { score: Math.max(0, Math.min(100, score)), reason: `lexical: ${parts.join("; ")}` }
}
