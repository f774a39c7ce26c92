/**
 * Posting text without the parts every employer writes the same way: benefits and perks, EEO and
 * accommodation notices, the company pitch under "About us". They say "healthcare", "medical" and
 * "benefits" at an adtech company as often as at a payer, so they are no evidence of a domain.
 */

/** Headings of sections that are boilerplate until the next heading. */
const BOILERPLATE_HEADING = new RegExp(
  [
    String.raw`(our |the |what are the |employee |compensation (and|&) )?benefits?( (and|&) perks| package| include| to support.*)?`,
    String.raw`perks( (and|&) benefits)?`,
    String.raw`(here('|’)s )?what we offer`,
    String.raw`what you('|’)ll get`,
    String.raw`why (you('|’)ll love (it here|working here)|join( us)?|work (with|for|at) us)`,
    String.raw`how \S+ supports .*employees`,
    String.raw`(about us|who we are|our story|our mission|life at \S+)`,
    String.raw`about (?!(the |this |our )?(role|job|position|opportunity|team|you\b|the work)).{2,60}`,
    String.raw`(equal[\s-](employment[\s-])?opportunit(y|ies)|eeo|diversity|our commitment to diversity|inclusion|accommodations?|reasonable accommodations?|pay transparency|privacy( notice)?)\b.*`
  ]
    .map((h) => `(?:${h})`)
    .join("|"),
  "i"
)

/** A sentence or "|"-field that is an EEO notice or a benefits list, wherever it stands. */
const BOILERPLATE_SENTENCE = new RegExp(
  [
    String.raw`equal[\s-](employment[\s-])?opportunit`,
    String.raw`without regard to`,
    String.raw`race, (color|colour|religion)`,
    String.raw`reasonable accommodation`,
    String.raw`protected (veteran|characteristic)`,
    String.raw`medical, dental`,
    String.raw`dental,? (and|&) vision`,
    String.raw`health (insurance|benefits|coverage)`,
    String.raw`healthcare (benefits|coverage|plans?)`,
    String.raw`\b401\s?\(?k\)?`,
    String.raw`paid time off|\bpto\b|parental leave|employee stock`,
    String.raw`benefits (may be|package|are subject|eligibility)|\b(competitive|comprehensive|generous|great|excellent|full) benefits\b|competitive (pay|salary|compensation)( and|,) benefits`,
    String.raw`(compensation|equity),? (and|&) benefits`,
    String.raw`applicants with (arrest|criminal)|fair chance`
  ].join("|"),
  "i"
)

const stripMarkers = (line: string) =>
  line
    .replace(/^[\s•*#>-]+/, "")
    .replace(/<\/?[a-z][^>]*>/gi, "")
    .trim()

/** A line that opens a section: short, no sentence end; or "Label: text" with a short label. */
const headingOf = (line: string): { label: string; rest: string } | undefined => {
  // A list item ("• Generous Leaves: 40 days") is content of the section it stands in, never a heading.
  if (/^\s*(?:[•*·-]|\d+[.)])\s/.test(line)) return undefined
  const t = stripMarkers(line)
  const inline = /^([^:.!?]{2,40}):\s*(.*)$/.exec(t)
  if (inline && inline[1].split(/\s+/).length <= 6) return { label: inline[1].trim(), rest: inline[2] }
  if (t.length >= 2 && t.length <= 60 && !/[.!?,;]$/.test(t) && t.split(/\s+/).length <= 8)
    return { label: t, rest: "" }
  return undefined
}

const WHOLE_HEADING = new RegExp(`^(?:${BOILERPLATE_HEADING.source})$`, "i")
const isBoilerplateHeading = (label: string) => WHOLE_HEADING.test(label.trim())

/** Drops boilerplate sentences and "|"-separated fields (HN posts put "Unlimited PTO, healthcare, 401k" inline). */
const keepSentences = (line: string) =>
  line
    .split(/(?<=[.!?])\s+|\s+\|\s+/)
    .filter((s) => !BOILERPLATE_SENTENCE.test(s))
    .join(" ")

/** The posting text without benefits, perks, EEO and about-us sections or sentences. */
export const stripBoilerplate = (text: string | null | undefined): string => {
  const out: string[] = []
  let skipping = false
  for (const line of (text ?? "").split("\n")) {
    const h = headingOf(line)
    if (h) {
      // "Benefits:" opens a section; "Benefits: 401k, healthcare" is the whole of it.
      if (isBoilerplateHeading(h.label)) {
        if (h.rest === "") skipping = true
        continue
      }
      skipping = false
    }
    if (skipping) continue
    const kept = keepSentences(line)
    if (kept.trim()) out.push(kept)
  }
  return out.join("\n")
}
