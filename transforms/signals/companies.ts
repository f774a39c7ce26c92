import { companyKey, domainOf, normalizeCompanyName } from "../../model/company.ts"

export type CompanySource = "target" | "yc" | "jobs" | "news" | "edgar"
// Which source's spelling names the company: the user's own list first, SEC's upper-case legal name last.
const RANK: Record<CompanySource, number> = { target: 0, yc: 1, jobs: 2, news: 3, edgar: 4 }

export interface CompanyRow {
  company_key: string
  name: string
  domain: string | null
  aliases: string[]
  ats: string | null
  board: string | null
  tags: string[]
  yc_batch: string | null
  industry: string | null
  team_size: number | null
  is_hiring: boolean | null
  cik: string | null
  ticker: string | null
  sources: string[]
  first_seen: string
  last_seen: string
}

export interface CompanyObservation {
  readonly source: CompanySource
  readonly name: string
  readonly domain?: string | null
  readonly aliases?: ReadonlyArray<string>
  readonly ats?: string | null
  readonly board?: string | null
  readonly tags?: ReadonlyArray<string>
  readonly yc_batch?: string | null
  readonly industry?: string | null
  readonly team_size?: number | null
  readonly is_hiring?: boolean | null
  readonly cik?: string | null
  readonly ticker?: string | null
}

const isDomainKey = (k: string) => k.includes(".")

/**
 * The company universe being merged: one row per real company, keyed by domain when any source
 * knows it, else by the folded name; every spelling seen is kept as an alias and resolves to it.
 */
export class CompanyIndex {
  readonly rows = new Map<string, CompanyRow>()
  readonly touched = new Set<string>()
  /** Name-keyed rows folded into a domain-keyed row this run: old key → new key. */
  readonly rekeyed = new Map<string, string>()
  private readonly byName = new Map<string, string>()
  private readonly nameRank = new Map<string, number>()
  private readonly byCik = new Map<string, string>()

  constructor(
    existing: ReadonlyArray<CompanyRow>,
    private readonly now: string
  ) {
    for (const r of existing) {
      this.rows.set(r.company_key, {
        ...r,
        aliases: [...(r.aliases ?? [])],
        tags: [...(r.tags ?? [])],
        sources: [...(r.sources ?? [])]
      })
      for (const a of [r.name, ...(r.aliases ?? [])]) this.alias(a, r.company_key)
      if (r.cik) this.byCik.set(r.cik, r.company_key)
    }
  }

  private alias(name: string, key: string) {
    const n = normalizeCompanyName(name)
    if (n && (!this.byName.has(n) || isDomainKey(key))) this.byName.set(n, key)
  }

  /** The key a (name, domain, cik) resolves to, without recording anything. */
  resolve(name: string, domain?: string | null, cik?: string | null): string {
    const d = domainOf(domain)
    if (d) return d
    if (cik && this.byCik.has(cik)) return this.byCik.get(cik)!
    const n = normalizeCompanyName(name)
    return this.byName.get(n) ?? companyKey(name)
  }

  /** Names known well enough to attribute a headline by exact mention (multi-word or 5+ characters). */
  mentionable(): Array<{ name: string; key: string }> {
    return [...this.rows.values()].flatMap((r) =>
      [r.name, ...r.aliases].filter((a) => a.length >= 5 || /\s/.test(a)).map((name) => ({ name, key: r.company_key }))
    )
  }

  observe(o: CompanyObservation): string {
    const key = this.resolve(o.name, o.domain, o.cik)
    const n = normalizeCompanyName(o.name)
    const prior = this.byName.get(n)
    let row = this.rows.get(key)
    // A name first seen without a domain joins the domain row once a source names the domain.
    if (isDomainKey(key) && prior && prior !== key && !isDomainKey(prior) && this.rows.has(prior)) {
      const old = this.rows.get(prior)!
      this.rows.delete(prior)
      this.rekeyed.set(prior, key)
      this.touched.delete(prior)
      row = row ? mergeRows(row, old) : { ...old, company_key: key }
    }
    if (!row) {
      row = {
        company_key: key,
        name: o.name.trim(),
        domain: domainOf(o.domain),
        aliases: [],
        ats: null,
        board: null,
        tags: [],
        yc_batch: null,
        industry: null,
        team_size: null,
        is_hiring: null,
        cik: null,
        ticker: null,
        sources: [],
        first_seen: this.now,
        last_seen: this.now
      }
      this.nameRank.set(key, RANK[o.source])
    }
    const rank = this.nameRank.get(key) ?? 9
    if (RANK[o.source] < rank) {
      if (row.name !== o.name.trim()) row.aliases.push(row.name)
      row.name = o.name.trim()
      this.nameRank.set(key, RANK[o.source])
    }
    for (const a of [o.name.trim(), ...(o.aliases ?? [])])
      if (a && a !== row.name && !row.aliases.includes(a)) row.aliases.push(a)
    row.domain = row.domain ?? domainOf(o.domain)
    row.ats = o.ats ?? row.ats
    row.board = o.board ?? row.board
    for (const t of o.tags ?? []) if (!row.tags.includes(t)) row.tags.push(t)
    row.yc_batch = o.yc_batch ?? row.yc_batch
    row.industry = o.industry ?? row.industry
    row.team_size = o.team_size ?? row.team_size
    row.is_hiring = o.is_hiring ?? row.is_hiring
    row.cik = o.cik ?? row.cik
    row.ticker = o.ticker ?? row.ticker
    if (!row.sources.includes(o.source)) row.sources.push(o.source)
    row.last_seen = this.now
    this.rows.set(key, row)
    this.touched.add(key)
    for (const a of [o.name, ...(o.aliases ?? [])]) this.alias(a, key)
    if (o.cik) this.byCik.set(o.cik, key)
    return key
  }
}

const mergeRows = (a: CompanyRow, b: CompanyRow): CompanyRow => ({
  ...a,
  aliases: [...new Set([...a.aliases, b.name, ...b.aliases])].filter((x) => x !== a.name),
  tags: [...new Set([...a.tags, ...b.tags])],
  sources: [...new Set([...a.sources, ...b.sources])],
  ats: a.ats ?? b.ats,
  board: a.board ?? b.board,
  yc_batch: a.yc_batch ?? b.yc_batch,
  industry: a.industry ?? b.industry,
  team_size: a.team_size ?? b.team_size,
  is_hiring: a.is_hiring ?? b.is_hiring,
  cik: a.cik ?? b.cik,
  ticker: a.ticker ?? b.ticker,
  first_seen: a.first_seen < b.first_seen ? a.first_seen : b.first_seen
})
