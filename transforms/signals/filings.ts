/** 8-K items that say something about a company's direction, and the signal type each becomes. */
export const ITEM_SIGNAL: Readonly<Record<string, { type: FilingSignalType; confidence: number }>> = {
  "5.02": { type: "leadership_change", confidence: 0.9 },
  "2.01": { type: "acquisition", confidence: 0.9 },
  "1.01": { type: "material_agreement", confidence: 0.8 },
  "5.03": { type: "governance", confidence: 0.6 },
  "8.01": { type: "other", confidence: 0.4 }
}
export type FilingSignalType = "leadership_change" | "acquisition" | "material_agreement" | "governance" | "other"

/** Form 8-K item titles (SEC Form 8-K General Instructions), for evidence lines when a feed gives only codes. */
export const ITEM_TITLES: Readonly<Record<string, string>> = {
  "1.01": "Entry into a Material Definitive Agreement",
  "1.02": "Termination of a Material Definitive Agreement",
  "2.01": "Completion of Acquisition or Disposition of Assets",
  "2.02": "Results of Operations and Financial Condition",
  "2.03": "Creation of a Direct Financial Obligation",
  "3.02": "Unregistered Sales of Equity Securities",
  "3.03": "Material Modification to Rights of Security Holders",
  "5.02": "Departure of Directors or Certain Officers; Election of Directors; Appointment of Certain Officers",
  "5.03": "Amendments to Articles of Incorporation or Bylaws; Change in Fiscal Year",
  "5.07": "Submission of Matters to a Vote of Security Holders",
  "7.01": "Regulation FD Disclosure",
  "8.01": "Other Events",
  "9.01": "Financial Statements and Exhibits"
}

export interface FilingSignal {
  readonly type: FilingSignalType
  readonly item: string
  readonly evidence: string
  readonly confidence: number
}

/**
 * The signals one 8-K carries: one per mapped item type (an 8-K with 1.01 and 5.02 is both a
 * material agreement and a leadership change). Items with no signal meaning (2.02 results, 9.01
 * exhibits, ...) give none; the filing stays in `stg_filings`.
 */
export const typeFiling = (f: {
  form: string
  items: ReadonlyArray<string>
  item_text: string | null
}): FilingSignal[] => {
  if (!/^8-K/.test(f.form)) return []
  const lines = (f.item_text ?? "").split("\n")
  const out = new Map<FilingSignalType, FilingSignal>()
  for (const item of f.items) {
    const m = ITEM_SIGNAL[item]
    if (!m || out.has(m.type)) continue
    const worded = lines.find((l) => l.includes(item))
    out.set(m.type, {
      type: m.type,
      item,
      evidence: worded ?? `Item ${item}: ${ITEM_TITLES[item] ?? "(untitled item)"}`,
      confidence: f.form.endsWith("/A") ? m.confidence - 0.1 : m.confidence
    })
  }
  return [...out.values()]
}
