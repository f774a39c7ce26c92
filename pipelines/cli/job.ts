import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { allSkippedReason, JOB_OPS, runJobOps, type JobOp, type OpProgress } from "../../transforms/intel/ops.ts"
import type { TierChoice } from "../../transforms/llm/index.ts"
import { liveUp, type UpInfo } from "../../sinks/up-file.ts"
import type { LoadedDag } from "../load.ts"
import { taskInUp } from "./up-client.ts"
import { expandJobId } from "./job-card.ts"
import { withWarehouseFile } from "./sql.ts"
import { dagOption, dbOption, fail, print, printErr } from "./shared.ts"
import { loadDagEffect } from "./load-dag.ts"
import { runtimeLayer } from "./runtime.ts"

const TIERS = ["fast", "balanced", "quality", "auto"] as const

export const formatProgress = (p: OpProgress) =>
  `${p.jobId} ${p.op.padEnd(8)} ${p.phase.padEnd(28)} ${p.status}${p.message ? `: ${p.message}` : ""}`

export const parseOps = (s: string): ReadonlyArray<JobOp> | string => {
  const ops = s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)
  const bad = ops.filter((o) => !(JOB_OPS as ReadonlyArray<string>).includes(o))
  return bad.length ? `unknown op(s) ${bad.join(", ")}; known: ${JOB_OPS.join(", ")}` : (ops as JobOp[])
}

type JobResult = Effect.Effect.Success<ReturnType<typeof runJobOps>>

/** The layers as a task of the `jobsignal up` that owns the warehouse, its progress printed here as it comes. */
const layersInUp = (
  up: UpInfo,
  jobId: string,
  ops: ReadonlyArray<JobOp>,
  o: { tier: TierChoice; dag: LoadedDag; runId?: string; onProgress: (p: OpProgress) => void }
) =>
  Effect.gen(function* () {
    const end = yield* taskInUp(
      up,
      "/api/cli/job",
      { dag: o.dag.path, jobId, ops, tier: o.tier, runId: o.runId },
      (e) => {
        if (e.type === "progress") o.onProgress(e as unknown as OpProgress)
      }
    )
    if (end.status === "cancelled") return yield* Effect.fail(new Error(`job ${jobId}: cancelled in jobsignal up`))
    if (end.status === "failed") return yield* Effect.fail(new Error(end.error ?? "the layers failed in jobsignal up"))
    const { skipped: _skipped, ...out } = end.result as JobResult & { skipped?: string }
    return out as JobResult
  })

export const jobCommand = Command.make(
  "job",
  {
    jobId: Args.text({ name: "JOB_ID" }).pipe(
      Args.withDescription("The job (jobs.id, or its first 4+ characters) to run the layers for")
    ),
    ops: Options.text("ops").pipe(
      Options.withDefault(JOB_OPS.join(",")),
      Options.withDescription(`Comma-separated layers: ${JOB_OPS.join(", ")} (default all)`)
    ),
    tier: Options.choice("tier", TIERS).pipe(
      Options.withDefault("auto" as const),
      Options.withDescription("Model tier; auto picks from the job's fit tier (A quality, B balanced, else fast)")
    ),
    dag: dagOption,
    db: dbOption,
    runId: Options.text("run-id").pipe(
      Options.optional,
      Options.withDescription("Ledger run id for the LLM calls (default job-<time>)")
    )
  },
  ({ jobId: idOrPrefix, ops, tier, dag, db, runId }) =>
    Effect.gen(function* () {
      const list = parseOps(ops)
      if (typeof list === "string") {
        yield* printErr(`error: --ops: ${list}`)
        return yield* fail(2)
      }
      const d = yield* loadDagEffect(dag)
      const jobId = yield* withWarehouseFile(db, false, (q) => expandJobId(q, idOrPrefix))
      const skips: string[] = []
      const onProgress = (p: OpProgress) => {
        if (p.status === "skipped" && p.message) skips.push(p.message)
        process.stderr.write(formatProgress(p) + "\n")
      }
      const request = { tier, dag: d, runId: Option.getOrUndefined(runId), onProgress }
      // While `jobsignal up` owns the warehouse the layers run in that process; here they open the file.
      const up = liveUp(db)
      const out = up
        ? yield* layersInUp(up, jobId, list, request)
        : yield* Effect.scoped(runJobOps(jobId, list, request)).pipe(Effect.provide(runtimeLayer(db)))
      yield* print(JSON.stringify(out, null, 2))
      const skipped = allSkippedReason([out.results], skips)
      if (skipped) yield* printErr(`job ${jobId}: skipped — ${skipped}`)
      if (Object.values(out.results).includes("failed")) yield* fail(1)
    }).pipe(
      Effect.catchAll((e) =>
        printErr(`error: ${(e as { message?: string }).message ?? String(e)}`).pipe(Effect.zipRight(fail(2)))
      )
    )
).pipe(
  Command.withDescription(
    "Run the per-job intelligence layers for one job, with per-phase progress on stderr; results stay in job_intel."
  )
)
