import { readFileSync } from "node:fs"
import { join } from "node:path"
import type Parser from "rss-parser"
import { lazyRequire } from "../../core/lazy-require.ts"

const rssParser = lazyRequire<typeof Parser>(import.meta.url, "rss-parser")
import { fixturesDir } from "../../sources/replay.ts"
import { htmlToText } from "../../sources/text.ts"
import { parseCurrentFeed } from "../../sources/edgar/current.ts"
import { extractNews } from "./extract.ts"
import { typeFiling } from "./filings.ts"
import { fold } from "./store.ts"

interface NewsLabel {
  fixture: string
  guid: string
  type: string
  funding?: {
    company: string
    round: string | null
    amount: number | null
    currency: string | null
    lead_investors: string[]
  }
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b)

/**
 * Precision/recall of funding extraction and of news typing on the hand-labelled recorded feeds
 * (fixtures/signals-eval/news-labels.json). A funding extraction counts as correct only when the
 * company, round and amount all match the label.
 */
export const evaluateNews = async () => {
  const labels = JSON.parse(readFileSync(join(fixturesDir, "signals-eval/news-labels.json"), "utf8"))
    .items as NewsLabel[]
  const parser = new (rssParser())({ customFields: { item: [["content:encoded", "contentEncoded"]] } })
  const byGuid = new Map<string, { title: string; summary: string | null; content: string | null }>()
  for (const file of new Set(labels.map((l) => l.fixture))) {
    const feed = await parser.parseString(readFileSync(join(fixturesDir, file), "utf8"))
    for (const it of feed.items as Array<Parser.Item & { id?: string; contentEncoded?: string }>)
      byGuid.set(String(it.guid ?? it.id), {
        title: htmlToText(it.title) ?? "",
        summary: it.contentSnippet ?? null,
        content: htmlToText(it.contentEncoded ?? it.content ?? null)
      })
  }
  let tp = 0,
    fp = 0,
    fn = 0,
    leadsRight = 0,
    typedTp = 0,
    typedFp = 0,
    typedFn = 0
  const errors: string[] = []
  for (const l of labels) {
    const item = byGuid.get(l.guid)
    if (!item) throw new Error(`label ${l.guid} matches no item in ${l.fixture}`)
    const e = extractNews(item)
    const f = l.funding
    const correct =
      e.type === "funding" &&
      !!f &&
      fold(e.company) === fold(f.company) &&
      (e.round ?? null) === f.round &&
      (e.amount ?? null) === f.amount
    if (correct) {
      tp++
      if (JSON.stringify(e.leadInvestors ?? []) === JSON.stringify(f!.lead_investors)) leadsRight++
    } else {
      if (e.type === "funding") {
        fp++
        errors.push(`false funding: ${item.title}`)
      }
      if (f) {
        fn++
        errors.push(`missed funding: ${item.title}`)
      }
    }
    const typed = e.type !== "press"
    if (typed && e.type === l.type) typedTp++
    else {
      if (typed) {
        typedFp++
        errors.push(`typed ${e.type}, label ${l.type}: ${item.title}`)
      }
      if (l.type !== "press") {
        typedFn++
        if (!typed || e.type !== l.type) errors.push(`label ${l.type} read as ${e.type}: ${item.title}`)
      }
    }
  }
  return {
    items: labels.length,
    funding_labelled: labels.filter((l) => l.funding).length,
    funding_precision: ratio(tp, tp + fp),
    funding_recall: ratio(tp, tp + fn),
    funding_lead_investors_right: leadsRight,
    typed_precision: ratio(typedTp, typedTp + typedFp),
    typed_recall: ratio(typedTp, typedTp + typedFn),
    errors
  }
}

/** Precision/recall of 8-K typing over (filing, signal type) pairs on the hand-labelled getcurrent page. */
export const evaluateFilings = () => {
  const labels = JSON.parse(readFileSync(join(fixturesDir, "signals-eval/edgar-8k-labels.json"), "utf8")) as {
    fixture: string
    filings: Array<{ accession: string; types: string[] }>
  }
  const page = parseCurrentFeed(new TextDecoder("latin1").decode(readFileSync(join(fixturesDir, labels.fixture))))
  const predicted = new Set<string>()
  const filings = page.filings.filter((f) => /^8-K/.test(f.form))
  for (const f of filings) for (const s of typeFiling(f)) predicted.add(`${f.accession}|${s.type}`)
  const expected = new Set(labels.filings.flatMap((l) => l.types.map((t) => `${l.accession}|${t}`)))
  const tp = [...predicted].filter((p) => expected.has(p)).length
  return {
    filings_labelled: labels.filings.length,
    filings_parsed: filings.length,
    pairs_expected: expected.size,
    typing_precision: ratio(tp, predicted.size),
    typing_recall: ratio(tp, expected.size),
    errors: [
      ...[...predicted].filter((p) => !expected.has(p)).map((p) => `extra ${p}`),
      ...[...expected].filter((e) => !predicted.has(e)).map((e) => `missed ${e}`)
    ]
  }
}
