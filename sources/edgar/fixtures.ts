import type { FixtureRoute } from "../source.ts"

/** Recorded EDGAR answers (fixtures/SIGNALS.md), plus one synthetic full-text-search body (no recording exists). */
export const edgarFixtures: ReadonlyArray<FixtureRoute> = [
  { path: "/files/company_tickers.json", file: "edgar/company_tickers.json" },
  { path: "/submissions/CIK0001318605.json", file: "edgar/submissions-CIK0001318605-tesla.json" },
  { path: "/submissions/CIK0000310522.json", file: "edgar/submissions-CIK0000310522-fannie-mae.json" },
  {
    path: "/cgi-bin/browse-edgar",
    query: { action: "getcurrent", start: "5000" },
    file: "edgar/getcurrent-all-forms-start5000.atom.xml",
    contentType: "application/atom+xml"
  },
  {
    path: "/cgi-bin/browse-edgar",
    query: { action: "getcurrent", start: "5100" },
    file: "edgar/getcurrent-503-file-unavailable.html",
    status: 503,
    contentType: "text/html"
  },
  { path: "/LATEST/search-index", file: "edgar/synthetic-efts-search-8k.json" }
]
