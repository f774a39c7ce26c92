/**
 * Links from postings are untrusted: only absolute http(s) URLs are kept, so a `javascript:` or
 * `data:` value from a source never becomes a stored job URL or an href.
 */
export const httpUrl = (v: unknown): string | null => {
  const s = typeof v === "string" ? v.trim() : ""
  if (!s) return null
  try {
    const u = new URL(s)
    return u.protocol === "http:" || u.protocol === "https:" ? s : null
  } catch {
    return null
  }
}

/** Fields whose non-empty value `httpUrl` refused, for the note a staged row keeps. */
export const refusedUrlFields = (fields: Record<string, string | null | undefined>): string[] =>
  Object.entries(fields)
    .filter(([, v]) => v != null && v.trim() !== "" && httpUrl(v) === null)
    .map(([k]) => k)
