import { Effect } from "effect"
import { Skippable } from "../../core/errors.ts"
import { Http, type HttpRequest } from "../http.ts"
import type { SourceContext } from "../source.ts"
import { dailyIndexUrl, parseDailyIndex, primaryDocPath } from "./form-d-index.ts"
import { parseFormD } from "./formd.ts"
import type { Filing } from "./schema.ts"
import { cleanEdgarName, filingIndexUrl, padCik, type SecHosts } from "./urls.ts"

export const FORM_D_FORMS: ReadonlySet<string> = new Set(["D", "D/A"])

/**
 * One Form D or D/A as a staged filing: its `primary_doc.xml` read into `form_d` (amounts, industry,
 * first sale). A document that is missing or not a Form D skips this filing only.
 */
export const formDFiling = (
  f: { cik: string; accession: string; company: string; filed_at: string; ticker?: string | null },
  hosts: SecHosts,
  ua: string,
  ctx: SourceContext
) =>
  Effect.gen(function* () {
    const path = primaryDocPath(f.cik, f.accession)
    const req: HttpRequest = {
      url: `${hosts.www}${path}`,
      headers: { "user-agent": ua },
      unit: `edgar Form D ${f.accession} (${f.company})`
    }
    const res = yield* Http.pipe(Effect.flatMap((h) => h.request(req)))
    const d = yield* Effect.try({
      try: () => parseFormD(res.text, `${f.accession}/primary_doc.xml`),
      catch: (e) => new Skippable({ reason: "BadBody", unit: req.unit, message: (e as Error).message })
    })
    return {
      origin: "form_d",
      accession: f.accession,
      cik: padCik(d.cik),
      company: cleanEdgarName(d.issuer),
      ticker: f.ticker ?? null,
      form: d.form,
      filed_at: f.filed_at,
      report_date: null,
      items: [],
      item_text: null,
      url: filingIndexUrl(d.cik, f.accession),
      document_url: `https://www.sec.gov${path}`,
      website: null,
      form_d: d
    } satisfies Filing
  }).pipe(Effect.catchTag("Skippable", (e) => ctx.skip(e).pipe(Effect.as(null))))

/** The Form D and D/A filings of one day's index, each read from its primary document (at most `max`). */
export const dailyFormD = (day: string, max: number, hosts: SecHosts, ua: string, ctx: SourceContext) =>
  Effect.gen(function* () {
    const req: HttpRequest = {
      url: dailyIndexUrl(hosts.www, day),
      headers: { "user-agent": ua },
      unit: `edgar daily index ${day}`
    }
    // No index for a day is normal (a holiday, or today's before SEC publishes it in the evening): said, not an error.
    const res = yield* Http.pipe(
      Effect.flatMap((h) => h.request(req)),
      Effect.map((r): { text: string } | null => r),
      Effect.catchIf(
        (e) => e._tag === "Skippable" && e.reason === "NotFound",
        () => Effect.succeed(null)
      )
    )
    if (res === null) {
      yield* ctx.log(`edgar daily index ${day}: none published (a holiday, or not yet out that day)`)
      return []
    }
    const entries = parseDailyIndex(res.text)
    if (entries.length > max)
      yield* ctx.log(`edgar daily index ${day}: ${entries.length} Form D filings, read the first ${max} (form_d.max)`)
    const out: Filing[] = []
    for (const e of entries.slice(0, max)) {
      const f = yield* formDFiling(e, hosts, ua, ctx)
      if (f) out.push(f)
    }
    return out
  })

/**
 * The days a daily-index unit covers: the listed dates, or the `days` weekdays up to the window's end
 * (a backfill's `until`), else up to the day before the run's day (its own index comes out in the evening).
 */
export const indexDays = (
  o: { dates?: ReadonlyArray<string>; days?: number },
  until: string | undefined,
  runDay: string
): string[] => {
  if (o.dates?.length) return [...o.dates]
  const out: string[] = []
  const end = until ? Date.parse(`${until}T00:00:00Z`) : Date.parse(`${runDay}T00:00:00Z`) - 86_400_000
  for (let i = 0; i < (o.days ?? 1); i++) {
    const d = new Date(end - i * 86_400_000)
    // EDGAR publishes no index on weekends.
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) out.push(d.toISOString().slice(0, 10))
  }
  return out
}
