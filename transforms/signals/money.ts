/** Funding rounds as the signals table stores them, earliest first. */
export const ROUNDS = [
  "pre_seed",
  "seed",
  "series_a",
  "series_b",
  "series_c",
  "series_d",
  "series_e",
  "series_f",
  "growth",
  "debt"
] as const
export type Round = (typeof ROUNDS)[number]

export const ROUND_PATTERN =
  /\b(pre-?seed|seed|series\s+[a-f](?:[-\s]?\d)?(?=\b)|growth(?:\s+(?:equity|round|funding))|(?:venture\s+)?debt(?:\s+financing)?|credit\s+facility)\b/i

export const normalizeRound = (s: string): Round | null => {
  const t = s.toLowerCase().replace(/\s+/g, " ")
  if (/^pre-?seed/.test(t)) return "pre_seed"
  if (t === "seed") return "seed"
  const series = /^series ([a-f])/.exec(t)
  if (series) return `series_${series[1]}` as Round
  if (t.startsWith("growth")) return "growth"
  if (/debt|credit facility/.test(t)) return "debt"
  return null
}

export const roundLabel = (r: string | null | undefined) =>
  !r ? "" : r === "pre_seed" ? "pre-seed" : r.startsWith("series_") ? `Series ${r.slice(7).toUpperCase()}` : r

const SYMBOLS: Record<string, string> = {
  $: "USD",
  US$: "USD",
  "€": "EUR",
  "£": "GBP",
  C$: "CAD",
  A$: "AUD",
  "₹": "INR"
}
const WORD_CCY: Record<string, string> = {
  dollars: "USD",
  usd: "USD",
  euros: "EUR",
  eur: "EUR",
  pounds: "GBP",
  gbp: "GBP"
}
const SCALE: Record<string, number> = {
  k: 1e3,
  thousand: 1e3,
  m: 1e6,
  mm: 1e6,
  mn: 1e6,
  million: 1e6,
  b: 1e9,
  bn: 1e9,
  billion: 1e9
}

export interface Money {
  readonly amount: number
  readonly currency: string
  readonly text: string
  readonly index: number
}

const MONEY =
  /(US\$|C\$|A\$|[$€£₹])\s?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(thousand|million|billion|mm|mn|bn|[kmb])?\b|\b(USD|EUR|GBP)\s?(\d+(?:\.\d+)?)\s?(thousand|million|billion|mm|mn|bn|[kmb])?\b|\b(\d+(?:\.\d+)?)\s(thousand|million|billion)\s(dollars|euros|pounds)\b/gi

/** Every money amount in a sentence, in order ("$3M", "€12.5 million", "USD 40m", "5 million euros"). */
export const moneyIn = (s: string): Money[] => {
  const out: Money[] = []
  for (const m of s.matchAll(MONEY)) {
    const [sym, num, unit] = m[1] ? [m[1], m[2], m[3]] : m[4] ? [m[4], m[5], m[6]] : [m[9], m[7], m[8]]
    const currency = SYMBOLS[sym] ?? WORD_CCY[sym.toLowerCase()] ?? "USD"
    const value = Number(num.replace(/,/g, "")) * (unit ? (SCALE[unit.toLowerCase()] ?? 1) : 1)
    if (Number.isFinite(value) && value > 0) out.push({ amount: value, currency, text: m[0], index: m.index ?? 0 })
  }
  return out
}

export const formatMoney = (amount: number | null | undefined, currency: string | null | undefined) => {
  if (amount == null) return ""
  const sym =
    currency === "EUR" ? "€" : currency === "GBP" ? "£" : currency === "USD" || !currency ? "$" : `${currency} `
  const [v, u] =
    amount >= 1e9
      ? [amount / 1e9, "B"]
      : amount >= 1e6
        ? [amount / 1e6, "M"]
        : amount >= 1e3
          ? [amount / 1e3, "K"]
          : [amount, ""]
  return `${sym}${Number(v.toFixed(2))}${u}`
}
