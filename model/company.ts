/**
 * One key per real company, whatever the spelling: the domain when known ("www.Stripe.com/jobs" →
 * "stripe.com"), else the name folded (case, punctuation, legal suffixes: "Stripe, Inc." → "stripe").
 */
const SUFFIXES = /\b(incorporated|inc|llc|l\.l\.c|ltd|limited|corp|corporation|co|company|gmbh|ag|sa|plc|pbc|bv|oy|ab|srl|pty|holdings?|group)\b\.?/g

export const domainOf = (urlOrDomain: string | null | undefined): string | null => {
  if (!urlOrDomain) return null
  const s = urlOrDomain.trim().toLowerCase()
  if (!s) return null
  try {
    const host = new URL(/^[a-z]+:\/\//.test(s) ? s : `https://${s}`).hostname
    const parts = host.replace(/^www\d?\./, "").split(".")
    return parts.length >= 2 ? parts.join(".") : null
  } catch {
    return null
  }
}

export const normalizeCompanyName = (name: string): string =>
  name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/&/g, " and ")
    .replace(/\.(io|ai|com|co|app|dev|inc)\b/g, "")
    .replace(/[^a-z0-9 ]+/g, " ")
    .replace(SUFFIXES, " ")
    .replace(/\s+/g, " ")
    .trim()

export const companyKey = (name: string | null | undefined, domain?: string | null): string => {
  const d = domainOf(domain)
  if (d) return d
  return normalizeCompanyName(name ?? "") || "(unknown)"
}
