import { domainOf } from "../../model/company.ts"
import type { Posting } from "../../model/posting.ts"
import { decodeHTML, htmlToText, isoDate, remoteFromText } from "../text.ts"
import { hostOf, salaryPeriod } from "../jobboards/common.ts"

type Json = Record<string, unknown>

/**
 * Every JSON-LD block of a page. The type attribute is matched after entity decoding: BuiltIn
 * serves `type="application/ld&#x2B;json"`, which a literal `ld+json` selector misses.
 */
export const jsonLdBlocks = (html: string): { blocks: unknown[]; errors: string[] } => {
  const blocks: unknown[] = []
  const errors: string[] = []
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const type = decodeHTML(m[1].match(/type\s*=\s*["']([^"']+)["']/i)?.[1] ?? "").toLowerCase()
    if (type !== "application/ld+json") continue
    const text = m[2].trim().replace(/^<!\[CDATA\[|\]\]>$/g, "")
    try {
      blocks.push(JSON.parse(text))
    } catch (e) {
      errors.push((e as Error).message)
    }
  }
  return { blocks, errors }
}

const typeIs = (node: Json, t: string) => {
  const ty = node["@type"]
  return ty === t || (Array.isArray(ty) && ty.includes(t))
}

/** JobPosting nodes anywhere in the blocks (top level, arrays, `@graph`). */
export const jobPostingNodes = (blocks: ReadonlyArray<unknown>): Json[] => {
  const out: Json[] = []
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk)
    if (!v || typeof v !== "object") return
    const o = v as Json
    if (typeIs(o, "JobPosting")) out.push(o)
    if (o["@graph"]) walk(o["@graph"])
  }
  blocks.forEach(walk)
  return out
}

const str = (v: unknown): string | null =>
  typeof v === "string" && v.trim() ? decodeHTML(v.trim()) : typeof v === "number" ? String(v) : null
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v == null ? [] : [v])

const placeText = (p: unknown): string | null => {
  if (!p || typeof p !== "object") return str(p)
  const a = ((p as Json).address ?? p) as Json
  if (typeof a === "string") return str(a)
  const parts = [
    a.addressLocality,
    a.addressRegion,
    a.addressCountry && typeof a.addressCountry === "object" ? (a.addressCountry as Json).name : a.addressCountry
  ]
    .map(str)
    .filter((x): x is string => !!x)
  return parts.length > 0 ? [...new Set(parts)].join(", ") : str((p as Json).name)
}

const num = (v: unknown): number | null => {
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v.replace(/,/g, "")) : NaN
  return Number.isFinite(n) && n > 0 ? n : null
}

export interface JsonLdContext {
  readonly source: string
  /** The page the posting came from (its canonical URL when the page names one). */
  readonly pageUrl: string
  /** The board's own host: an organisation link there is the board's company page, not a domain. */
  readonly boardHost?: string
}

/** The page's `<link rel="canonical">`, if any. */
export const canonicalUrl = (html: string): string | null =>
  decodeHTML(html.match(/<link[^>]+rel=["']canonical["'][^>]*>/i)?.[0].match(/href=["']([^"']+)["']/i)?.[1] ?? "") ||
  null

/** A schema.org JobPosting as a posting; null when it has no title or no hiring organisation name. */
export const jobPostingToPosting = (n: Json, c: JsonLdContext): Posting | null => {
  const title = str(n.title)
  const org = (arr(n.hiringOrganization)[0] ?? {}) as Json
  const company = str(org.name) ?? (typeof n.hiringOrganization === "string" ? str(n.hiringOrganization) : null)
  if (!title || !company) return null
  const ident = (arr(n.identifier)[0] ?? null) as Json | string | null
  const id = typeof ident === "object" && ident ? str(ident.value) : str(ident)
  const url = str(n.url) ?? c.pageUrl
  const orgLinks = [org.url, ...arr(org.sameAs)].map(str).filter((x): x is string => !!x)
  const companySite = orgLinks.find((u) => {
    const h = hostOf(u)
    return (
      h &&
      (!c.boardHost || !h.endsWith(c.boardHost)) &&
      !/linkedin\.com|facebook\.com|twitter\.com|x\.com|wikipedia\.org/.test(h)
    )
  })
  const places = arr(n.jobLocation)
    .map(placeText)
    .filter((x): x is string => !!x)
  const applicant = arr(n.applicantLocationRequirements)
    .map((r) => str((r as Json)?.name))
    .filter((x): x is string => !!x)
  const telecommute = arr(n.jobLocationType).some((t) => String(t).toUpperCase() === "TELECOMMUTE")
  const pay = (n.baseSalary ?? null) as Json | null
  const value = (pay?.value ?? null) as Json | null
  const employment = arr(n.employmentType)
    .map(str)
    .filter((x): x is string => !!x)
  return {
    source: c.source,
    source_id: id ? `${id}` : url,
    url,
    apply_url: null,
    title,
    company,
    company_domain: domainOf(companySite),
    location: places.length > 0 ? places.join(" | ") : applicant.length > 0 ? applicant.join(", ") : null,
    remote: telecommute ? "remote" : remoteFromText(...places, title),
    posted_at: isoDate(str(n.datePosted)),
    description_text: htmlToText(str(n.description)),
    salary_min: num(value?.minValue ?? value?.value),
    salary_max: num(value?.maxValue ?? value?.value),
    salary_currency: str(pay?.currency),
    salary_period: salaryPeriod(str(value?.unitText)),
    employment_type: employment.length > 0 ? employment.join(", ").toLowerCase() : null,
    department: str(n.industry) ?? str(n.occupationalCategory),
    raw: { ...n, description: undefined, valid_through: n.validThrough ?? null }
  }
}
