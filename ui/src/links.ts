/** A link target only when it is an absolute http(s) URL: posting data is untrusted (javascript:, data: …). */
export const safeHref = (v: unknown): string | undefined => {
  if (typeof v !== "string") return undefined
  try {
    const u = new URL(v.trim())
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : undefined
  } catch {
    return undefined
  }
}
