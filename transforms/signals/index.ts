import { Effect } from "effect"
import { Warehouse, type Queries } from "../../sinks/warehouse.ts"
import { displayCompanyName } from "../../model/company.ts"
import type { NodeContext, NodeKind, NodeOutcome } from "../../pipelines/node.ts"
import { loadTargets, type Target } from "../../targets/universe.ts"
import { CompanyIndex, type CompanyRow } from "./companies.ts"
import { typeFiling, ITEM_TITLES } from "./filings.ts"
import { formDDraft } from "./form-d.ts"
import type { FormD } from "../../sources/edgar/formd.ts"
import { mentionMatcher, newsSignal, type StagedNews } from "./news.ts"
import { upsertSignals, type SignalDraft } from "./store.ts"
import { hiringSpikes } from "./velocity.ts"
import { type DepartmentSighting, departmentSpikes } from "./departments.ts"
import { velocityDraft } from "./velocity-signal.ts"
import { SignalsOptions, signalsDeclaration } from "./declaration.ts"
export { SignalsOptions }

const tableExists = (w: Queries, t: string) =>
  w
    .query<{ n: number }>("select count(*)::int as n from information_schema.tables where table_name = $1", [t])
    .pipe(Effect.map((r) => r[0].n > 0))

/** Rows of one staging table written by this node's inputs of one source kind (none when it never ran). */
const staged = <T>(w: Queries, ctx: Pick<NodeContext, "inputs">, kind: string, table: string, columns: string) =>
  Effect.gen(function* () {
    const ins = ctx.inputs.filter((i) => i.role === "source" && i.kind === kind)
    if (ins.length === 0 || !(yield* tableExists(w, table))) return [] as T[]
    const params = ins.flatMap((i) => [i.node, i.runId])
    const where = ins.map((_, k) => `(node = $${2 * k + 1} and run_id = $${2 * k + 2})`).join(" or ")
    return yield* w.query<T>(`select ${columns} from "${table}" where ${where}`, params)
  })

const FILING_WHY: Record<string, string> = {
  leadership_change: "officer/director change",
  acquisition: "completed an acquisition or disposition",
  material_agreement: "entered a material definitive agreement",
  governance: "amended its charter or bylaws",
  other: "reported other events"
}

/**
 * The signal engine: merges the company universe (targets, YC, EDGAR, news, job postings), reads
 * news items and 8-K filings into typed signals, computes hiring spikes from `jobs`, and upserts
 * `companies`, `signals` and `company_jobs` in one transaction.
 */
export const buildSignals = (opts: SignalsOptions, ctx: NodeContext) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const now = new Date().toISOString()
    const today = now.slice(0, 10)
    const notes: string[] = []
    const existing = yield* w.query<CompanyRow>(
      "select company_key, name, domain, aliases, ats, board, tags, yc_batch, industry, team_size, is_hiring, cik, ticker, sources, first_seen::varchar as first_seen, last_seen::varchar as last_seen from companies"
    )
    const companies = new CompanyIndex(existing, now)

    let targets: ReadonlyArray<Target> = []
    try {
      targets = loadTargets(ctx.dag.resolvePath(ctx.dag.spec.targets ?? "targets/companies.yaml"))
    } catch (e) {
      notes.push(
        `no target universe read (${(e as Error).message.split("\n")[0]}): companies come from the other sources`
      )
    }
    for (const t of targets)
      companies.observe({
        source: "target",
        name: t.name,
        domain: t.domain,
        ats: t.ats,
        board: t.board == null ? null : typeof t.board === "string" ? t.board : JSON.stringify(t.board),
        tags: t.tags
      })

    const yc = yield* staged<{
      name: string
      website: string | null
      former_names: string[] | null
      batch: string | null
      industry: string | null
      team_size: number | null
      is_hiring: boolean | null
    }>(
      w,
      ctx,
      "yc",
      "stg_yc_companies",
      "distinct on (yc_id) name, website, former_names, batch, industry, team_size, is_hiring"
    )
    for (const c of yc)
      companies.observe({
        source: "yc",
        name: c.name,
        domain: c.website,
        aliases: c.former_names ?? [],
        yc_batch: c.batch,
        industry: c.industry,
        team_size: c.team_size,
        is_hiring: c.is_hiring
      })

    const filings = yield* staged<{
      origin: string
      accession: string
      cik: string
      company: string
      ticker: string | null
      form: string
      filed_at: string
      items: string[]
      item_text: string | null
      url: string
      website: string | null
      form_d: string | null
    }>(
      w,
      ctx,
      "edgar",
      "stg_filings",
      "origin, accession, cik, company, ticker, form, filed_at::varchar as filed_at, items, item_text, url, website, form_d::varchar as form_d"
    )
    const drafts: SignalDraft[] = []
    let untyped = 0
    for (const f of filings) {
      const key = companies.observe({
        source: "edgar",
        name: f.company,
        domain: f.website,
        cik: f.cik,
        ticker: f.ticker
      })
      if (f.form_d) {
        drafts.push(formDDraft(JSON.parse(f.form_d) as FormD, f, key))
        continue
      }
      const typed = typeFiling({ form: f.form, items: f.items ?? [], item_text: f.item_text })
      if (typed.length === 0) untyped++
      for (const s of typed)
        drafts.push({
          dedupeKey: `filing|${f.accession}|${s.type}`,
          company_key: key,
          company_name: f.company,
          type: s.type,
          signal_date: f.filed_at,
          title: `${f.company} ${f.form}: Item ${s.item} ${ITEM_TITLES[s.item] ?? ""}`.trim(),
          evidence: s.evidence,
          source: {
            url: f.url,
            origin: `edgar:${f.origin}`,
            title: `${f.form} ${f.accession}`,
            published_at: f.filed_at
          },
          confidence: s.confidence,
          why_now: `${f.company} filed an ${f.form} on ${f.filed_at}: ${FILING_WHY[s.type]} (Item ${s.item})`,
          details: { accession: f.accession, cik: f.cik, ticker: f.ticker, form: f.form, items: f.items }
        })
    }

    const jobs = yield* w.query<{
      id: string
      company: string
      title: string
      department: string | null
      opened_at: string
    }>(
      "select id, company, title, department, coalesce(least(posted_at, first_seen), first_seen)::varchar as opened_at from jobs"
    )
    const jobCompany = jobs.map((j) => ({
      job_id: j.id,
      // Board decorations ("PermitFlow (YC W22)") dropped, so the job meets its company in the universe.
      company_key: companies.observe({ source: "jobs", name: displayCompanyName(j.company) }),
      run_id: ctx.runId
    }))

    const news = yield* staged<StagedNews>(
      w,
      ctx,
      "rss",
      "stg_news",
      "feed, title, link, published_at::varchar as published_at, summary, content, company_hint"
    )
    const mention = mentionMatcher(companies.mentionable())
    for (const n of news) drafts.push(newsSignal(n, companies, mention, today))

    const roles: DepartmentSighting[] = jobs.map((j, i) => ({
      company_key: jobCompany[i].company_key,
      company: j.company,
      title: j.title,
      department: j.department,
      opened_at: j.opened_at
    }))
    const asOf = opts.as_of ?? ctx.asOf ?? today
    const velocity = {
      asOf,
      minNew: opts.spike_min_new ?? 5,
      ratio: opts.spike_ratio ?? 2,
      baselineWeeks: opts.baseline_weeks ?? 8
    }
    const spikes = hiringSpikes(roles, velocity)
    const week = (() => {
      const d = new Date(`${asOf}T00:00:00Z`)
      d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7))
      return d.toISOString().slice(0, 10)
    })()
    for (const s of spikes)
      drafts.push({
        dedupeKey: `hiring_spike|${s.company_key}|${week}`,
        company_key: s.company_key,
        company_name: s.company,
        type: "hiring_spike",
        signal_date: asOf,
        title: `${s.company}: ${s.newRoles} new roles in 7 days`,
        evidence: `${s.newRoles} new roles in the 7 days to ${asOf} (baseline ${s.baselinePerWeek}/week over ${opts.baseline_weeks ?? 8} weeks): ${s.titles.join("; ")}`,
        source: { url: null, origin: "jobs", title: "hiring velocity", published_at: asOf },
        confidence: s.baselineKnown ? 0.9 : 0.6,
        details: {
          new_roles: s.newRoles,
          baseline_per_week: s.baselinePerWeek,
          baseline_known: s.baselineKnown,
          titles: s.titles
        },
        why_now: `${s.company} posted ${s.newRoles} new roles in the 7 days to ${asOf} (baseline ${s.baselinePerWeek}/week)`
      })

    const teams = departmentSpikes(roles, velocity)
    for (const s of teams) drafts.push(velocityDraft(s, velocity, week))

    const result = yield* w.transaction((tx) =>
      Effect.gen(function* () {
        for (const [from, to] of companies.rekeyed) {
          yield* tx.exec("update signals set company_key = $2 where company_key = $1", [from, to])
          yield* tx.exec("delete from companies where company_key = $1", [from])
        }
        const rows = [...companies.touched].map((k) => companies.rows.get(k)!).filter(Boolean)
        if (rows.length > 0) {
          yield* tx.exec("create temp table if not exists _co_keys (k varchar)")
          yield* tx.exec("delete from _co_keys")
          yield* tx.insertRows(
            "_co_keys",
            rows.map((r) => ({ k: r.company_key }))
          )
          yield* tx.exec("delete from companies where company_key in (select k from _co_keys)")
          yield* tx.exec("drop table _co_keys")
          yield* tx.insertRows("companies", rows as unknown as Array<Record<string, unknown>>)
        }
        yield* tx.exec("delete from company_jobs")
        yield* tx.insertRows("company_jobs", jobCompany)
        return yield* upsertSignals(tx, drafts, ctx.runId, now)
      })
    )

    const byType: Record<string, number> = {}
    for (const d of drafts) byType[d.type] = (byType[d.type] ?? 0) + 1
    return {
      rowsIn: news.length + filings.length + yc.length + jobs.length,
      rowsOut: result.signals,
      notes,
      details: {
        signals: result.signals,
        new_signals: result.fresh,
        drafts_by_type: byType,
        merged_duplicates: drafts.length - result.signals,
        unattributed_press: drafts.filter((d) => d.company_key === "(unattributed)").length,
        filings_without_signal_items: untyped,
        hiring_spikes: spikes.length,
        hiring_velocity: teams.length,
        companies_touched: companies.touched.size,
        companies_merged: companies.rekeyed.size,
        targets: targets.length
      }
    } satisfies NodeOutcome
  })

export const signals: NodeKind<SignalsOptions> = {
  ...signalsDeclaration,
  run: (opts, ctx) => buildSignals(opts, ctx)
}
