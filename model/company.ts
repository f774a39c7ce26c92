/**
 * One key per real company, whatever the spelling: the domain when known ("www.Stripe.com/jobs" →
 * "stripe.com"), else the name folded (case, accents, punctuation, a leading "The", legal suffixes and
 * TLD-style suffixes: "Stripe, Inc." / "stripe" / "Stripe Inc" → "stripe", "Gong.io" → "gong").
 *
 * transforms/dedupe/sql.ts holds the same rules as DuckDB macros (`company_name_key`, `domain_key`,
 * `company_key`); test/dedupe-keys.test.ts checks that both agree.
 */
export const LEGAL_SUFFIXES = [
  "incorporated",
  "inc",
  "llc",
  "llp",
  "ltd",
  "limited",
  "corp",
  "corporation",
  "co",
  "company",
  "gmbh",
  "kg",
  "ag",
  "sa",
  "sas",
  "sarl",
  "se",
  "nv",
  "plc",
  "pbc",
  "bv",
  "oy",
  "ab",
  "as",
  "srl",
  "spa",
  "pty",
  "pte",
  "kk",
  "holding",
  "holdings",
  "group"
] as const

const SUFFIX_RE = new RegExp(`\\b(${LEGAL_SUFFIXES.join("|")})\\b`, "g")
/** Shared with the SQL macro so both fold the same way. */
export const TLD_SUFFIX_PATTERN = "\\.(io|ai|com|co|app|dev|inc|net|org|so|xyz|tech)\\b"

export const domainOf = (urlOrDomain: string | null | undefined): string | null => {
  if (!urlOrDomain) return null
  const s = urlOrDomain.trim().toLowerCase()
  if (!s) return null
  try {
    const host = new URL(/^[a-z]+:\/\//.test(s) ? s : `https://${s}`).hostname
    const parts = host.replace(/^www\d?\./, "").split(".")
    return parts.length >= 2 && parts.every(Boolean) ? parts.join(".") : null
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
    .replace(new RegExp(TLD_SUFFIX_PATTERN, "g"), "")
    .replace(/[^a-z0-9]+/g, " ")
    .replace(/^\s*the\s+/, " ")
    .replace(SUFFIX_RE, " ")
    .replace(/\s+/g, " ")
    .trim()

export const companyKey = (name: string | null | undefined, domain?: string | null): string => {
  const d = domainOf(domain)
  if (d) return d
  return normalizeCompanyName(name ?? "") || "(unknown)"
}

/**
 * A company name as a person reads it: job boards' decorations dropped ("PermitFlow (YC W22)",
 * "ParadeDB (YC S23,", "*Labor Solutions"), and a bare lower-case board token capitalised ("ramp").
 */
export const displayCompanyName = (name: string): string => {
  const cleaned = name
    .replace(/^[*•\s]+/, "")
    .replace(/\s*\((?:YC\b|[SWFX]\d{2}\b|formerly\b|NASDAQ\b|NYSE\b)[^)]*\)?/gi, "")
    .replace(/[\s,;(]+$/, "")
    .trim()
  const out = cleaned || name.trim()
  return /^[a-z0-9][a-z0-9-]*$/.test(out) ? out[0].toUpperCase() + out.slice(1) : out
}
