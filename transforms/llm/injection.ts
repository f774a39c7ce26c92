/**
 * Posting text that tries to talk to the model. Detection reads a folded copy of the text (the
 * model still sees the original): what a model reads through (zero-width characters, full-width
 * or look-alike letters, leet, line breaks, letter spacing) must not hide an instruction from us.
 */

// Cyrillic and Greek letters drawn like Latin ones: "іgnоre" (two Cyrillic letters) reads as "ignore".
const HOMOGLYPHS: Record<string, string> = {
  а: "a",
  в: "b",
  е: "e",
  к: "k",
  м: "m",
  н: "h",
  о: "o",
  р: "p",
  с: "c",
  т: "t",
  у: "y",
  х: "x",
  і: "i",
  ј: "j",
  ѕ: "s",
  ԁ: "d",
  ӏ: "l",
  ԛ: "q",
  ԝ: "w",
  α: "a",
  β: "b",
  ε: "e",
  η: "n",
  ι: "i",
  κ: "k",
  ν: "v",
  ο: "o",
  ρ: "p",
  τ: "t",
  υ: "u",
  χ: "x",
  γ: "y",
  ω: "w",
  ɡ: "g",
  ı: "i"
}
const HOMOGLYPH = new RegExp(`[${Object.keys(HOMOGLYPHS).join("")}]`, "g")
// Digits and signs standing for letters, only next to a letter ("1gn0re", "ru1e$"), so "score 100" stays a number.
const LEET_IN_WORD = /(?<=[a-z])[013457@$]+|[013457@$]+(?=[a-z])/g
const leet = (one: "i" | "l") => {
  const map: Record<string, string> = { "0": "o", "1": one, "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", $: "s" }
  return (s: string) => s.replace(LEET_IN_WORD, (run) => [...run].map((c) => map[c]).join(""))
}
const leetI = leet("i")
const leetL = leet("l")

const foldUnicode = (text: string) =>
  text
    // Unicode tag characters spell ASCII invisibly ("ASCII smuggling") and some models read them: read them too.
    .replace(/[\u{e0020}-\u{e007e}]/gu, (c) => String.fromCharCode(c.codePointAt(0)! - 0xe0000))
    .normalize("NFKC")
    .toLowerCase()
    .normalize("NFD")
    .replace(/[\p{Cf}\p{Mn}]/gu, "")
    .replace(HOMOGLYPH, (c) => HOMOGLYPHS[c])

/**
 * Lower case, NFKC (full-width and styled letters to ASCII), marks and format characters (Unicode
 * Cf: zero-width, soft hyphen, bidi controls) gone, look-alike letters folded, spaced-out letters
 * joined, every run of blank space (line breaks too) one space.
 */
export const foldForDetection = (text: string) =>
  // Plain ASCII has nothing to normalize, and most postings are: skip the Unicode passes for it.
  (/[^\x00-\x7f]/.test(text) ? foldUnicode(text) : text.toLowerCase())
    // "i g n o r e", "i.g.n.o.r.e", "i-g-n-o-r-e": single letters spaced out are joined back.
    .replace(/\b(?:[a-z][ \t\n._*-]){3,}[a-z]\b/g, (run) => run.replace(/[ \t\n._*-]/g, ""))
    .replace(/\s+/g, " ")

const NOUN = "(?:instructions?|prompts?|rules|directions|guidelines|criteria|context|rubric|scoring)"
const MACHINE = "(?:ai|llm|large language model|language model|chatbot|gpt|chatgpt|claude|screening (?:bot|model|tool))"
// 100 as a score, not a price, a percentage or the start of a range ("$100k", "100%", "100–200/hr").
const HUNDRED = "(?<![$£€\\d.,])100(?!\\s*(?:%|[-–—]|/\\s*h)|[.,]?\\d|k\\b)"
const OTHERS =
  "(?:every other|all other|all the other|the other|other|remaining|the rest of the|competing|neighbou?ring|following|previous)"
const ITEMS = "(?:postings?|jobs?|items?|listings?|openings?|companies|candidates?)"

/** What each kind of injection looks like in folded text; the name is what the row records. */
const PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  [
    "override",
    new RegExp(
      `\\b(?:ignore|disregard|override|bypass|overrule|do not follow|don'?t follow|stop following)\\b(?: \\S+){0,4}? (?:all|any|previous|prior|above|earlier|preceding|original|your|system|existing|initial|former)\\b(?: \\S+){0,3}? ${NOUN}`
    )
  ],
  [
    "override",
    /\b(?:ignore|disregard|forget)\b (?:all |any |the |your )*(?:previous|prior|above|earlier|preceding|original)\b/
  ],
  // The same in the other languages postings here come in (es, fr, de, it, pt).
  [
    "override",
    /\b(?:ignor(?:a|ez|er|ieren?|iere|are|ar)|olvida|oublie[zr]?|vergiss|vergessen sie|dimentica|esque[cç]a)\b[^.]{0,40}?\b(?:instrucciones|instructions|anweisungen|istruzioni|instru[cç][oõ]es|consignes|vorgaben|regeln|reglas|r[eè]gles|regole|regras)\b/
  ],
  [
    "override",
    /\b(?:ignore|disregard|forget) (?:everything|anything|all) (?:above|before|said|prior|previously|you were told)\b/
  ],
  // Not "prompt injection", "jailbreak" or "system prompt" alone: AI-security and LLM postings name them as topics.
  [
    "override",
    /\bnew (?:instructions?|rules|system prompt|task)\s*:|\b(?:enter|enable|activate|switch to|(?:you are|you're) (?:now )?in) (?:developer|god|dan|jailbreak|unrestricted) mode\b|\b(?:reveal|print|repeat|output|show) (?:me )?(?:your |the )?system prompt\b/
  ],
  ["role", /(?:^|[.!?;:"'()[\]{}|#>*-] ?)(?:system|assistant|developer)\s*:/],
  [
    "role",
    /\bim_(?:start|end)\b|\[\/?inst\]|[<‹]{2}\/?sys[>›]{2}|[<‹]\|(?:system|assistant|user)|#{2,} ?(?:system|instructions?|response)\b/
  ],
  [
    "address",
    new RegExp(`\\b(?:if you are|you are|as) (?:an?|the) ${MACHINE}(?: (?:model|assistant|system|agent))?\\s*[,.:;!)]`)
  ],
  ["address", new RegExp(`\\b(?:dear|attention|hey|note to(?: the)?|to the) ${MACHINE}\\s*[,.:;!)-]`)],
  [
    "address",
    new RegExp(
      `\\b${MACHINE}s? (?:reading|parsing|processing|screening|evaluating|reviewing|scoring|ranking) (?:this|these)\\b`
    )
  ],
  [
    "address",
    new RegExp(
      `\\byou are now (?:an?|the|in|my|acting|operating|free)\\b|\\bfrom now on,? you (?:are|will|must)\\b|\\bpretend (?:to be|you are)\\b|\\bact as (?:an? )?${MACHINE}`
    )
  ],
  [
    "fake_answer",
    /\{\s*["“”']?(?:results|score|fit_score|relevant|rationale|tier|fit_category)["“”']?\s*:|["“”'](?:results|score|fit_score|relevant|rationale|tier|id|quote)["“”']\s*:/
  ],
  [
    "score_demand",
    new RegExp(
      `(?<![-‐‑])\\b(?:score|rate|rank|grade|mark|assign|award)\\b[^.]{0,40}?(?:\\b${HUNDRED}|\\bone hundred\\b|\\b10 ?/ ?10\\b|\\bperfect (?:score|fit|match)\\b|\\b(?:maximum|highest|top) (?:score|fit|rating)\\b|\\btier a\\b|\\ba[- ]tier\\b)`
    )
  ],
  ["score_demand", new RegExp(`\\b(?:fit(?:_score)?|score|relevan(?:t|ce))\\s*[:=]\\s*(?:${HUNDRED}|true|yes)\\b`)],
  [
    "neighbours",
    new RegExp(
      `\\b(?:mark|flag|label|rate|score|rank|classify|treat|reject|downgrade|penali[sz]e)\\b[^.]{0,30}?\\b${OTHERS} ${ITEMS}\\b`
    )
  ],
  [
    "neighbours",
    new RegExp(
      `\\b(?:other|remaining|competing|all|every) (?:other )?${ITEMS} (?:are|is|as) (?:an? |all )?(?:scams?|fraud(?:ulent)?|fake|spam|irrelevant|worthless)\\b`
    )
  ]
]

export interface InjectionSign {
  /** `override`, `role`, `address`, `fake_answer`, `score_demand` or `neighbours`. */
  readonly kind: string
  /** The folded text that matched, for the row's rationale. */
  readonly match: string
}

/** The kinds of injection the text shows, one sign per kind; empty when none. */
export const injectionSigns = (text: string): ReadonlyArray<InjectionSign> => {
  const base = foldForDetection(text)
  // The leet views only change digits and signs next to letters, so they match whatever the plain text would.
  const views = !/[a-z][013457@$]|[013457@$][a-z]/.test(base)
    ? [base]
    : /[a-z]1|1[a-z]/.test(base)
      ? [leetI(base), leetL(base)]
      : [leetI(base)]
  const found = new Map<string, string>()
  for (const [kind, re] of PATTERNS) {
    if (found.has(kind)) continue
    for (const v of views) {
      const m = re.exec(v)
      if (m) {
        found.set(kind, m[0].trim().slice(0, 80))
        break
      }
    }
  }
  return [...found].map(([kind, match]) => ({ kind, match }))
}

/** `kind: "match"; …` for a row's rationale. */
export const describeSigns = (signs: ReadonlyArray<InjectionSign>) =>
  signs.map((s) => `${s.kind}: ${JSON.stringify(s.match)}`).join("; ")

export const looksLikeInjection = (text: string) => injectionSigns(text).length > 0

/**
 * A posting with injection signs may have steered the model: its answer can lower the lexical judgement, never
 * raise it. One rule for the relevance and fit_score nodes and for `jobsignal eval`, so the eval measures what runs.
 */
export const capFlagged = {
  relevant: (flagged: boolean, llm: boolean, lexicalScore: number, minLexical: number) =>
    flagged ? llm && lexicalScore >= minLexical : llm,
  fit: (flagged: boolean, llm: number, lexicalScore: number) => (flagged ? Math.min(llm, lexicalScore) : llm)
}
