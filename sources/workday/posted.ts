import { isoDate } from "../text.ts"

const DAY = 86_400_000

export interface PostedWhen {
  readonly posted_at: string | null
  readonly posted_after: string | null
  readonly posted_before: string | null
}

/**
 * Workday's relative "Posted …" text, read against the fetch time. Only an exact day becomes
 * `posted_at` (Today, Yesterday, N Days Ago; as a UTC day, while Workday counts in the tenant's
 * zone); "30+ Days Ago" only says *before* a day, so it becomes `posted_before` and nothing more.
 */
export const workdayPosted = (text: string | null | undefined, fetchedAtMs: number): PostedWhen => {
  const none: PostedWhen = { posted_at: null, posted_after: null, posted_before: null }
  const t = (text ?? "").trim().toLowerCase()
  if (!t) return none
  const today = Math.floor(fetchedAtMs / DAY) * DAY
  const day = (n: number) => new Date(today - n * DAY).toISOString()
  if (/\btoday\b|\bjust posted\b/.test(t)) return { ...none, posted_at: day(0) }
  if (/\byesterday\b/.test(t)) return { ...none, posted_at: day(1) }
  const m = t.match(/(\d+)\s*(\+)?\s*days?\s+ago/)
  if (m) {
    const n = Number(m[1])
    // "30+ days ago": posted on day −30 or earlier, i.e. before the end of day −30.
    return m[2] ? { ...none, posted_before: day(n - 1) } : { ...none, posted_at: day(n) }
  }
  return { ...none, posted_at: isoDate(text ?? null) }
}
