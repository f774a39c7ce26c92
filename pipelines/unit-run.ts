import { Cause, Chunk, Effect, Option, Schema, Stream } from "effect"
import type { Skippable } from "../core/errors.ts"
import { killPoint } from "../core/killpoints.ts"
import { countRequests, type Http, requestPolicy, sourcePolicy } from "../sources/http.ts"
import { type Source, type SourceContext, type TargetsHook, unitStream } from "../sources/source.ts"
import { expandEnv } from "./env.ts"
import { configFailure, encodeError, type SourceUnitJob, type UnitResult } from "./executor.ts"
import { UniverseOption } from "./source-node.ts"

type NodeSetup =
  | { readonly problem: string }
  | {
      readonly opts: Record<string, any>
      readonly base: Omit<SourceContext, "skip" | "log">
      readonly prepare: Effect.Effect<void>
    }

/** What a worker knows of its own machine: the connectors it can run and where its targets files are. */
export interface WorkerSetup {
  readonly sources: ReadonlyArray<Source>
  readonly targetsOf: TargetsHook
  readonly dag: Parameters<TargetsHook>[0] & { readonly spec: { readonly profile?: string } }
}

/**
 * Runs one unit on a worker as its node would in-process: the source rebuilt by kind, the options decoded from the
 * node's `with` filled in from this machine's environment (its own provider keys), the same request policy. A
 * source's `units` runs once per node and run before its first unit here, for connectors that keep what it
 * computed (the searches a search node derived). Never fails: the unit's error travels back in its result.
 */
export const unitRunner = (setup: WorkerSetup) => {
  const byKind = new Map(setup.sources.map((s) => [s.kind, s]))
  // Per node and run, not per unit: its decoded `with` (a 20,000-board list, decoded per unit, made each unit's
  // cost grow with the list: bench/bullmq-scaleout), its targets and company index, and its `units` run.
  const nodes = new Map<string, NodeSetup>()
  const MAX_NODES = 64

  const nodeSetup = (src: Source, job: SourceUnitJob) => {
    const key = `${job.runId}\u0000${job.node}`
    const known = nodes.get(key)
    if (known) return Effect.succeed(known)
    const schema = (
      src.ats ? Schema.extend(src.options as Schema.Schema<any, any>, UniverseOption) : src.options
    ) as Schema.Schema<Record<string, any>, unknown>
    const decoded = Schema.decodeUnknownEither(schema)(expandEnv(job.options))
    if (decoded._tag === "Left")
      return Effect.succeed<NodeSetup>({ problem: `nodes.${job.node}.with (on this worker): ${decoded.left.message}` })
    const opts = decoded.right
    const targets = setup.targetsOf(setup.dag, opts)
    let focus: ReturnType<SourceContext["targets"]> | undefined
    const base: Omit<SourceContext, "skip" | "log"> = {
      node: job.node,
      runId: job.runId,
      baseUrl: String(opts.base_url ?? src.defaultBaseUrl).replace(/\/+$/, ""),
      window: job.window,
      ...(job.asOf ? { asOf: job.asOf } : {}),
      cursor: job.cursor,
      targets: () => (focus ??= targets.targets()),
      ...(targets.companyOf ? { companyOf: targets.companyOf } : {}),
      profilePath: setup.dag.resolvePath(setup.dag.spec.profile ?? "profile.yaml")
    }
    return Effect.map(
      Effect.cached(Effect.ignore(src.units(opts, { ...base, skip: () => Effect.void, log: () => Effect.void }))),
      (prepare) => {
        if (nodes.size >= MAX_NODES) nodes.delete(nodes.keys().next().value!)
        const ready: NodeSetup = { opts, base, prepare }
        nodes.set(key, ready)
        return ready
      }
    )
  }

  return (job: SourceUnitJob): Effect.Effect<UnitResult, never, Http> =>
    Effect.gen(function* () {
      const src = byKind.get(job.kind)
      if (!src)
        return configFailure(`this worker has no source ${job.kind} (an older jobsignal than the coordinator's?)`)
      const node = yield* nodeSetup(src, job)
      if ("problem" in node) return configFailure(node.problem)
      const { opts, base: nodeBase, prepare } = node
      const skips: Array<Skippable> = []
      const logs: Array<string> = []
      const sctx: SourceContext = {
        ...nodeBase,
        skip: (e) => Effect.sync(() => void skips.push(e)),
        log: (message) => Effect.sync(() => void logs.push(message))
      }
      yield* prepare
      const fetched = yield* countRequests(
        Stream.runCollect(unitStream(src.fetch(job.unit, opts, sctx))).pipe(
          Effect.locally(requestPolicy, sourcePolicy(src, opts)),
          Effect.exit
        )
      )
      const [exit, requests] = fetched
      // The kill-point test kills a worker here: the unit fetched, its result not yet handed back.
      killPoint("worker_unit")
      const base = {
        skips: skips.map((s) => ({
          _tag: "Skippable" as const,
          reason: s.reason,
          message: s.message,
          ...(s.unit !== undefined ? { unit: s.unit } : {})
        })),
        logs,
        requests
      }
      if (exit._tag === "Success") return { ...base, records: Chunk.toReadonlyArray(exit.value) }
      const failure = Cause.failureOption(exit.cause)
      if (Option.isSome(failure)) return { ...base, records: [], error: encodeError(failure.value) }
      const defect = Cause.dieOption(exit.cause)
      const d = Option.isSome(defect) ? defect.value : Cause.squash(exit.cause)
      return { ...base, records: [], defect: d instanceof Error ? `${d.name}: ${d.message}`.slice(0, 300) : typeof d }
    }).pipe(
      Effect.catchAllDefect((d) =>
        Effect.succeed(configFailure(`worker: ${d instanceof Error ? d.message : typeof d}`))
      )
    )
}
