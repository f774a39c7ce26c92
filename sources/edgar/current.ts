import type * as FastXml from "fast-xml-parser"
import { lazyRequire } from "../../core/lazy-require.ts"
import { decodeHTML } from "../text.ts"
import type { Filing } from "./schema.ts"
import { cleanEdgarName, padCik } from "./urls.ts"

const fastXml = lazyRequire<typeof FastXml>(import.meta.url, "fast-xml-parser")
let atomParser: FastXml.XMLParser | undefined
// Built on the first feed: `validate` and `plan` know this source without loading an XML parser.
const parser = () =>
  (atomParser ??= new (fastXml().XMLParser)({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    textNodeName: "#text",
    isArray: (name) => name === "entry" || name === "link" || name === "category"
  }))

const text = (v: unknown): string =>
  v == null ? "" : typeof v === "object" ? String((v as Record<string, unknown>)["#text"] ?? "") : String(v)

/** "Item 5.03: Amendments ..." → ["5.03"], keeping the worded lines too. */
export const itemsFromSummary = (summaryHtml: string): { items: string[]; lines: string[] } => {
  const plain = decodeHTML(summaryHtml)
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<[^>]+>/g, "")
  const lines = plain
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^Item\s+\d+\.\d{2}\b/i.test(l))
  return { items: lines.map((l) => /^Item\s+(\d+\.\d{2})/i.exec(l)![1]), lines }
}

export interface CurrentPage {
  readonly filings: ReadonlyArray<Filing>
  readonly entries: number
  readonly unreadable: ReadonlyArray<string>
}

/**
 * The getcurrent Atom feed (`browse-edgar?action=getcurrent&output=atom`): one entry per filer of a
 * filing, titled "8-K - NAME (0000709337) (Filer)", the items listed in the HTML summary.
 */
export const parseCurrentFeed = (xml: string): CurrentPage => {
  const doc = parser().parse(xml) as { feed?: { entry?: Array<Record<string, unknown>> } }
  if (!doc.feed) throw new Error("not an Atom feed (no <feed> element)")
  const entries = doc.feed.entry ?? []
  const filings: Filing[] = []
  const unreadable: string[] = []
  for (const e of entries) {
    const title = text(e.title)
    const m = /^(.+?) - (.+) \((\d{10})\) \(([^)]+)\)\s*$/.exec(title)
    const summary = text(e.summary)
    const acc = /AccNo:(?:<\/b>)?\s*([\d-]{20})/.exec(decodeHTML(summary))?.[1]
    const filed = /Filed:(?:<\/b>)?\s*(\d{4}-\d{2}-\d{2})/.exec(decodeHTML(summary))?.[1]
    const link = ((e.link as Array<Record<string, string>>) ?? [])[0]?.["@href"] ?? ""
    if (!m || !acc || !filed) {
      unreadable.push(title || "(untitled entry)")
      continue
    }
    const { items, lines } = itemsFromSummary(summary)
    filings.push({
      origin: "current",
      accession: acc,
      cik: padCik(m[3]),
      company: cleanEdgarName(decodeHTML(m[2])),
      ticker: null,
      form: m[1].trim(),
      filed_at: filed,
      report_date: null,
      items,
      item_text: lines.length > 0 ? lines.join("\n") : null,
      url: link,
      document_url: null,
      website: null
    })
  }
  return { filings, entries: entries.length, unreadable }
}

/** SEC's Akamai maintenance page ("SEC.gov | File Unavailable") served instead of a feed. */
export const isMaintenancePage = (body: string) => /<title>\s*SEC\.gov \| File Unavailable\s*<\/title>/i.test(body)
