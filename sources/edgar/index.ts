import { Effect, Either, Schema } from "effect"
import { Fatal, Retriable, Skippable, type SourceError } from "../../core/errors.ts"
import { fetchJson, Http, type HttpRequest } from "../http.ts"
import { decodeEach } from "../decode.ts"
import type { Source, SourceContext, SourceUnit, StagingOutput } from "../source.ts"
import { decodeBody } from "../rss/charset.ts"
import { isMaintenancePage, parseCurrentFeed } from "./current.ts"
import { edgarFixtures, REPLAY_FORM_D_DATES } from "./fixtures.ts"
import { edgarReplayFor } from "./replay-watch.ts"
import { EftsHit, EftsResponse, FilingColumns, Submissions, TickerEntry, type Filing } from "./schema.ts"
import { dailyFormD, FORM_D_FORMS, formDFiling, indexDays } from "./form-d-fetch.ts"
import { cleanEdgarName, filingDocumentUrl, filingIndexUrl, padCik, secHosts, type SecHosts } from "./urls.ts"
import { type EdgarOptions, edgarDeclaration, stgFilings } from "./declaration.ts"

/** Resolves the User-Agent SEC requires (a name and a contact) or says exactly what is missing. */
export const resolveUserAgent = (
  opts: Pick<EdgarOptions, "user_agent">,
  env: NodeJS.ProcessEnv = process.env
): Either.Either<string, Fatal> => {
  const placeholder = /^\$\{(\w+)\}$/.exec(opts.user_agent?.trim() ?? "")
  const value = (placeholder ? env[placeholder[1]] : opts.user_agent) ?? env.SEC_USER_AGENT
  const from = placeholder ? `env ${placeholder[1]}` : opts.user_agent ? "with.user_agent" : "env SEC_USER_AGENT"
  if (!value?.trim())
    return Either.left(
      new Fatal({
        reason: "Config",
        message: `edgar needs a descriptive User-Agent with a contact (SEC fair-access policy): set with.user_agent or env SEC_USER_AGENT, e.g. "jobsignal jane@example.com" (${from} is empty)`
      })
    )
  if (!/@|https?:\/\//.test(value))
    return Either.left(
      new Fatal({
        reason: "Config",
        message: `edgar User-Agent from ${from} (${JSON.stringify(value)}) has no contact: SEC asks for an email address or URL, e.g. "jobsignal jane@example.com"`
      })
    )
  return Either.right(value.trim())
}

export const filingsStaging: StagingOutput<Filing, typeof stgFilings> = {
  table: stgFilings,
  toRow: (f) => ({
    ...f,
    items: [...f.items],
    report_date: f.report_date || null,
    form_d: f.form_d ?? null
  }),
  key: (f) => `${f.origin}:${f.accession}:${f.cik}`,
  cursorValue: (f) => f.filed_at
}

const DEFAULT_FORMS = ["8-K", "8-K/A"]
const today = () => new Date().toISOString().slice(0, 10)

// SEC counts requests across its hosts: 10/s in all, split so the three hosts together stay under it.
const configured = new WeakSet<object>()
const paceSecHosts = (hosts: SecHosts) =>
  Effect.gen(function* () {
    const http = yield* Http
    if (configured.has(http) || hosts.www === hosts.data) return
    configured.add(http)
    http.setHostLimits(new URL(hosts.www).host, { concurrency: 2, perSecond: 3 })
    http.setHostLimits(new URL(hosts.data).host, { concurrency: 4, perSecond: 5 })
    http.setHostLimits(new URL(hosts.efts).host, { concurrency: 1, perSecond: 2 })
  })

// One ticker map per (run, host): every ticker unit of a run shares a single 700 KB download.
const tickerMaps = new Map<
  string,
  Effect.Effect<ReadonlyMap<string, { cik: string; title: string }>, SourceError, Http>
>()
const tickerMap = (hosts: SecHosts, ua: string, ctx: SourceContext) => {
  const k = `${ctx.runId}|${hosts.www}`
  let cached = tickerMaps.get(k)
  if (!cached) {
    for (const old of tickerMaps.keys()) if (!old.startsWith(`${ctx.runId}|`)) tickerMaps.delete(old)
    const req: HttpRequest = {
      url: `${hosts.www}/files/company_tickers.json`,
      headers: { "user-agent": ua },
      unit: "edgar ticker map"
    }
    cached = Effect.runSync(
      Effect.cached(
        fetchJson(req, Schema.Record({ key: Schema.String, value: Schema.Unknown })).pipe(
          Effect.flatMap((body) => decodeEach(TickerEntry, Object.values(body), req.unit!, ctx)),
          Effect.map(
            (rows) => new Map(rows.map((r) => [r.ticker.toUpperCase(), { cik: padCik(r.cik_str), title: r.title }]))
          )
        )
      )
    )
    tickerMaps.set(k, cached)
  }
  return cached
}

const rowsOf = (
  cols: FilingColumns,
  sub: { cik: string; name: string; ticker: string | null; website: string | null },
  forms: ReadonlySet<string>
): Filing[] => {
  const out: Filing[] = []
  for (let i = 0; i < cols.accessionNumber.length; i++) {
    if (!forms.has(cols.form[i])) continue
    const acc = cols.accessionNumber[i]
    const doc = cols.primaryDocument?.[i]
    out.push({
      origin: "submissions",
      accession: acc,
      cik: sub.cik,
      company: cleanEdgarName(sub.name),
      ticker: sub.ticker,
      form: cols.form[i],
      filed_at: cols.filingDate[i],
      report_date: cols.reportDate?.[i] || null,
      items: (cols.items?.[i] ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
      item_text: null,
      url: filingIndexUrl(sub.cik, acc),
      document_url: doc ? filingDocumentUrl(sub.cik, acc, doc) : null,
      website: sub.website
    })
  }
  return out
}

const submissions = (
  cik: string,
  ticker: string | null,
  hosts: SecHosts,
  ua: string,
  forms: ReadonlySet<string>,
  ctx: SourceContext
) =>
  Effect.gen(function* () {
    const req: HttpRequest = {
      url: `${hosts.data}/submissions/CIK${cik}.json`,
      headers: { "user-agent": ua },
      unit: `edgar submissions CIK${cik}${ticker ? ` (${ticker})` : ""}`
    }
    const sub = yield* fetchJson(req, Submissions)
    const who = { cik, name: sub.name, ticker: ticker ?? sub.tickers?.[0] ?? null, website: sub.website || null }
    const out = rowsOf(sub.filings.recent, who, forms)
    // A backfill reaching past `recent` reads the older pages that overlap its window.
    const since = ctx.window.since
    for (const page of since ? (sub.filings.files ?? []).filter((f) => !f.filingTo || f.filingTo >= since) : []) {
      const preq: HttpRequest = {
        ...req,
        url: `${hosts.data}/submissions/${page.name}`,
        unit: `${req.unit} page ${page.name}`
      }
      const older = yield* fetchJson(preq, FilingColumns).pipe(
        Effect.map((cols) => rowsOf(cols, who, forms)),
        Effect.catchTag("Skippable", (e) => ctx.skip(e).pipe(Effect.as([] as Filing[])))
      )
      out.push(...older)
    }
    // A Form D's amounts are in its primary document, not in the submissions table.
    const withDocs: Filing[] = []
    for (const f of out) {
      if (!FORM_D_FORMS.has(f.form)) withDocs.push(f)
      else {
        const d = yield* formDFiling(f, hosts, ua, ctx)
        if (d) withDocs.push(d)
      }
    }
    return withDocs
  })

const current = (opts: EdgarOptions, hosts: SecHosts, ua: string, forms: ReadonlySet<string>, ctx: SourceContext) =>
  Effect.gen(function* () {
    const c = opts.current || {}
    const count = c.count ?? 100
    const pages = c.pages ?? 1
    const watching = (opts.ciks?.length ?? 0) + (opts.tickers?.length ?? 0) > 0
    let watched: Set<string> | undefined
    if (c.watched_only ?? watching) {
      watched = new Set((opts.ciks ?? []).map(padCik))
      if (opts.tickers?.length) {
        const map = yield* tickerMap(hosts, ua, ctx)
        for (const t of opts.tickers) {
          const hit = map.get(t.toUpperCase())
          if (hit) watched.add(hit.cik)
        }
      }
    }
    const out: Filing[] = []
    let other = 0
    for (let p = 0; p < pages; p++) {
      const start = (c.start ?? 0) + p * count
      const q = new URLSearchParams({
        action: "getcurrent",
        type: c.type ?? "8-K",
        company: "",
        dateb: "",
        owner: "include",
        start: String(start),
        count: String(count),
        output: "atom"
      })
      const unit = `edgar getcurrent start=${start}`
      // Later pages give up at once on a 503: SEC answers past the end of its list with a maintenance page.
      const req: HttpRequest = {
        url: `${hosts.www}/cgi-bin/browse-edgar?${q}`,
        headers: { "user-agent": ua, accept: "application/atom+xml" },
        unit,
        ...(p > 0 ? { retry: { times: 0, baseMs: 0, capMs: 0 } } : {})
      }
      const res = yield* Http.pipe(
        Effect.flatMap((h) => h.request(req)),
        Effect.mapError((e) =>
          e._tag === "Retriable" && e.reason === "ServerError"
            ? new Retriable({ ...e, message: `${e.message} (SEC maintenance / "File Unavailable" page)` })
            : e
        ),
        Effect.either
      )
      if (Either.isLeft(res)) {
        if (p === 0) return yield* Effect.fail(res.left)
        yield* ctx.skip(
          new Skippable({ reason: "Exhausted", unit, message: `${res.left.message}; kept the ${p} page(s) before it` })
        )
        break
      }
      const body = yield* Effect.try({
        try: () => decodeBody(res.right).text,
        catch: (e) => new Skippable({ reason: "BadBody", unit, message: `${unit}: ${(e as Error).message}` })
      })
      if (isMaintenancePage(body)) {
        yield* ctx.skip(
          new Skippable({
            reason: "BadBody",
            unit,
            message: `${unit}: SEC served its "File Unavailable" maintenance page with HTTP ${res.right.status}`
          })
        )
        break
      }
      const page = yield* Effect.try({
        try: () => parseCurrentFeed(body),
        catch: (e) =>
          new Skippable({
            reason: "BadBody",
            unit,
            message: `${unit}: not a readable Atom feed: ${(e as Error).message}`
          })
      })
      for (const title of page.unreadable)
        yield* ctx.skip(
          new Skippable({
            reason: "InvalidRecord",
            unit,
            message: `${unit}: entry ${JSON.stringify(title)} has no form/company/CIK title or no AccNo/Filed date`
          })
        )
      for (const f of page.filings) {
        if (!forms.has(f.form) || (watched && !watched.has(f.cik))) other++
        else out.push(f)
      }
      if (page.entries < count) break
    }
    if (other > 0)
      yield* ctx.log(
        `edgar getcurrent: ${other} entries of other forms or unwatched CIKs left out (with.forms / current.watched_only)`
      )
    return out
  })

const search = (unit: SourceUnit, hosts: SecHosts, ua: string, ctx: SourceContext) =>
  Effect.gen(function* () {
    const out: Filing[] = []
    const pages = Number(unit.pages ?? 1)
    for (let p = 0; p < pages; p++) {
      const q = new URLSearchParams({ q: String(unit.q), forms: String(unit.forms ?? "8-K") })
      if (ctx.window.since) {
        q.set("dateRange", "custom")
        q.set("startdt", ctx.window.since)
        q.set("enddt", ctx.window.until ?? new Date().toISOString().slice(0, 10))
      }
      if (p > 0) q.set("from", String(p * 100))
      const req: HttpRequest = {
        url: `${hosts.efts}/LATEST/search-index?${q}`,
        headers: { "user-agent": ua },
        unit: `edgar full-text search ${JSON.stringify(unit.q)}`
      }
      const body = yield* fetchJson(req, EftsResponse)
      const hits = yield* decodeEach(EftsHit, body.hits.hits, req.unit!, ctx)
      for (const h of hits) {
        const s = h._source
        const doc = h._id.split(":")[1] ?? null
        const cik = padCik(s.ciks[0] ?? "0")
        const display = s.display_names[0] ?? ""
        out.push({
          origin: "search",
          accession: s.adsh,
          cik,
          company: cleanEdgarName(display.replace(/\s*\((?:CIK )?[^)]*\)/g, "")),
          ticker: /\(([A-Z.\-, ]+)\)\s*\(CIK/.exec(display)?.[1].split(",")[0].trim() ?? null,
          form: s.form,
          filed_at: s.file_date,
          report_date: null,
          items: s.items ?? [],
          item_text: null,
          url: filingIndexUrl(cik, s.adsh),
          document_url: doc ? filingDocumentUrl(cik, s.adsh, doc) : null,
          website: null
        })
      }
      if (hits.length < 100) break
    }
    return out
  })

/**
 * SEC EDGAR: 8-K filings of watched companies (submissions API, by CIK or ticker), the market-wide
 * getcurrent Atom feed, and full-text search. Filing date is the time dimension, so a backfill
 * reads older submission pages.
 */
export const edgar: Source<EdgarOptions, Filing> = {
  ...edgarDeclaration,
  defaultBaseUrl: "https://www.sec.gov",
  hostLimits: { concurrency: 4, perSecond: 10 },
  output: filingsStaging,
  units: (opts, ctx) => {
    const ua = resolveUserAgent(opts)
    if (Either.isLeft(ua)) return Effect.fail(ua.left)
    const units: SourceUnit[] = [
      ...(opts.ciks ?? []).map((c) => ({ key: `cik:${padCik(c)}`, cik: padCik(c) })),
      ...(opts.tickers ?? []).map((t) => ({ key: `ticker:${t.toUpperCase()}`, ticker: t.toUpperCase() })),
      ...(opts.current === false ? [] : [{ key: "getcurrent" }]),
      ...(opts.search ?? []).map((s) => ({ key: `search:${s.q}`, q: s.q, forms: s.forms, pages: s.pages })),
      ...(opts.form_d ? indexDays(opts.form_d, ctx.window.until, ctx.asOf ?? today()) : []).map((day) => ({
        key: `form_d:index:${day}`,
        day
      }))
    ]
    return Effect.succeed(units)
  },
  fetch: (unit, opts, ctx) => {
    const ua = Either.getOrThrow(resolveUserAgent(opts))
    const hosts = secHosts(opts.base_url?.replace(/\/+$/, ""))
    const forms = new Set([
      ...(opts.forms ?? DEFAULT_FORMS),
      ...(opts.form_d && opts.form_d.watched !== false ? FORM_D_FORMS : [])
    ])
    const work: Effect.Effect<ReadonlyArray<Filing>, SourceError, Http> = Effect.gen(function* () {
      yield* paceSecHosts(hosts)
      if (unit.day !== undefined)
        return yield* dailyFormD(String(unit.day), (opts.form_d ? opts.form_d.max : undefined) ?? 200, hosts, ua, ctx)
      if (unit.key === "getcurrent") return yield* current(opts, hosts, ua, forms, ctx)
      if (unit.q !== undefined) return yield* search(unit, hosts, ua, ctx)
      if (unit.cik !== undefined) return yield* submissions(String(unit.cik), null, hosts, ua, forms, ctx)
      const map = yield* tickerMap(hosts, ua, ctx)
      const hit = map.get(String(unit.ticker))
      if (!hit)
        return yield* Effect.fail(
          new Skippable({
            reason: "NotFound",
            unit: unit.key,
            message: `edgar: ticker ${unit.ticker} is not in SEC's company_tickers.json`
          })
        )
      return yield* submissions(hit.cik, String(unit.ticker), hosts, ua, forms, ctx)
    })
    return work
  },
  fixtures: edgarFixtures,
  // Every recording, for the conformance suite; a DAG's edgar node replays its own watch list (replayFor).
  replayOptions: {
    user_agent: "jobsignal-demo replay@example.invalid",
    ciks: [310522],
    tickers: ["TSLA"],
    current: { type: "", start: 5000, count: 100, pages: 1, watched_only: false },
    // Tesla's submissions list Form Ds whose documents are not recorded: the replay reads the index's only.
    form_d: { dates: REPLAY_FORM_D_DATES, watched: false }
  },
  replayFor: (nodeWith) =>
    edgarReplayFor({
      user_agent: "jobsignal-demo replay@example.invalid",
      current: { type: "", start: 5000, count: 100, pages: 1, watched_only: false }
    })(nodeWith)
}
