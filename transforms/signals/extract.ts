import { moneyIn, normalizeRound, ROUND_PATTERN, type Round } from "./money.ts"

export type NewsSignalType = "funding" | "leadership_change" | "acquisition" | "award" | "press"

/** What one news item says, with the sentence it was read from. Nothing here is guessed: unparsed → press. */
export interface Extraction {
  readonly type: NewsSignalType
  /** The company the signal is about, as written; null when the headline does not say confidently. */
  readonly company: string | null
  readonly evidence: string
  readonly confidence: number
  readonly amount?: number | null
  readonly currency?: string | null
  readonly round?: Round | null
  readonly leadInvestors?: ReadonlyArray<string>
  readonly person?: string | null
  readonly role?: string | null
  readonly target?: string | null
}

export interface NewsText {
  readonly title: string
  readonly summary?: string | null
  readonly content?: string | null
}

/** Sentences of a text, keeping "$3.5M" and "Inc." intact. */
export const sentences = (text: string | null | undefined): string[] =>
  (text ?? "")
    .replace(/\s+/g, " ")
    .split(/(?<=[.!?])\s+(?=["“A-Z0-9])/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)

const NOT_A_NAME = new Set([
  "The",
  "A",
  "An",
  "This",
  "That",
  "It",
  "He",
  "She",
  "They",
  "We",
  "Company",
  "Startup",
  "Report",
  "How",
  "Why",
  "What",
  "Who",
  "When",
  "Here",
  "Exclusive",
  "Breaking",
  "Update",
  "Its",
  "Our",
  "Your"
])
const CAP = /^(?:[A-Z0-9][\w'’.&+-]*|&|of|for|and|de)$/

/**
 * The company a clause names just before its verb: the trailing run of capitalised words
 * ("Prior-auth startup Acmeo Health" → "Acmeo Health"), or the name before an appositive comma
 * ("Acme, a payments startup," → "Acme"). Null when the clause does not end in a name.
 */
export const subjectName = (clause: string): string | null => {
  let c = clause
    .trim()
    .replace(/[:\-–—]\s*$/, "")
    .trim()
  const appositive = /^([^,]+),\s.+,$/.exec(c)
  if (appositive) c = appositive[1]
  if (c.endsWith(",")) return null
  const tokens = c.split(/\s+/).filter(Boolean)
  const run: string[] = []
  for (let i = tokens.length - 1; i >= 0; i--) {
    if (!CAP.test(tokens[i])) break
    run.unshift(tokens[i])
  }
  while (run.length > 0 && /^(of|for|and|de|&)$/.test(run[0])) run.shift()
  if (run.length === 0 || run.length > 6) return null
  const name = run.join(" ").replace(/[’']s$/, "")
  if (NOT_A_NAME.has(run[0]) || /^\d/.test(name) || name.length < 2) return null
  return name
}

const FUNDING_VERB =
  /\b(raises|raised|has raised|secures|secured|lands|landed|closes|closed|nabs|bags|snags|banks|picks up|scores|announces|announced|completes|gets)\b/i
const FUNDING_WORD = /\b(round|funding|financing|investment|seed|series [a-f]|pre-?seed|capital|debt|raise)\b/i
const FUND_RAISE = /\b(new fund|fund [ivx]+\b|for its (?:\w+ )?fund|debut fund|venture fund|flagship fund)\b/i
const INVESTOR_SUBJECT = /\b(Capital|Ventures|Partners|VC|Fund|Investors|Holdings)$/

/** "led by A and B, with participation from C" → ["A", "B"]. */
export const leadInvestorsIn = (s: string): string[] => {
  const m =
    /\b(?:co-)?led by ([^.;]+?)(?:,? with (?:participation|support|additional)|,? along with|, (?:and )?(?:bringing|which|as|who)|\.|;|$)/i.exec(
      s
    )
  if (!m) return []
  return m[1]
    .split(/,\s*(?:and\s+)?|\s+and\s+/)
    .map((x) => x.replace(/^(?:existing investor|investors?)\s+/i, "").trim())
    .filter((x) => /^[A-Z0-9]/.test(x) && x.length <= 60)
}

const funding = (s: string, fallbackCompany: string | null, fromHeadline: boolean): Extraction | null => {
  const verb = FUNDING_VERB.exec(s)
  if (!verb) return null
  const after = s.slice(verb.index + verb[0].length)
  const money = moneyIn(after.slice(0, 80))
  const roundM = ROUND_PATTERN.exec(after.slice(0, 120))
  const round = roundM ? normalizeRound(roundM[1]) : null
  if (money.length === 0 && !round) return null
  // "announces", "completes", "closes", "gets" only count with an explicit round/funding noun after them.
  if (/announce|complete|close|gets|scores/i.test(verb[0]) && !FUNDING_WORD.test(after.slice(0, 100))) return null
  if (FUND_RAISE.test(after)) return null
  // Money that is a prize, a price or revenue is not a round.
  if (
    money.length > 0 &&
    !round &&
    /\b(prize|revenue|valuation of|in sales|contract|grant|settlement|fine)\b/i.test(
      after.slice(0, money[0].index + 40)
    )
  )
    return null
  const before = s.slice(0, verb.index)
  let company = subjectName(before)
  if (
    !company &&
    /^(?:the|the startup|the company|it|[\w-]+ startup)\s*(?:this week|today|has|now)?\s*$/i.test(before.trim())
  )
    company = fallbackCompany
  if (!company || INVESTOR_SUBJECT.test(company)) return null
  const first = money[0]
  return {
    type: "funding",
    company,
    evidence: s,
    confidence: fromHeadline ? (first && round ? 0.95 : 0.85) : 0.8,
    amount: first?.amount ?? null,
    currency: first?.currency ?? null,
    round,
    leadInvestors: leadInvestorsIn(s)
  }
}

const ROLE = String.raw`(?:(?:its|their|the)\s+)?(?:new\s+|first\s+|first-ever\s+|interim\s+)*(chief\s+[a-z]+(?:\s+[a-z]+)?\s+officer|CEO|CRO|CFO|COO|CTO|CMO|CPO|CIO|CISO|CCO|CHRO|president(?:\s+and\s+(?:CEO|COO))?|(?:senior\s+|executive\s+)?vice\s+president(?:,?\s+(?:of\s+)?[A-Za-z&]+(?:\s+[A-Za-z&]+){0,2})?|[SE]?VP(?:,?\s+(?:of\s+)?[A-Za-z&]+(?:\s+[A-Za-z&]+){0,2})?|head\s+of\s+[A-Za-z&]+(?:\s+[A-Za-z&]+){0,2}|general\s+manager|chair(?:man|woman|person)?)`
// Name words; the lookahead keeps "as", "to", "its" out when the pattern runs case-insensitively.
const NAME_WORD = String.raw`(?!(?:as|to|be|its|new|the|former|interim|chief|head|vice|president)\b)[A-Z][a-zA-Z.'’-]+`
const PERSON = String.raw`(${NAME_WORD}(?:\s+${NAME_WORD}){1,3})`
const HIRE = new RegExp(
  String.raw`^(.+?)\s+(?:appoints|names|hires|taps|promotes|welcomes|adds|announces)\s+(?:former\s+[\w\s]+?\s+)?${PERSON}\s+(?:as\s+|to\s+(?:be\s+)?)?${ROLE}\b`,
  "i"
)
const JOINS = new RegExp(String.raw`^${PERSON}\s+(?:joins|to join)\s+(.+?)\s+as\s+${ROLE}\b`)
const DEPARTS = new RegExp(
  String.raw`^(.+?)\s+${ROLE}\s+${PERSON}\s+(?:steps down|to step down|resigns|departs|retires|exits)\b`,
  "i"
)

const leadership = (s: string): Extraction | null => {
  const h = HIRE.exec(s)
  if (h && /^[A-Z]/.test(h[2])) {
    const company = subjectName(h[1])
    if (company) return { type: "leadership_change", company, evidence: s, confidence: 0.85, person: h[2], role: h[3] }
  }
  const j = JOINS.exec(s)
  if (j) {
    const company = subjectName(j[2])
    if (company) return { type: "leadership_change", company, evidence: s, confidence: 0.8, person: j[1], role: j[3] }
  }
  const d = DEPARTS.exec(s)
  if (d) {
    const company = subjectName(d[1].replace(/[’']s$/, ""))
    if (company) return { type: "leadership_change", company, evidence: s, confidence: 0.75, person: d[3], role: d[2] }
  }
  return null
}

const ACQ =
  /^(.+?)\s+(?:acquires|has acquired|to acquire|agrees to acquire|will acquire|buys|to buy|agrees to buy|snaps up|scoops up|completes (?:its )?acquisition of|announces (?:its )?acquisition of)\s+(.+?)(?:\s+(?:for|in|to|from|as|amid|after|with)\b|[,:;]|$)/i
const ACQUIRED =
  /^(.+?)\s+(?:acquired by|to be acquired by|sells to|sold to|agrees to be acquired by)\s+(.+?)(?:\s+(?:for|in|to|as|amid|after|with)\b|[,:;]|$)/i

const acquisition = (s: string): Extraction | null => {
  const a = ACQ.exec(s)
  if (a) {
    const company = subjectName(a[1])
    const target = subjectName(a[2].replace(/^(?:the\s+)?(?:[\w-]+\s+)*?(?=[A-Z])/, "")) ?? null
    if (company && target) return { type: "acquisition", company, target, evidence: s, confidence: 0.85 }
  }
  const b = ACQUIRED.exec(s)
  if (b) {
    const target = subjectName(b[1])
    const company = subjectName(b[2])
    if (company && target) return { type: "acquisition", company, target, evidence: s, confidence: 0.8 }
  }
  return null
}

const AWARD =
  /^(.+?)\s+(?:wins|won|earns|receives|named (?:a |an |to |one of |among )?|recognized (?:as|by|in|on)|honored (?:as|by|with)|awarded|lands on|makes)\b.*\b(award|awards|prize|honou?r|list|best places to work|top \d+|fierce 15|inc\.? 5000|forbes|gartner)\b/i

const award = (s: string): Extraction | null => {
  const m = AWARD.exec(s)
  if (!m) return null
  const company = subjectName(m[1])
  return company ? { type: "award", company, evidence: s, confidence: 0.7 } : null
}

/**
 * Reads one news item: the headline first (funding, leadership, acquisition, award), then the
 * summary's first sentence; body sentences only enrich a funding match (lead investors, amount).
 * An item none of these read confidently comes back as low-confidence `press`.
 */
export const extractNews = (item: NewsText): Extraction => {
  const title = item.title.replace(/\s+/g, " ").trim()
  const lead = sentences(item.summary)[0]
  const body = [...sentences(item.summary), ...sentences(item.content).slice(0, 12)]
  const headlineCompany = (s: string) => funding(s, null, true)?.company ?? null
  const fromTitle = funding(title, null, true) ?? leadership(title) ?? acquisition(title) ?? award(title)
  const fromLead = fromTitle ? null : lead ? (funding(lead, null, false) ?? leadership(lead)) : null
  const hit = fromTitle ?? fromLead
  if (!hit) return { type: "press", company: null, evidence: title, confidence: 0.2 }
  if (hit.type !== "funding") return hit
  // The round's details are often in the body ("The company announced a $3M pre-seed round, led by X").
  const company = hit.company ?? headlineCompany(title)
  let { amount, currency, round } = hit
  let leads = [...(hit.leadInvestors ?? [])]
  let leadEvidence: string | undefined
  for (const s of body) {
    const f = funding(s, company, false)
    if (!f || (f.company !== company && f.company !== null)) continue
    if (amount == null && f.amount != null) {
      amount = f.amount
      currency = f.currency
    }
    if (round == null && f.round) round = f.round
    if (leads.length === 0 && (f.leadInvestors?.length ?? 0) > 0) {
      leads = [...f.leadInvestors!]
      leadEvidence = s
    }
  }
  for (const s of body) {
    if (leads.length > 0) break
    if (/\b(round|funding|financing)\b/i.test(s) && leadInvestorsIn(s).length > 0) {
      leads = leadInvestorsIn(s)
      leadEvidence = s
    }
  }
  return { ...hit, company, amount, currency, round, leadInvestors: leads, ...(leadEvidence ? { leadEvidence } : {}) }
}
