import { Effect, Redacted } from "effect"
import type { Posting } from "../../model/posting.ts"
import { Skippable, type SourceError } from "../../core/errors.ts"
import { Http, type HttpRequest } from "../http.ts"

/** Job-board helpers shared by the free job APIs, the JSON-LD pages and the search fan-out. */

export type SalaryPeriod = NonNullable<Posting["salary_period"]>

const PERIODS: Record<string, SalaryPeriod> = {
  year: "year",
  yearly: "year",
  annual: "year",
  annually: "year",
  yr: "year",
  y: "year",
  "per year": "year",
  month: "month",
  monthly: "month",
  mo: "month",
  week: "week",
  weekly: "week",
  wk: "week",
  day: "day",
  daily: "day",
  hour: "hour",
  hourly: "hour",
  hr: "hour",
  h: "hour"
}

export const salaryPeriod = (v: string | null | undefined): SalaryPeriod | null =>
  v
    ? (PERIODS[
        v
          .trim()
          .toLowerCase()
          .replace(/^pay_interval_|^per_/, "")
      ] ?? null)
    : null

const CURRENCY: Record<string, string> = { $: "USD", "€": "EUR", "£": "GBP", "₹": "INR" }

/**
 * A salary written by a person ("$18 - $22/hr", "$150 - 210K USD", "€75k–110k", Google's "70–80 an hour") into numbers.
 * Returns nothing rather than a guess when there is no amount.
 */
export const parseSalaryText = (
  text: string | null | undefined
): Pick<Posting, "salary_min" | "salary_max" | "salary_currency" | "salary_period"> => {
  if (!text) return {}
  const t = text.replace(/,/g, "")
  const nums = [...t.matchAll(/(\d+(?:\.\d+)?)\s*([kK])?/g)]
    .map((m) => Number(m[1]) * (m[2] ? 1000 : 1))
    .filter((n) => n > 0)
  if (nums.length === 0) return {}
  // "$150 - 210K": a k on the upper bound applies to both.
  if (nums.length >= 2 && /\d\s*[kK]\b/.test(t) && nums[0] < 1000 && nums[1] >= 1000) nums[0] *= 1000
  const sym = t.match(/[$€£₹]/)?.[0]
  const code = t.match(/\b(USD|EUR|GBP|CAD|AUD|INR|CHF)\b/)?.[1]
  const per = t.match(
    /\/\s*(hr|hour|h|yr|year|mo|month|wk|week|day)\b|\b(?:per|an?)\s+(hour|year|month|week|day)\b|\b(hourly|yearly|annual|monthly)\b/i
  )
  const period = per ? salaryPeriod(per[1] ?? per[2] ?? per[3]) : nums[0] >= 10_000 ? "year" : null
  return {
    salary_min: nums[0],
    salary_max: nums[1] ?? nums[0],
    salary_currency: code ?? (sym ? CURRENCY[sym] : null),
    salary_period: period
  }
}

/** Hosts of applicant-tracking systems: a link there is the employer's own apply page. */
export const ATS_HOST =
  /(^|\.)(greenhouse\.io|lever\.co|ashbyhq\.com|myworkdayjobs\.com|smartrecruiters\.com|workable\.com|bamboohr\.com|recruitee\.com|teamtailor\.com|applytojob\.com|jobvite\.com|breezy\.hr|rippling\.com|pinpointhq\.com)$/i

export const hostOf = (url: string | null | undefined): string | null => {
  if (!url) return null
  try {
    return new URL(url).hostname.toLowerCase()
  } catch {
    return null
  }
}

/** A secret given as `Redacted` (decoded options) or a plain string (raw replay options), else the env. */
export const secretValue = (v: unknown, env?: string): string | undefined => {
  if (Redacted.isRedacted(v)) return String(Redacted.value(v))
  if (typeof v === "string" && v.length > 0) return v
  const e = env ? process.env[env] : undefined
  return e && e.length > 0 ? e : undefined
}

/** Removes secret values from an error's message (URLs with keys in their query end up in messages). */
export const scrubSecrets = <E extends SourceError>(e: E, secrets: ReadonlyArray<string | undefined>): E => {
  let msg = e.message
  for (const s of secrets) if (s) msg = msg.split(s).join("REDACTED").split(encodeURIComponent(s)).join("REDACTED")
  if (msg === e.message) return e
  const Ctor = e.constructor as new (args: Record<string, unknown>) => E
  return new Ctor({ ...e, message: msg })
}

/** Path and query of `url` moved onto `baseUrl`: paging links are absolute to the live site, replay is not. */
export const rebase = (url: string, baseUrl: string): string => {
  const u = new URL(url, baseUrl + "/")
  return baseUrl + u.pathname + u.search
}

export const getText = (req: HttpRequest): Effect.Effect<string, SourceError, Http> =>
  Effect.flatMap(Http, (http) => http.request(req)).pipe(Effect.map((r) => r.text))

/** A page that is a bot wall instead of content: counted as a blocked unit, never parsed as "no jobs". */
export const looksBlocked = (html: string): string | null => {
  if (/captcha|cf-chl|challenge-platform|px-captcha|perimeterx|datadome/i.test(html))
    return "a captcha / bot-challenge page"
  if (/<title>\s*(access denied|attention required|just a moment|403 forbidden)/i.test(html))
    return "an access-denied page"
  return null
}

export const blocked = (unit: string, what: string, url: string) =>
  new Skippable({
    reason: "Blocked",
    unit,
    message: `${unit}: GET ${url} returned ${what} (bot protection), not the job data; counted as blocked`
  })
