import { decodeHTML } from "entities"

const BLOCK = /<\/?(p|div|br|li|ul|ol|h[1-6]|tr|table|section|article|blockquote|pre)\b[^>]*>/gi

/**
 * HTML (possibly entity-escaped, as Greenhouse serves it) to readable text: block tags become line
 * breaks, list items keep a bullet, entities are decoded, runs of blank space fold.
 */
export const htmlToText = (html: string | null | undefined): string | null => {
  if (html == null) return null
  let s = html
  // Escaped HTML ("&lt;p&gt;") is decoded once so the tags can be seen and stripped.
  if (/&lt;\/?[a-z]/i.test(s) && !/<\/?[a-z][^>]*>/i.test(s)) s = decodeHTML(s)
  s = s
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, "")
    .replace(/<\/li>/gi, "")
    .replace(/<li\b[^>]*>/gi, "\n• ")
    .replace(BLOCK, "\n")
    .replace(/<[^>]+>/g, "")
  s = decodeHTML(s)
    .replace(/\u00a0/g, " ")
    .replace(/[ \t]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim()
  return s.length > 0 ? s : null
}

/** Remote mode from free text (a location or a workplace field); `unknown` unless it says. */
export const remoteFromText = (...texts: ReadonlyArray<string | null | undefined>): "remote" | "hybrid" | "onsite" | "unknown" => {
  const t = texts.filter(Boolean).join(" ").toLowerCase()
  if (/\bhybrid\b/.test(t)) return "hybrid"
  if (/\b(remote|anywhere|distributed|work from home|wfh)\b/.test(t)) return "remote"
  if (/\b(on-?site|in[- ]office|in person)\b/.test(t)) return "onsite"
  return "unknown"
}

/** ISO-8601 in UTC, or null for anything that is not a date. */
export const isoDate = (v: string | number | null | undefined): string | null => {
  if (v == null || v === "") return null
  const d = typeof v === "number" ? new Date(v < 1e12 ? v * 1000 : v) : new Date(v)
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}
