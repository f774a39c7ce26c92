import { Effect } from "effect"
import type { LoadedDag } from "../../pipelines/load.ts"
import { Warehouse } from "../../sinks/warehouse.ts"
import { companyKey } from "../../model/company.ts"
import type { LlmTask } from "../llm/batching.ts"
import { makeItem, untrustedDataRules } from "../llm/prompt.ts"
import { askAll } from "./ask.ts"
import { jobItem } from "./context.ts"
import { oneCall, type JobView, type LayerDef } from "./layer.ts"
import { hashInputs, type SignalRow } from "./store.ts"
import { COMPANY_CACHE_DAYS } from "./declaration.ts"
import { CompanyAnswer, RoleAnswer, jsonProps, type CompanyResearch } from "./schemas.ts"

const COMPANY_VERSION = "company_research-v1"
const ROLE_VERSION = "role_research-v1"

const SIGNAL_TYPES: Record<string, string> = {
  hiring_spike: "growth",
  funding: "funding",
  acquisition: "acquisition",
  leadership_change: "leadership_change"
}

export const keyOf = (v: JobView) => v.job.company_key ?? companyKey(v.job.company)

export const companyTask = (signalIds: ReadonlySet<string>): LlmTask<CompanyAnswer> => ({
  name: "company_research",
  promptVersion: COMPANY_VERSION,
  schemaName: "company_research_results",
  system: `You are a business intelligence analyst. For each company, write a 2-3 sentence summary from the data given
(the company record, its recorded signals and one of its postings), decide company_type (employer; recruitment_agency when
the posting is placed by an agency for an unnamed client; unknown), and list the ids of the signals (e.g. "s1") that matter
to someone applying now. Use only the data given: no outside facts, no invented events.
${untrustedDataRules('{"id": "<item id>", "summary": ..., "company_type": "employer|recruitment_agency|unknown", "relevant_signal_ids": ["s1", ...]}')}`,
  itemSchema: CompanyAnswer,
  itemJsonProps: jsonProps(CompanyAnswer),
  outputTokensPerItem: 400,
  check: (out) => {
    const unknown = out.relevant_signal_ids.filter((id) => !signalIds.has(id))
    return unknown.length ? `signal ids not in the data given: ${unknown.join(", ")}` : undefined
  }
})

const renderSignals = (signals: ReadonlyArray<SignalRow>) =>
  signals
    .map(
      (s, i) =>
        `[s${i + 1}] ${s.type} ${s.signal_date ?? "date unknown"}: ${s.title ?? ""}${s.evidence ? ` — ${s.evidence.slice(0, 240)}` : ""}`
    )
    .join("\n") || "(none recorded)"

/** The cache entry's hash: only the prompt version, so every job of the company shares it. */
const CACHE_HASH = hashInputs({ v: COMPANY_VERSION })

/** The intel node's `with.company_research_days` (the CLI and the dashboard read it from dag.yaml too). */
export const companyResearchDays = (dag: LoadedDag): number => {
  const node = Object.values(dag.spec.nodes).find((n) => n.transform === "intel")
  const days = (node?.with as { company_research_days?: unknown } | undefined)?.company_research_days
  return typeof days === "number" && days > 0 ? days : COMPANY_CACHE_DAYS
}

/**
 * A company's research younger than `days`, whichever of its jobs asked for it: keyed by the normalized
 * company, so 30 jobs of one company (under any spelling) make one call a week. Only a new prompt
 * version invalidates it early; new signals wait for the next refresh.
 */
export const freshCompanyResearch = (key: string, days: number) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const [hit] = yield* w.query<{ research: string }>(
      `select research::varchar as research from company_research_cache
       where company_key = $1 and input_hash = $2 and researched_at >= now() - to_days($3::int)`,
      [key, CACHE_HASH, Math.ceil(days)]
    )
    return hit ? (JSON.parse(hit.research) as CompanyResearch) : undefined
  })

/** Layer 3: our own signals first (each with its URL), one model call per company per `company_research_days`. */
export const companyResearch: LayerDef = {
  op: "research",
  name: "company_research",
  reads: ["job", "signals"],
  writes: ["company_research"],
  version: COMPANY_VERSION,
  usesLlm: true,
  run: (v, env) =>
    Effect.gen(function* () {
      const w = yield* Warehouse
      const key = keyOf(v)
      const days = companyResearchDays(env.dag)
      const hit = v.companyResearch ?? (yield* freshCompanyResearch(key, days))
      if (hit) {
        env.phase("cache", { company_key: key })
        return {
          values: { company_research: hit },
          usd: 0,
          message: `company research for ${key} reused (researched ${hit.researched_at.slice(0, 10)}; refreshed every ${days} days)`
        }
      }
      env.phase("signals", { count: v.signals.length })
      const ids = new Set(v.signals.map((_, i) => `s${i + 1}`))
      const c = v.company
      const item = makeItem(
        v.job.id,
        [
          `company: ${v.job.company}`,
          c?.domain ? `domain: ${c.domain}` : "",
          c?.industry ? `industry: ${c.industry}` : "",
          c?.team_size ? `team size: ${c.team_size}` : "",
          `signals:\n${renderSignals(v.signals)}`,
          `posting: ${v.job.title}\n${(v.job.description_text ?? "").slice(0, 2500)}`
        ]
          .filter(Boolean)
          .join("\n")
      )
      env.phase("model")
      const asked = yield* askAll(env.llm!, "intel.company_research", companyTask(ids), [item])
      const a = asked.results.get(v.job.id)!.out
      const chosen = a.relevant_signal_ids
        .map((id) => v.signals[Number(id.slice(1)) - 1])
        .filter((s): s is SignalRow => !!s && !!s.source_url)
      const research: CompanyResearch = {
        summary: a.summary,
        signals: chosen.map((s) => ({
          type: SIGNAL_TYPES[s.type] ?? s.type,
          description: s.title ?? s.evidence ?? "",
          date: s.signal_date ?? "unknown",
          source: s.source_url!
        })),
        url: c?.domain ? `https://${c.domain}` : null,
        company_type: a.company_type,
        company_key: key,
        researched_at: new Date().toISOString()
      }
      yield* w.exec(
        `insert into company_research_cache (company_key, research, input_hash, model, researched_at) values ($1, $2::json, $3, $4, now())
         on conflict (company_key) do update set research = excluded.research, input_hash = excluded.input_hash, model = excluded.model, researched_at = excluded.researched_at`,
        [key, JSON.stringify(research), CACHE_HASH, asked.model ?? null]
      )
      return { values: { company_research: research }, usd: asked.usd, model: asked.model }
    }),
  estimate: (v) => (v.companyResearch ? oneCall(0, 0, 0) : oneCall(4500, 400))
}

export const roleTask: LlmTask<RoleAnswer> = {
  name: "role_research",
  promptVersion: ROLE_VERSION,
  schemaName: "role_research_results",
  system: `You are a role analyst. For each posting, using only the posting, its extracted requirements and the company research given:
summary: 2-3 sentences on what the role is for; business_impact: 3-5 bullets on the business outcomes the hire drives;
why_now: 1-2 sentences on why the company is hiring now, citing a company signal when one applies.
${untrustedDataRules('{"id": "<item id>", "summary": ..., "business_impact": [...], "why_now": ...}')}`,
  itemSchema: RoleAnswer,
  itemJsonProps: jsonProps(RoleAnswer),
  outputTokensPerItem: 500
}

/** Layer 3.5. */
export const roleResearch: LayerDef = {
  op: "research",
  name: "role_research",
  reads: ["job", "extracted_jd", "company_research"],
  writes: ["role_research"],
  version: ROLE_VERSION,
  usesLlm: true,
  run: (v, env) =>
    Effect.gen(function* () {
      const jd = v.intel.extracted_jd as { responsibilities?: string[]; success_metrics?: string[] } | undefined
      const cr = v.intel.company_research as CompanyResearch | undefined
      env.phase("model")
      const asked = yield* askAll(env.llm!, "intel.role_research", roleTask, [
        jobItem(v, {
          responsibilities: jd?.responsibilities,
          success_metrics: jd?.success_metrics,
          company_summary: cr?.summary,
          company_signals: cr?.signals.map((s) => `${s.type} ${s.date}: ${s.description}`)
        })
      ])
      const a = asked.results.get(v.job.id)!.out
      return { values: { role_research: a }, usd: asked.usd, model: asked.model }
    }),
  estimate: (v) => oneCall(2000 + Math.min(12_000, (v.job.description_text ?? "").length), 500)
}
