/** Workday's board shape (declared in universe.ts too; repeated here so the universe schema can import these helpers). */
interface WorkdayBoard {
  readonly tenant: string
  readonly site: string
  readonly instance: string
}
type Board = string | WorkdayBoard | null | undefined

/**
 * Providers whose board tokens are case-insensitive: their public URLs and APIs answer the same board under any
 * case (the hostname for Workday tenants and BambooHR, the path for the rest), and both directories write them in
 * lower case. SmartRecruiters company ids and Workday site ids are kept as first seen (`WesternDigital`,
 * `Humana_External_Career_Site`); they are compared without case only to find the same board twice.
 */
const lowerCaseTokens = new Set(["greenhouse", "lever", "ashby", "workable", "rippling", "gem", "bamboohr"])

/** A board written the way this provider's connector takes it (trimmed; lower case where the provider ignores case). */
export const normalizeBoard = <B extends Board>(ats: string, board: B): B => {
  if (board == null) return board
  if (typeof board !== "string")
    return {
      tenant: board.tenant.trim().toLowerCase(),
      site: board.site.trim(),
      instance: board.instance.trim().toLowerCase()
    } as B
  const t = board.trim()
  return (lowerCaseTokens.has(ats) ? t.toLowerCase() : t) as B
}

/** The identity of a board: the same board from two sources has the same key. */
export const boardKey = (ats: string, board: string | WorkdayBoard): string =>
  typeof board === "string"
    ? `${ats}:${board.trim().toLowerCase()}`
    : `${ats}:${board.tenant.trim().toLowerCase()}|${board.instance.trim().toLowerCase()}|${board.site.trim().toLowerCase()}`

const tlds = new Set(["com", "io", "ai", "co", "app", "so", "dev", "net", "org", "xyz", "inc"])

/**
 * A readable name for a board no source names: the token split at `-`, `_` and `.`, each word with a capital first
 * letter (`people-data-labs` → `People Data Labs`, `peopledatalabs` → `Peopledatalabs`), a last word that is a domain
 * ending joined with a dot (`wealth-com` → `Wealth.com`, `11x-ai` → `11x.ai`). Entries named so carry `name_source: slug`.
 */
export const nameFromSlug = (token: string): string => {
  const words = token
    .trim()
    .split(/[-_.\s]+/)
    .filter(Boolean)
  if (words.length === 0) return token
  const cap = (w: string) => w[0].toUpperCase() + w.slice(1)
  const last = words[words.length - 1].toLowerCase()
  if (words.length > 1 && tlds.has(last) && last !== "inc") return `${words.slice(0, -1).map(cap).join(" ")}.${last}`
  return words.map((w) => (w.toLowerCase() === "inc" ? "Inc" : cap(w))).join(" ")
}
