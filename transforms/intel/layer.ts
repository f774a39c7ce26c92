import type { Effect } from "effect"
import type { Fatal } from "../../core/errors.ts"
import type { LoadedDag } from "../../pipelines/load.ts"
import type { Warehouse, WarehouseError } from "../../sinks/warehouse.ts"
import type { LayerFailed, LlmCtx } from "./ask.ts"
import type { Candidate } from "./candidate.ts"
import type { CompanyResearch } from "./schemas.ts"
import type { ContactRow, Intel, IntelColumn, JobRow, SignalRow } from "./store.ts"

export type JobOp = "extract" | "pain" | "research" | "fit" | "outreach" | "cv" | "dossier"
export const JOB_OPS: ReadonlyArray<JobOp> = ["extract", "pain", "research", "fit", "outreach", "cv", "dossier"]

/** Everything a layer may read about one job; `intel` grows as earlier layers finish. */
export interface JobView {
  readonly job: JobRow
  readonly candidate: Candidate
  intel: Intel
  readonly signals: ReadonlyArray<SignalRow>
  readonly contacts: ReadonlyArray<ContactRow>
  /** The company's research when a fresh one is cached (company_research reuses it at no cost). */
  readonly companyResearch?: CompanyResearch
  readonly company?: {
    readonly name: string
    readonly domain: string | null
    readonly industry: string | null
    readonly team_size: number | null
  }
}

/** What a layer may declare it reads: the posting, parts of the candidate, our own data, earlier outputs. */
export type ReadKey = "job" | "cv" | "stars" | "annotations" | "signals" | "contacts" | IntelColumn

export interface LayerEnv {
  /** Absent when no provider has a key for the tier (LLM layers are then skipped). */
  readonly llm?: LlmCtx
  readonly dag: LoadedDag
  readonly runId: string
  readonly phase: (phase: string, partial?: unknown) => void
}

export interface LayerResult {
  readonly values: Intel
  readonly usd: number
  readonly model?: string
  readonly message?: string
}

export interface Estimate {
  readonly calls: number
  readonly inputTokens: number
  readonly outputTokens: number
}

/** One of the user's layers as a typed transform: what it reads, what it writes, how it runs. */
export interface LayerDef {
  readonly op: JobOp
  /** The user's layer name (extract_jd, pain_points, ...), also the ledger's node name `intel.<name>`. */
  readonly name: string
  readonly reads: ReadonlyArray<ReadKey>
  readonly writes: ReadonlyArray<IntelColumn>
  /** Part of the input hash: bump when the prompt or the output shape changes. */
  readonly version: string
  readonly usesLlm: boolean
  /** Why there is nothing to do yet (e.g. a dossier with no layer output to assemble). */
  readonly precondition?: (v: JobView) => string | undefined
  readonly run: (
    v: JobView,
    env: LayerEnv
  ) => Effect.Effect<LayerResult, LayerFailed | Fatal | WarehouseError, Warehouse>
  readonly estimate: (v: JobView) => Estimate
}

const JOB_FIELDS = [
  "id",
  "title",
  "company",
  "location",
  "remote",
  "description_text",
  "salary_min",
  "salary_max",
  "salary_currency",
  "salary_period",
  "department",
  "company_key"
] as const

/** The values a layer declared it reads: the only thing its input hash depends on. */
export const readValues = (def: LayerDef, v: JobView): Record<string, unknown> =>
  Object.fromEntries(
    def.reads.map((k) => [
      k,
      k === "job"
        ? Object.fromEntries(JOB_FIELDS.map((f) => [f, v.job[f] ?? null]))
        : k === "cv"
          ? v.candidate.hashes.cv
          : k === "stars"
            ? v.candidate.hashes.stars
            : k === "annotations"
              ? v.candidate.hashes.annotations
              : k === "signals"
                ? v.signals.map((s) => s.signal_id)
                : k === "contacts"
                  ? v.contacts
                  : (v.intel[k] ?? null)
    ])
  )

/** One call whose prompt is about `chars` characters and whose answer is about `out` tokens. */
export const oneCall = (chars: number, out: number, calls = 1): Estimate => ({
  calls,
  inputTokens: Math.ceil(chars / 4) * calls,
  outputTokens: out * calls
})
