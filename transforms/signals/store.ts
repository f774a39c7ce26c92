import { Effect } from "effect"
import { createHash } from "node:crypto"
import type { Queries } from "../../sinks/warehouse.ts"

export interface SignalSource {
  readonly url: string | null
  readonly origin: string
  readonly title: string
  readonly published_at: string | null
}

/** A signal before it is merged with the same event from other outlets and earlier runs. */
export interface SignalDraft {
  readonly dedupeKey: string
  readonly company_key: string
  readonly company_name: string | null
  readonly type: string
  readonly signal_date: string
  readonly title: string
  readonly evidence: string
  readonly source: SignalSource
  readonly amount?: number | null
  readonly currency?: string | null
  readonly round?: string | null
  readonly confidence: number
  readonly details: Record<string, unknown>
  readonly why_now: string
}

export const signalId = (dedupeKey: string) => createHash("sha256").update(dedupeKey).digest("hex").slice(0, 20)

/** Folds name variants ("Acmeo Health's", "ACMEO HEALTH") for dedupe keys. */
export const fold = (s: string | null | undefined) =>
  (s ?? "")
    .toLowerCase()
    .replace(/[’']s\b/g, "")
    .replace(/[^a-z0-9]+/g, " ")
    .trim()

interface Merged {
  best: SignalDraft
  sources: SignalSource[]
  date: string
  leads: string[]
}

/** Groups drafts of one event: the most confident reading wins, every outlet is kept as a source. */
export const mergeDrafts = (drafts: ReadonlyArray<SignalDraft>): Map<string, Merged> => {
  const out = new Map<string, Merged>()
  for (const d of drafts) {
    const id = signalId(d.dedupeKey)
    const m = out.get(id)
    const leads = (d.details.lead_investors as string[] | undefined) ?? []
    if (!m) {
      out.set(id, { best: d, sources: [d.source], date: d.signal_date, leads: [...leads] })
      continue
    }
    if (
      d.confidence > m.best.confidence ||
      (d.confidence === m.best.confidence && d.amount != null && m.best.amount == null)
    )
      m.best = d
    if (!m.sources.some((s) => s.url === d.source.url && s.origin === d.source.origin)) m.sources.push(d.source)
    if (d.signal_date < m.date) m.date = d.signal_date
    for (const l of leads) if (!m.leads.includes(l)) m.leads.push(l)
  }
  return out
}

/**
 * Upserts merged signals: sources accumulate across runs, `first_seen` and the earliest date stay,
 * everything else takes this run's best reading. Runs in the caller's transaction.
 */
export const upsertSignals = (tx: Queries, drafts: ReadonlyArray<SignalDraft>, runId: string, now: string) =>
  Effect.gen(function* () {
    const merged = mergeDrafts(drafts)
    if (merged.size === 0) return { signals: 0, fresh: 0 }
    const ids = [...merged.keys()]
    yield* tx.exec("create temp table if not exists _sig_ids (id varchar)")
    yield* tx.exec("delete from _sig_ids")
    yield* tx.insertRows(
      "_sig_ids",
      ids.map((id) => ({ id }))
    )
    const prior = yield* tx.query<{
      signal_id: string
      sources: string | null
      first_seen: string
      signal_date: string | null
    }>(
      "select signal_id, sources::varchar as sources, first_seen::varchar as first_seen, signal_date::varchar as signal_date from signals where signal_id in (select id from _sig_ids)"
    )
    const before = new Map(prior.map((p) => [p.signal_id, p]))
    const rows = [...merged.entries()].map(([id, m]) => {
      const p = before.get(id)
      const parsed: unknown = p?.sources ? JSON.parse(p.sources) : []
      // Tolerates rows written as a JSON-encoded string by an earlier build.
      const old: SignalSource[] = typeof parsed === "string" ? JSON.parse(parsed) : (parsed as SignalSource[])
      const sources = [...old]
      for (const s of m.sources) if (!sources.some((o) => o.url === s.url && o.origin === s.origin)) sources.push(s)
      const date = p?.signal_date && p.signal_date < m.date ? p.signal_date : m.date
      const b = m.best
      return {
        signal_id: id,
        company_key: b.company_key,
        company_name: b.company_name,
        type: b.type,
        signal_date: date,
        title: b.title,
        evidence: b.evidence,
        source_url: b.source.url,
        sources,
        amount: b.amount ?? null,
        currency: b.currency ?? null,
        round: b.round ?? null,
        confidence: b.confidence,
        details: { ...b.details, ...(m.leads.length > 0 ? { lead_investors: m.leads } : {}), outlets: sources.length },
        first_seen: p?.first_seen ?? now,
        last_seen: now,
        run_id: runId,
        why_now: b.why_now
      }
    })
    yield* tx.exec("delete from signals where signal_id in (select id from _sig_ids)")
    yield* tx.insertRows("signals", rows)
    yield* tx.exec("drop table _sig_ids")
    return { signals: rows.length, fresh: rows.length - before.size }
  })
