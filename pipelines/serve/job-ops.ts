import type { Effect, Scope } from "effect"
import { estimateJobOps, runJobOps, type JobOp } from "../../transforms/intel/ops.ts"
import type { LoadedDag } from "../load.ts"
import type { Warehouse } from "../../sinks/warehouse.ts"
import type { Http } from "../../sources/http.ts"
import type { TierChoice } from "../../transforms/llm/index.ts"

/** One step of a per-job operation, as the intelligence layers (transforms/intel/ops.ts) report it. */
export interface OpProgress {
  readonly jobId: string
  readonly op: string
  readonly phase: string
  readonly status: "started" | "done" | "failed" | "skipped"
  readonly message?: string
  readonly partial?: unknown
}

export interface OpsEstimate {
  readonly calls: number
  readonly inputTokens: number
  readonly outputTokens: number
  readonly usd: number
  /** Why (some of) the LLM layers would be skipped: no provider key for the tier. */
  readonly skipped?: string
}

/** What the dashboard needs to run per-job operations: a seam so tests can count or script what runs. */
export interface JobOpsRunner {
  readonly name: string
  readonly ops: ReadonlyArray<string>
  readonly run: (
    jobId: string,
    ops: ReadonlyArray<string>,
    o: {
      readonly tier: TierChoice
      readonly dag: LoadedDag
      readonly runId?: string
      readonly onProgress: (p: OpProgress) => void
    }
  ) => Effect.Effect<
    { readonly jobId: string; readonly results: unknown; readonly usd: number },
    unknown,
    Warehouse | Http | Scope.Scope
  >
  readonly estimate: (
    jobIds: ReadonlyArray<string>,
    ops: ReadonlyArray<string>,
    tier: TierChoice,
    dag: LoadedDag
  ) => Effect.Effect<OpsEstimate, never, Warehouse>
}

/** The layers' operation names, in the order a full run does them. */
export const LAYER_OPS = ["extract", "pain", "research", "fit", "outreach", "cv", "dossier"] as const

/** The intelligence layers (transforms/intel/ops.ts) as the dashboard's runner. */
export const layersRunner: JobOpsRunner = {
  name: "layers",
  ops: LAYER_OPS,
  run: (jobId, ops, o) => runJobOps(jobId, ops as ReadonlyArray<JobOp>, o),
  estimate: (ids, ops, tier, dag) => estimateJobOps(ids, ops as ReadonlyArray<JobOp>, tier, dag)
}
