/** SEC hosts, each replaced by `with.base_url` when one is given (the replay server, a mirror). */
export interface SecHosts {
  readonly www: string
  readonly data: string
  readonly efts: string
}

export const secHosts = (baseUrl: string | undefined): SecHosts =>
  baseUrl
    ? { www: baseUrl, data: baseUrl, efts: baseUrl }
    : { www: "https://www.sec.gov", data: "https://data.sec.gov", efts: "https://efts.sec.gov" }

export const padCik = (cik: string | number) => String(cik).replace(/^0+/, "").padStart(10, "0")

/** Links in signals always point at sec.gov, whatever host served the data. */
export const filingIndexUrl = (cik: string, accession: string) =>
  `https://www.sec.gov/Archives/edgar/data/${Number(cik)}/${accession.replace(/-/g, "")}/${accession}-index.htm`

export const filingDocumentUrl = (cik: string, accession: string, doc: string) =>
  `https://www.sec.gov/Archives/edgar/data/${Number(cik)}/${accession.replace(/-/g, "")}/${doc}`

/** "FARMERS NATIONAL BANC CORP /OH/" → "FARMERS NATIONAL BANC CORP" (EDGAR appends state tags). */
export const cleanEdgarName = (name: string) =>
  name
    .replace(/\s*\/[A-Z]{2,3}\/?\s*$/, "")
    .replace(/\s+/g, " ")
    .trim()
