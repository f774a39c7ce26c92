import type { FixtureRoute } from "../source.ts"

/**
 * Recorded EDGAR answers (fixtures/SIGNALS.md and SOURCES.md), plus synthetic bodies where no recording
 * exists: one full-text-search answer, and two daily form indexes that list the two real Form D
 * documents (their accession numbers are synthetic, 0000000000-23-00000N: the recordings carry none).
 */
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
  { path: "/LATEST/search-index", file: "edgar/synthetic-efts-search-8k.json" },
  {
    path: "/Archives/edgar/daily-index/2023/QTR1/form.20230127.idx",
    file: "edgar/synthetic-form-d-daily-index-20230127.idx",
    contentType: "text/plain"
  },
  {
    path: "/Archives/edgar/daily-index/2023/QTR1/form.20230131.idx",
    file: "edgar/synthetic-form-d-daily-index-20230131.idx",
    contentType: "text/plain"
  },
  {
    path: "/Archives/edgar/data/1961089/000000000023000001/primary_doc.xml",
    file: "edgar/edgartools-formD-1685REIT.primary_doc.xml",
    contentType: "application/xml"
  },
  {
    path: "/Archives/edgar/data/1544190/000000000023000002/primary_doc.xml",
    file: "edgar/edgartools-formD-Shepards.primary_doc.xml",
    contentType: "application/xml"
  }
]

/** The index days the replay has (synthetic indexes over the real Form D documents). */
export const REPLAY_FORM_D_DATES = ["2023-01-27", "2023-01-31"]

/** CIKs whose `submissions` answer is recorded. */
const RECORDED_CIKS = new Set(
  edgarFixtures.flatMap((r) => /^\/submissions\/CIK(\d{10})\.json$/.exec(r.path)?.[1] ?? [])
)

/**
 * What an edgar node watches when it reads the recordings: its own tickers and CIKs where a recording
 * of their filings exists, and, said out loud, the ones it cannot watch (no swap for other companies).
 * `tickerCik` maps a ticker to its CIK (the recorded company_tickers.json).
 */
export const replayWatchList = (
  watch: { tickers?: ReadonlyArray<string>; ciks?: ReadonlyArray<string | number> },
  tickerCik: (ticker: string) => string | undefined
) => {
  const pad = (c: string | number) => String(c).replace(/^0+/, "").padStart(10, "0")
  const tickers = (watch.tickers ?? []).filter((t) => RECORDED_CIKS.has(tickerCik(t.toUpperCase()) ?? ""))
  const ciks = (watch.ciks ?? []).filter((c) => RECORDED_CIKS.has(pad(c)))
  const missing = [
    ...(watch.tickers ?? []).filter((t) => !tickers.includes(t)),
    ...(watch.ciks ?? []).filter((c) => !ciks.includes(c)).map((c) => `CIK ${c}`)
  ]
  return { tickers, ciks, missing }
}
