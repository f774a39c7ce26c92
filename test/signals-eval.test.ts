import { describe, expect, it } from "vitest"
import { evaluateFilings, evaluateNews } from "../transforms/signals/eval.ts"

/** Same thresholds as `npm run bench -- signals-eval`: ≥ 0.9 precision on the hand-labelled recordings. */
describe("signal quality on labelled recordings", () => {
  it("funding extraction: precision ≥ 0.9 and the labelled round found with its lead investor", async () => {
    const r = await evaluateNews()
    expect(r.items).toBe(35)
    expect(r.funding_precision, r.errors.join("\n")).toBeGreaterThanOrEqual(0.9)
    expect(r.funding_recall).toBe(1)
    expect(r.funding_lead_investors_right).toBe(1)
    expect(r.typed_precision).toBeGreaterThanOrEqual(0.9)
  })

  it("8-K typing: precision and recall ≥ 0.9 over the getcurrent page", () => {
    const r = evaluateFilings()
    expect(r.filings_parsed).toBe(r.filings_labelled)
    expect(r.typing_precision, r.errors.join("\n")).toBeGreaterThanOrEqual(0.9)
    expect(r.typing_recall).toBeGreaterThanOrEqual(0.9)
  })
})
