import { domainOf } from "../../model/company.ts"
import type { Posting } from "../../model/posting.ts"
import { decodeHTML, htmlToText, isoDate, remoteFromText } from "../text.ts"
import { ATS_HOST, hostOf, parseSalaryText } from "../jobboards/common.ts"

/** One comment of an "Ask HN: Who is hiring?" thread, as the Algolia search API returns it. */
export interface HnComment {
  readonly objectID: string
  readonly comment_text: string
  readonly created_at?: string | null
  readonly author?: string | null
  readonly story_id?: number | null
  readonly parent_id?: number | null
}

const URLISH = /https?:\/\/|www\.|^[\w-]+(\.[\w-]+)+(\/\S*)?$/i
const EMPLOYMENT =
  /\b(full[- ]?time|part[- ]?time|contract(or)?|freelance|intern(ship)?s?|permanent|temporary|fractional|contract-to-hire)\b/i
const SALARY = /[$€£₹]\s?\d|\b\d{2,3}\s?k\b|\bequity\b|\bsalary\b/i
const PLACE =
  /\b(remote|onsite|on-site|in[- ]office|hybrid|in[- ]person|relocation|worldwide|anywhere|usa?|uk|eu|europe|canada|india|germany|london|berlin|paris|nyc|new york|san francisco|sf|bay area|seattle|boston|austin|toronto|amsterdam|utc|[A-Z]{2}\))\b|, [A-Z]{2}\b/i
const ROLE =
  /\b(engineer|engineering|developer|designer|manager|scientist|lead|architect|analyst|director|head of|founding|sre|devops|recruiter|marketing|sales|product|researcher|roles?|positions?|cto|vp|specialist|consultant|writer|editor|operations|support|admin|technician|intern|programmer|staff|principal|hacker|ml|ai)\b/i

const firstLine = (html: string) =>
  decodeHTML(html.split(/<p>|\n/i)[0].replace(/<[^>]+>/g, ""))
    .replace(/\s+/g, " ")
    .trim()

/** Links in the comment, in order, decoded (`https:&#x2F;&#x2F;…`). */
export const commentLinks = (html: string): string[] =>
  [...html.matchAll(/href="([^"]+)"/g)].map((m) => decodeHTML(m[1]))

const cleanCompany = (s: string) =>
  s
    .replace(/\s*\((?:https?:\/\/|www\.)[^)]*\)/gi, "")
    .replace(/\s*\([\w-]+\.(?:com|io|ai|co|dev|app|org|net|vet)\b[^)]*\)/gi, "")
    .replace(/\s+(?:https?:\/\/|www\.)\S+.*$/i, "")
    .replace(/\s+[-–—]\s+.*$/, "")
    .replace(/^(company|at)\s*:\s*/i, "")
    .trim()

export type HnParse = { readonly ok: true; readonly posting: Posting } | { readonly ok: false; readonly why: string }

/**
 * A top-level comment in the thread's "Company | Role | Location | …" convention, as a posting.
 * Segments are classified (link, pay, employment type, place, role); the title is the first role-like
 * segment, the company the first segment. Comments not in the convention are reported, not guessed at.
 */
export const parseHiringComment = (c: HnComment): HnParse => {
  const line = firstLine(c.comment_text ?? "")
  const parts = line
    .split("|")
    .map((p) => p.trim())
    .filter(Boolean)
  if (parts.length < 2) return { ok: false, why: "first line is not in the 'Company | Role | Location' format" }
  const company = cleanCompany(parts[0])
  if (!company) return { ok: false, why: "no company before the first '|'" }
  const rest = parts.slice(1)
  const kind = (p: string) =>
    URLISH.test(p) && !/\s/.test(p.replace(/^https?:\/\//, ""))
      ? "url"
      : SALARY.test(p)
        ? "pay"
        : ROLE.test(p) && !/^(remote|hybrid|onsite)\b/i.test(p)
          ? "role"
          : EMPLOYMENT.test(p)
            ? "employment"
            : PLACE.test(p)
              ? "place"
              : "other"
  const kinds = rest.map(kind)
  const at = (k: string) => rest.filter((_, i) => kinds[i] === k)
  const title =
    at("role").find((p) => p.length <= 150) ?? at("other").find((p) => p.length <= 100) ?? "(role not stated)"
  const places = at("place")
  const location = places.length > 0 ? places.join(" | ") : null
  const links = commentLinks(c.comment_text ?? "")
  const inline = parts.flatMap(
    (p) => p.match(/(?:https?:\/\/|www\.)[^\s|)]+|\b[\w-]+\.(?:com|io|ai|co|dev|app|org|net|vet)\b/gi) ?? []
  )
  const all = [...links, ...inline.map((u) => (/^https?:/i.test(u) ? u : `https://${u}`))]
  const apply = all.find((u) => ATS_HOST.test(hostOf(u) ?? ""))
  const site = all.find((u) => {
    const h = hostOf(u)
    return (
      h &&
      !ATS_HOST.test(h) &&
      !/news\.ycombinator\.com|linkedin\.com|github\.com|google\.com|notion\.site|forms\.gle|wellfound\.com|ycombinator\.com/.test(
        h
      )
    )
  })
  const employment = at("employment")[0] ?? rest.find((p) => EMPLOYMENT.test(p)) ?? null
  return {
    ok: true,
    posting: {
      source: "hn",
      source_id: c.objectID,
      board: c.story_id != null ? `story_${c.story_id}` : null,
      url: `https://news.ycombinator.com/item?id=${c.objectID}`,
      apply_url: apply ?? null,
      title,
      company,
      company_domain: domainOf(site),
      location,
      remote: remoteFromText(...places, line),
      posted_at: isoDate(c.created_at ?? null),
      description_text: htmlToText(c.comment_text),
      ...parseSalaryText(at("pay")[0]),
      employment_type: employment ? (employment.match(EMPLOYMENT)?.[0]?.toLowerCase() ?? null) : null,
      raw: { objectID: c.objectID, author: c.author ?? null, story_id: c.story_id ?? null, first_line: line }
    }
  }
}
