/**
 * A readable title for a Hacker News post whose first line names no role: the first short line of
 * the post that reads as a role ("Senior Backend Engineer"), else the role in "we're hiring / looking
 * for …". Null when none can be read: such a post does not rank in the queue.
 */
const ROLE_NOUN =
  "engineers?|developers?|designers?|scientists?|managers?|architects?|analysts?|researchers?|journalists?|recruiters?|leads?|sres?|marketers?|writers?|editors?"
const ROLE_LINE = new RegExp(`\\b(${ROLE_NOUN}|head of|founding)\\b`, "i")
const HIRING = new RegExp(
  `\\b(?:hiring|looking for|seeking|searching for)\\s+(?:an?\\s+|our\\s+(?:first\\s+)?|two\\s+|several\\s+)?((?:[\\w+/.#-]+\\s+){0,4}?(?:${ROLE_NOUN}))\\b`,
  "i"
)

const titleCase = (s: string) => s.replace(/\b[a-z]/g, (c) => c.toUpperCase())

export const readTitle = (body: string | null | undefined): string | null => {
  const lines = (body ?? "")
    .split(/\n+/)
    .slice(1)
    .map((l) => l.replace(/^[\s\-*•·]+/, "").trim())
    .filter(Boolean)
  const short = lines.find((l) => l.length <= 70 && !/[.!?:]$/.test(l) && ROLE_LINE.test(l) && !/^https?:/i.test(l))
  if (short) return short
  const m = HIRING.exec(lines.join(" "))
  return m ? titleCase(m[1].trim()) : null
}

export const ROLE_NOT_STATED = "(role not stated)"
