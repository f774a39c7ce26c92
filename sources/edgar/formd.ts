import type * as FastXml from "fast-xml-parser"
import { lazyRequire } from "../../core/lazy-require.ts"

/**
 * SEC Form D (`primary_doc.xml`): the public record of a private raise. Only the fields a funding
 * signal needs are read; amounts stay null when the filer wrote "Indefinite" or left them out.
 */
export interface FormD {
  readonly cik: string
  readonly issuer: string
  readonly form: "D" | "D/A"
  readonly isAmendment: boolean
  readonly previousAccession: string | null
  readonly industryGroup: string | null
  readonly totalOfferingAmount: number | null
  readonly totalAmountSold: number | null
  readonly dateOfFirstSale: string | null
  readonly signatureDate: string | null
}

export interface FundingSignal {
  readonly type: "funding"
  readonly company: string
  readonly cik: string
  readonly amount_usd: number | null
  readonly observed_at: string | null
  readonly evidence: string
  readonly source_url: string
  readonly confidence: number
}

// Every element is parsed as text so CIKs keep their leading zeros.
const fastXml = lazyRequire<typeof FastXml>(import.meta.url, "fast-xml-parser")
let formParser: FastXml.XMLParser | undefined
const parser = () =>
  (formParser ??= new (fastXml().XMLParser)({ ignoreAttributes: true, parseTagValue: false, trimValues: true }))

type Node = Record<string, unknown>
const obj = (v: unknown): Node => (v && typeof v === "object" ? (v as Node) : {})
const str = (v: unknown): string | null => {
  const s = v == null ? "" : String(v).trim()
  return s === "" ? null : s
}
const amount = (v: unknown): number | null => {
  const s = str(v)
  return s && /^\d+(\.\d+)?$/.test(s) ? Number(s) : null
}

/** Parses one Form D or D/A; throws with the file name and missing field when it is not one. */
export const parseFormD = (xml: string, file: string): FormD => {
  const root = obj(parser().parse(xml).edgarSubmission)
  const form = str(root.submissionType)
  if (form !== "D" && form !== "D/A") throw new Error(`${file}: submissionType is ${form ?? "missing"}, not D or D/A`)
  const issuer = obj(root.primaryIssuer)
  const cik = str(issuer.cik)
  const name = str(issuer.entityName)
  if (!cik || !name) throw new Error(`${file}: primaryIssuer.${cik ? "entityName" : "cik"} is missing`)
  const offering = obj(root.offeringData)
  const typeOfFiling = obj(offering.typeOfFiling)
  const newOrAmendment = obj(typeOfFiling.newOrAmendment)
  const amounts = obj(offering.offeringSalesAmounts)
  const sig = obj(offering.signatureBlock)
  const firstSig = Array.isArray(sig.signature) ? obj(sig.signature[0]) : obj(sig.signature)
  return {
    cik,
    issuer: name,
    form,
    isAmendment: str(newOrAmendment.isAmendment) === "true" || form === "D/A",
    previousAccession: str(newOrAmendment.previousAccessionNumber),
    industryGroup: str(obj(offering.industryGroup).industryGroupType),
    totalOfferingAmount: amount(amounts.totalOfferingAmount),
    totalAmountSold: amount(amounts.totalAmountSold),
    dateOfFirstSale: str(obj(typeOfFiling.dateOfFirstSale).value),
    signatureDate: str(firstSig.signatureDate)
  }
}

const usd = (n: number): string =>
  n >= 1e6 ? `$${(n / 1e6).toFixed(n % 1e6 === 0 ? 0 : 1)}M` : `$${n.toLocaleString("en-US")}`

/** The `funding` signal a Form D gives: the amount sold (what was raised so far), with the filing's URL. */
export const formDSignal = (d: FormD, sourceUrl: string): FundingSignal => {
  const raised = d.totalAmountSold ?? d.totalOfferingAmount
  const parts = [
    `${d.form === "D/A" ? "Form D/A (amendment)" : "Form D"}: ${d.issuer}`,
    d.industryGroup ? `(${d.industryGroup})` : null,
    d.totalAmountSold != null ? `sold ${usd(d.totalAmountSold)}` : null,
    d.totalOfferingAmount != null ? `of ${usd(d.totalOfferingAmount)} offered` : null,
    d.dateOfFirstSale ? `first sale ${d.dateOfFirstSale}` : null
  ]
  return {
    type: "funding",
    company: d.issuer,
    cik: d.cik,
    amount_usd: raised,
    observed_at: d.signatureDate ?? d.dateOfFirstSale,
    evidence: parts.filter((p) => p !== null).join(" "),
    source_url: sourceUrl,
    // An amendment restates an older raise, so it says less about a company raising now.
    confidence: d.isAmendment ? 0.7 : 0.9
  }
}
