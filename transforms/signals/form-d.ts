import { type FormD, formDSignal } from "../../sources/edgar/formd.ts"
import type { SignalDraft } from "./store.ts"

/** A staged Form D / D/A as a `funding` signal: the amount sold, the filing's URL, the offering in details. */
export const formDDraft = (
  d: FormD,
  f: { accession: string; filed_at: string; url: string; company: string },
  companyKey: string
): SignalDraft => {
  const s = formDSignal(d, f.url)
  const amount = s.amount_usd == null ? "an undisclosed amount" : `$${Math.round(s.amount_usd).toLocaleString("en-US")}`
  return {
    dedupeKey: `form_d|${f.accession}`,
    company_key: companyKey,
    company_name: f.company,
    type: "funding",
    signal_date: f.filed_at,
    title: `${f.company} ${d.form}: ${amount} raised${d.industryGroup ? ` (${d.industryGroup})` : ""}`,
    evidence: s.evidence,
    source: { url: f.url, origin: "edgar:form_d", title: `${d.form} ${f.accession}`, published_at: f.filed_at },
    amount: s.amount_usd,
    currency: s.amount_usd == null ? null : "USD",
    round: d.isAmendment ? "Form D/A" : "Form D",
    confidence: s.confidence,
    why_now: `${f.company} filed a ${d.form} on ${f.filed_at}: ${amount} sold${d.totalOfferingAmount != null ? ` of $${Math.round(d.totalOfferingAmount).toLocaleString("en-US")} offered` : ""}${d.isAmendment ? " (amendment of an earlier raise)" : ""}`,
    details: {
      accession: f.accession,
      cik: d.cik,
      form: d.form,
      industry_group: d.industryGroup,
      total_offering_amount: d.totalOfferingAmount,
      total_amount_sold: d.totalAmountSold,
      date_of_first_sale: d.dateOfFirstSale,
      previous_accession: d.previousAccession
    }
  }
}
