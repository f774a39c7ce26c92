import { domainOf } from "../../model/company.ts"
import type { CompanyIndex } from "./companies.ts"
import { extractNews } from "./extract.ts"
import { formatMoney, roundLabel } from "./money.ts"
import { fold, type SignalDraft } from "./store.ts"

export interface StagedNews {
  readonly feed: string
  readonly title: string
  readonly link: string | null
  readonly published_at: string | null
  readonly summary: string | null
  readonly content: string | null
  readonly company_hint: string | null
}

const day = (iso: string | null, today: string) => (iso ? iso.slice(0, 10) : today)
const outlet = (url: string | null, feed: string) => domainOf(url) ?? feed

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Attributes a headline to a known company only by an exact, case-sensitive mention of one of its names. */
export const mentionMatcher = (names: ReadonlyArray<{ name: string; key: string }>) => {
  const sorted = [...names].sort((a, b) => b.name.length - a.name.length)
  const res = sorted.map((n) => ({ ...n, re: new RegExp(`(^|[^\\w])${escapeRe(n.name)}($|[^\\w])`) }))
  return (text: string) => res.find((r) => r.re.test(text)) ?? null
}

/** One news item → one signal draft: an extraction when the item reads confidently, else low-confidence press. */
export const newsSignal = (
  n: StagedNews,
  companies: CompanyIndex,
  mention: (t: string) => { name: string; key: string } | null,
  today: string
): SignalDraft => {
  const e = extractNews(n)
  const date = day(n.published_at, today)
  const source = { url: n.link, origin: n.feed, title: n.title, published_at: n.published_at }
  const base = {
    signal_date: date,
    title: n.title,
    evidence: e.evidence,
    source,
    details: { feed: n.feed, undated: n.published_at == null } as Record<string, unknown>
  }
  const where = `${date}, ${outlet(n.link, n.feed)}`
  if (e.type === "press" || !e.company) {
    const hinted = n.company_hint
      ? { name: n.company_hint, key: companies.observe({ source: "news", name: n.company_hint }) }
      : null
    const m = hinted ?? mention(n.title)
    const key = m?.key ?? "(unattributed)"
    return {
      ...base,
      dedupeKey: `press|${key}|${fold(n.title)}`,
      company_key: key,
      company_name: m?.name ?? null,
      type: "press",
      confidence: hinted ? 0.35 : m ? 0.3 : 0.2,
      details: { ...base.details, attributed_by: hinted ? "feed" : m ? "mention" : null },
      why_now: `In the news: "${n.title}" (${where})`
    }
  }
  const key = companies.observe({ source: "news", name: e.company })
  const common = { ...base, company_key: key, company_name: e.company, confidence: e.confidence }
  switch (e.type) {
    case "funding": {
      const leads = e.leadInvestors ?? []
      const money = formatMoney(e.amount, e.currency)
      return {
        ...common,
        type: "funding",
        amount: e.amount ?? null,
        currency: e.currency ?? null,
        round: e.round ?? null,
        dedupeKey: `funding|${key}|${e.round ?? `amount:${e.amount == null ? "na" : Math.round(e.amount / 1e5)}`}`,
        details: {
          ...base.details,
          lead_investors: leads,
          ...("leadEvidence" in e ? { lead_evidence: (e as { leadEvidence?: string }).leadEvidence } : {})
        },
        why_now: `${e.company} raised ${[money, roundLabel(e.round)].filter(Boolean).join(" ")}${leads.length ? ` led by ${leads.join(", ")}` : ""} (${where})`
      }
    }
    case "leadership_change":
      return {
        ...common,
        type: "leadership_change",
        dedupeKey: `leadership|${key}|${fold(e.person ?? e.role)}`,
        details: { ...base.details, person: e.person, role: e.role },
        why_now: `${e.company}: new ${e.role ?? "leader"}${e.person ? ` ${e.person}` : ""} (${where})`
      }
    case "acquisition":
      return {
        ...common,
        type: "acquisition",
        dedupeKey: `acquisition|${key}|${fold(e.target)}`,
        details: { ...base.details, target: e.target },
        why_now: `${e.company} is acquiring ${e.target} (${where})`
      }
    default:
      return {
        ...common,
        type: "award",
        dedupeKey: `award|${key}|${fold(n.title)}`,
        why_now: `${e.company} recognised: "${n.title}" (${where})`
      }
  }
}
