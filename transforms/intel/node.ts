import { Effect } from "effect"
import type { NodeKind, NodeOutcome } from "../../pipelines/node.ts"
import { Warehouse } from "../../sinks/warehouse.ts"
import { placeholders } from "../job-prompt.ts"
import { llmRuntime } from "../llm/runtime.ts"
import { resolveTier } from "../llm/tiers.ts"
import { LAYERS, runJobOps, type JobOp, type OpStatus } from "./ops.ts"
import { IntelOptions, intelDeclaration } from "./declaration.ts"
export { IntelOptions }

/**
 * `intel`: the per-job layers (extract, pain, research, fit, outreach, cv, dossier) for the jobs
 * that deserve them, best fit first. Unchanged jobs skip every layer; without a provider key the
 * node does nothing and says so.
 */
export const runIntel = (opts: IntelOptions, ctx: Parameters<NodeKind["run"]>[1]) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const jobs = opts.job_ids
      ? opts.job_ids
      : (yield* w.query<{ job_id: string }>(
          `select job_id from job_scores where tier in (${placeholders(opts.fit_tiers.length)}) order by fit_score desc nulls last, job_id limit ${opts.max_jobs}`,
          opts.fit_tiers
        )).map((r) => r.job_id)
    const llmOps = opts.ops.filter((o) => LAYERS[o].some((l) => l.usesLlm))
    if (jobs.length === 0)
      return {
        rowsIn: 0,
        rowsOut: 0,
        notes: [`${ctx.node}: no job in fit tier ${opts.fit_tiers.join("/")} to run the layers for`]
      } satisfies NodeOutcome as NodeOutcome
    const probe = yield* llmRuntime(ctx, resolveTier(opts.tier === "auto" ? "fast" : opts.tier))
    const notes: string[] = []
    // Without a key only the layers that need no model run (the dossier, from what earlier runs left).
    const ops = probe.available ? opts.ops : opts.ops.filter((o) => !llmOps.includes(o))
    const noKey = probe.available
      ? undefined
      : "no LLM provider key (set ANTHROPIC_API_KEY or OPENAI_API_KEY, or another provider in llm.providers)"
    if (noKey && llmOps.length > 0)
      notes.push(`${ctx.node}: skipped ${llmOps.join(", ")} for ${jobs.length} job(s): ${noKey}`)
    if (ops.length === 0)
      return {
        rowsIn: jobs.length,
        rowsOut: 0,
        notes,
        details: { skipped: jobs.length },
        ...(noKey ? { skipped: noKey } : {})
      } satisfies NodeOutcome as NodeOutcome
    const counts: Record<OpStatus, number> = { done: 0, failed: 0, skipped: 0 }
    const firstSkips = new Set<string>()
    let usd = 0,
      touched = 0,
      n = 0
    for (const jobId of jobs) {
      const r = yield* runJobOps(jobId, ops as ReadonlyArray<JobOp>, {
        tier: opts.tier,
        dag: ctx.dag,
        runId: ctx.runId,
        ...(ctx.remote ? { remote: ctx.remote } : {}),
        onProgress: (p) => {
          if (
            p.status === "skipped" &&
            p.message &&
            firstSkips.size < 5 &&
            !/unchanged|nothing to assemble/.test(p.message)
          )
            firstSkips.add(p.message)
        }
      })
      usd += r.usd
      const statuses = Object.values(r.results)
      for (const s of statuses) counts[s]++
      if (statuses.includes("done")) touched++
      ctx.events.emit({ type: "node_progress", node: ctx.node, done: ++n, total: jobs.length })
    }
    return {
      rowsIn: jobs.length,
      rowsOut: touched,
      partial: counts.failed > 0,
      // Nothing done and the model layers left out: the key is what is missing, not a green success.
      ...(noKey && counts.done === 0 && counts.failed === 0 ? { skipped: noKey } : {}),
      notes: [
        ...notes,
        ...firstSkips,
        ...(counts.failed > 0 ? [`${counts.failed} layer run(s) failed; see job_intel.layer_status`] : [])
      ],
      details: { jobs: jobs.length, ops_done: counts.done, ops_failed: counts.failed, ops_skipped: counts.skipped, usd }
    } satisfies NodeOutcome as NodeOutcome
  })

export const intel: NodeKind<IntelOptions> = {
  ...intelDeclaration,
  run: (opts, ctx) => runIntel(opts, ctx)
}
