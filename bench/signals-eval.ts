/** Quality of the signal engine on hand-labelled recordings: funding extraction, news typing, 8-K typing. */
import type { BenchCase } from "./index.ts"
import { evaluateFilings, evaluateNews } from "../transforms/signals/eval.ts"

export const bench: BenchCase = {
  name: "signals-eval",
  run: async () => {
    const news = await evaluateNews()
    const filings = evaluateFilings()
    return {
      "news items labelled": news.items,
      "funding items labelled": news.funding_labelled,
      "funding precision": news.funding_precision,
      "funding recall": news.funding_recall,
      "funding lead investors right": news.funding_lead_investors_right,
      "typed news precision (non-press)": news.typed_precision,
      "typed news recall (non-press)": news.typed_recall,
      "8-K filings labelled": filings.filings_labelled,
      "8-K typing precision": filings.typing_precision,
      "8-K typing recall": filings.typing_recall,
      misreads: [...news.errors, ...filings.errors].join(" | ") || "none"
    }
  }
}
