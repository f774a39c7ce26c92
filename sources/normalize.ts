import type { Posting } from "../model/posting.ts"
import { remoteFromText } from "./text.ts"

type Period = NonNullable<Posting["salary_period"]>

/**
 * A pay interval as ATSs spell it (Lever "per-year-salary", Ashby "1 YEAR", SmartRecruiters
 * "HOURLY", Greenhouse "YEAR") to ours; null when it names none we know.
 */
export const salaryPeriod = (interval: string | null | undefined): Period | null => {
  const s = (interval ?? "").toLowerCase()
  if (/year|annual|annum/.test(s)) return "year"
  if (/month/.test(s)) return "month"
  if (/week/.test(s)) return "week"
  if (/hour/.test(s)) return "hour"
  if (/day|daily/.test(s)) return "day"
  return null
}

/** Salary fields, or nothing when the source gave neither bound (never a 0 standing in for "unknown"). */
export const salary = (
  min: number | null | undefined,
  max: number | null | undefined,
  currency: string | null | undefined,
  interval: string | null | undefined
) =>
  min == null && max == null
    ? {}
    : {
        salary_min: min ?? null,
        salary_max: max ?? null,
        salary_currency: currency ? currency.toUpperCase() : null,
        salary_period: salaryPeriod(interval)
      }

/**
 * Employment type in one vocabulary: full_time, part_time, contract, internship, temporary,
 * or the source's own label (lower-cased) when it is none of these.
 */
export const employmentType = (label: string | null | undefined): string | null => {
  const s = (label ?? "").trim().toLowerCase()
  if (!s) return null
  if (/intern|co-?op|apprentice|trainee/.test(s)) return "internship"
  if (/part[\s_-]?time/.test(s)) return "part_time"
  if (/contract|freelance|contractor/.test(s)) return "contract"
  if (/temp|seasonal/.test(s)) return "temporary"
  if (/full[\s_-]?time|permanent|regular/.test(s)) return "full_time"
  return s
}

/** A workplace field (Lever "onsite", Ashby "OnSite", Workday "Flex") to our remote mode, falling back to free text. */
export const remoteMode = (
  workplace: string | null | undefined,
  ...texts: ReadonlyArray<string | null | undefined>
): Posting["remote"] => {
  const s = (workplace ?? "").toLowerCase().replace(/[\s_-]/g, "")
  if (s === "remote" || s === "fullyremote") return "remote"
  if (s === "hybrid" || s === "flex" || s === "flexible") return "hybrid"
  if (s === "onsite" || s === "inoffice" || s === "office") return "onsite"
  return remoteFromText(...texts)
}

/** Location parts joined, empties dropped; null when nothing is left. */
export const joinLocation = (...parts: ReadonlyArray<string | null | undefined>): string | null => {
  const s = parts
    .map((p) => (p ?? "").trim())
    .filter(Boolean)
    .join(", ")
  return s.length > 0 ? s : null
}

/** Department and team joined, the team left out when it only repeats the department. */
export const departmentOf = (...parts: ReadonlyArray<string | null | undefined>): string | null => {
  const seen: string[] = []
  for (const p of parts) {
    const t = (p ?? "").trim()
    if (t && !seen.some((s) => s.toLowerCase() === t.toLowerCase())) seen.push(t)
  }
  return seen.length > 0 ? seen.join(" / ") : null
}
