import type { Effect, Scope } from "effect"
import { existsSync } from "node:fs"
import { fileURLToPath, pathToFileURL } from "node:url"
import type { LoadedDag } from "../load.ts"
import type { Warehouse } from "../../sinks/warehouse.ts"
import type { Http } from "../../sources/http.ts"
import type { TierChoice } from "../../transforms/llm/index.ts"

/** One step of a per-job operation, as the intelligence layers (transforms/layers/ops.ts) report it. */
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
}

/**
 * What the dashboard needs from whatever runs per-job operations: the layers' `runJobOps` /
 * `estimateJobOps` when they exist, else a relevance + fit re-score (rescore.ts).
 */
export interface JobOpsRunner {
  readonly name: "layers" | "rescore"
  readonly ops: ReadonlyArray<string>
  readonly run: (
    jobId: string,
    ops: ReadonlyArray<string>,
    o: { readonly tier: TierChoice; readonly dag: LoadedDag; readonly runId?: string; readonly onProgress: (p: OpProgress) => void }
  ) => Effect.Effect<{ readonly jobId: string; readonly results: unknown; readonly usd: number }, unknown, Warehouse | Http | Scope.Scope>
  readonly estimate: (jobIds: ReadonlyArray<string>, ops: ReadonlyArray<string>, tier: TierChoice, dag: LoadedDag) => Effect.Effect<OpsEstimate, never, Warehouse>
}

/** The layers' operation names, in the order a full run does them. */
export const LAYER_OPS = ["extract", "pain", "research", "fit", "outreach", "cv", "dossier"] as const

const layersModule = fileURLToPath(new URL("../../transforms/layers/ops.ts", import.meta.url))

/**
 * The layers' runner when transforms/layers/ops.ts is present (loaded by path so this module does not
 * depend on it at type level), else the re-score runner.
 */
export const loadJobOpsRunner = async (): Promise<JobOpsRunner> => {
  if (existsSync(layersModule)) {
    const m = (await import(pathToFileURL(layersModule).href)) as Record<string, unknown>
    if (typeof m.runJobOps === "function" && typeof m.estimateJobOps === "function")
      return {
        name: "layers",
        ops: LAYER_OPS,
        run: (jobId, ops, o) => (m.runJobOps as Function)(jobId, ops, o),
        estimate: (ids, ops, tier, dag) => (m.estimateJobOps as Function)(ids, ops, tier, dag)
      }
  }
  const { rescoreRunner } = await import("./rescore.ts")
  return rescoreRunner
}
