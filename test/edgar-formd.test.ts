import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { formDSignal, parseFormD } from "../sources/edgar/formd.ts"

const read = (name: string) => readFileSync(new URL(`../fixtures/edgar/${name}`, import.meta.url), "utf8")

describe("Form D primary_doc.xml (real filings)", () => {
  it("reads a new Form D: 1685 38th REIT", () => {
    const d = parseFormD(read("edgartools-formD-1685REIT.primary_doc.xml"), "1685REIT")
    expect(d).toEqual({
      cik: "0001961089",
      issuer: "1685 38th REIT, L.L.C.",
      form: "D",
      isAmendment: false,
      previousAccession: null,
      industryGroup: "REITS and Finance",
      totalOfferingAmount: 125000,
      totalAmountSold: 125000,
      dateOfFirstSale: "2023-01-19",
      signatureDate: "2023-01-27"
    })
  })

  it("reads a D/A amendment with its previous accession: Shepherd's Finance", () => {
    const d = parseFormD(read("edgartools-formD-Shepards.primary_doc.xml"), "Shepards")
    expect(d.form).toBe("D/A")
    expect(d.isAmendment).toBe(true)
    expect(d.previousAccession).toBe("0001544190-19-000002")
    expect(d.issuer).toBe("Shepherd's Finance, LLC")
    expect(d.industryGroup).toBe("Other Banking and Financial Services")
    expect(d.totalOfferingAmount).toBe(8000000)
    expect(d.totalAmountSold).toBe(5725051)
    expect(d.dateOfFirstSale).toBe("2017-03-16")
  })

  it("turns a filing into a funding signal with amount and source URL", () => {
    const d = parseFormD(read("edgartools-formD-Shepards.primary_doc.xml"), "Shepards")
    const url = "https://www.sec.gov/Archives/edgar/data/1544190/primary_doc.xml"
    const s = formDSignal(d, url)
    expect(s.type).toBe("funding")
    expect(s.amount_usd).toBe(5725051)
    expect(s.source_url).toBe(url)
    expect(s.evidence).toContain("Form D/A (amendment): Shepherd's Finance, LLC")
    expect(s.evidence).toContain("sold $5.7M of $8M offered")
    expect(s.confidence).toBeLessThan(
      formDSignal(parseFormD(read("edgartools-formD-1685REIT.primary_doc.xml"), "x"), url).confidence
    )
  })

  it("names the file when the document is not a Form D", () => {
    expect(() =>
      parseFormD("<edgarSubmission><submissionType>8-K</submissionType></edgarSubmission>", "x.xml")
    ).toThrow("x.xml: submissionType is 8-K, not D or D/A")
  })
})
