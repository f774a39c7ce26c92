import type * as Entities from "entities"
import type * as Htmlparser2 from "htmlparser2"
import { lazyRequire } from "../core/lazy-require.ts"

// Required on first use: entities builds its 100 KB decode tables when loaded, twice counting htmlparser2's copy,
// and `validate` or `plan` know every source without reading a page.
const entities = lazyRequire<typeof Entities>(import.meta.url, "entities")
const htmlparser2 = lazyRequire<typeof Htmlparser2>(import.meta.url, "htmlparser2")

/** HTML character references decoded (entities' `decodeHTML`). */
export const decodeHTML = (s: string) => entities().decodeHTML(s)

const BLOCK = new Set([
  "p",
  "div",
  "br",
  "li",
  "ul",
  "ol",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "tr",
  "table",
  "section",
  "article",
  "blockquote",
  "pre"
])
const TAG_NAME = /\/?(\w+)/y
/** Markup the one-scan fast path cannot read right; any of it sends the whole string to the parser. */
const TABLE = new Set(["table", "tr", "td", "th", "thead", "tbody", "tfoot", "caption"])

/** Past the closing tag of a `<script>` or `<style>` whose opening tag ends at `gt`; `gt + 1` when it has none. */
const afterScript = (s: string, name: string, gt: number) => {
  const close = new RegExp(`</${name}\\b[^>]*>`, "gi")
  close.lastIndex = gt + 1
  return close.exec(s) ? close.lastIndex : gt + 1
}

/** A quote opened inside `s[lt..gt]` and not closed: the `>` at `gt` is inside an attribute value. */
const quoteOpen = (s: string, lt: number, gt: number) => {
  let q = 0
  for (let i = lt + 1; i < gt; i++) {
    const c = s.charCodeAt(i)
    if (q === 0 ? c === 34 || c === 39 : c === q) q = q === 0 ? c : 0
  }
  return q !== 0
}

const isAsciiLetter = (c: number) => (c | 32) >= 97 && (c | 32) <= 122

/**
 * Every tag replaced in one scan from "<" to "<", as five regex passes did (they showed in the
 * fan-out profile): script and style dropped with their content, `</li>` dropped, `<li>` a
 * bullet, block tags a line break, any other tag nothing. `undefined` when the markup is more
 * than this scan can read (a comment, a table, a "<" that starts no tag, a ">" inside quotes).
 */
const stripTags = (s: string): string | undefined => {
  let out = ""
  let from = 0
  // The next quote of each kind, moved on only when passed: tags without quotes cost no scan.
  let dq = s.indexOf('"')
  let sq = s.indexOf("'")
  for (let lt = s.indexOf("<"); lt !== -1; lt = s.indexOf("<", from)) {
    const gt = s.indexOf(">", lt + 1)
    const c = s.charCodeAt(lt + 1)
    const closing = c === 47 // "/"
    // A tag or comment cut off by the end of the text ("…</p", "<!-- …") is the parser's to drop; a lone "<" is text.
    if (gt === -1) {
      if (isAsciiLetter(c) || closing || c === 33) return undefined
      break
    }
    if (
      !(
        isAsciiLetter(c) ||
        (closing && isAsciiLetter(s.charCodeAt(lt + 2))) ||
        (c === 33 /* ! */ && !s.startsWith("--", lt + 2))
      )
    )
      return undefined
    if (dq !== -1 && dq < lt) dq = s.indexOf('"', lt)
    if (sq !== -1 && sq < lt) sq = s.indexOf("'", lt)
    if (((dq !== -1 && dq < gt) || (sq !== -1 && sq < gt)) && quoteOpen(s, lt, gt)) return undefined
    TAG_NAME.lastIndex = lt + 1
    const name = TAG_NAME.exec(s)?.[1].toLowerCase() ?? ""
    if (TABLE.has(name)) return undefined
    out +=
      s.slice(from, lt) +
      (name === "li" ? (!closing ? "\n• " : gt === lt + 4 ? "" : "\n") : BLOCK.has(name) ? "\n" : "")
    from = !closing && (name === "script" || name === "style") ? afterScript(s, name, gt) : gt + 1
  }
  return out + s.slice(from)
}

/**
 * The same text as `stripTags` gives, read by a real HTML parser: comments and attributes never
 * reach the text, a "<" that starts no tag stays text, table cells are kept apart (" | "), rows
 * are lines. Entities come out decoded.
 */
const parseTags = (s: string) => {
  let out = ""
  let hidden = 0
  let cells = 0
  const parser = new (htmlparser2().Parser)(
    {
      onopentag: (name) => {
        if (name === "script" || name === "style") hidden++
        else if (name === "li") out += "\n• "
        else if (name === "td" || name === "th") out += cells++ > 0 ? " | " : ""
        else if (name === "tr") {
          cells = 0
          out += "\n"
        } else if (BLOCK.has(name)) out += "\n"
      },
      onclosetag: (name) => {
        if (name === "script" || name === "style") hidden = Math.max(0, hidden - 1)
        else if (name !== "li" && name !== "br" && name !== "tr" && BLOCK.has(name)) out += "\n"
      },
      ontext: (t) => {
        if (hidden === 0) out += t
      }
    },
    { decodeEntities: true, lowerCaseTags: true }
  )
  parser.write(s)
  parser.end()
  return out
}

// The five basic entities, by the character after "&": [name and ";", what it stands for].
const SIMPLE_ENTITY: Record<string, ReadonlyArray<readonly [string, string]>> = {
  l: [["lt;", "<"]],
  g: [["gt;", ">"]],
  a: [
    ["amp;", "&"],
    ["apos;", "'"]
  ],
  q: [["quot;", '"']],
  "#": [["#39;", "'"]]
}

/**
 * `decodeHTML` for the common case of escaped markup that holds only the five basic entities
 * (Greenhouse content): one scan from "&" to "&", 3× faster on 15 KB of `&lt;p&gt;` than a
 * regex with a callback per entity, which showed in the fan-out profile. Any other entity
 * hands the whole string to `decodeHTML`.
 */
const decodeEscaped = (s: string) => {
  let out = ""
  let from = 0
  for (let at = s.indexOf("&"); at !== -1; at = s.indexOf("&", from)) {
    const hit = SIMPLE_ENTITY[s[at + 1]]?.find(([name]) => s.startsWith(name, at + 1))
    if (!hit) return decodeHTML(s)
    out += s.slice(from, at) + hit[1]
    from = at + 1 + hit[0].length
  }
  return out + s.slice(from)
}

/**
 * HTML (possibly entity-escaped, as Greenhouse serves it) to readable text: block tags become line
 * breaks, list items keep a bullet, entities are decoded, runs of blank space fold.
 */
export const htmlToText = (html: string | null | undefined): string | null => {
  if (html == null) return null
  let s = html
  // Escaped HTML ("&lt;p&gt;") is decoded once so the tags can be seen and stripped.
  if (/&lt;\/?[a-z]/i.test(s) && !/<\/?[a-z][^>]*>/i.test(s)) s = decodeEscaped(s)
  const fast = stripTags(s)
  // The parser decodes entities itself; decoding its text again would turn "&amp;lt;" into "<".
  s = fast === undefined ? parseTags(s) : fast.includes("&") ? decodeHTML(fast) : fast
  // Only runs that change are matched: a pattern matching every single space costs more than the rest.
  s = s
    .replace(/\u00a0/g, " ")
    .replace(/[ \t]{2,}|\t/g, " ")
    .replace(/ +\n *|\n +/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim()
  return s.length > 0 ? s : null
}

/** Remote mode from free text (a location or a workplace field); `unknown` unless it says. */
export const remoteFromText = (
  ...texts: ReadonlyArray<string | null | undefined>
): "remote" | "hybrid" | "onsite" | "unknown" => {
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
