import { Cause, Deferred, Duration, Effect, Exit, Redacted, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { Warehouse } from "../sinks/warehouse.ts"
import { withRetry, type RetryPolicy } from "../sources/http.ts"
import { describe, Fatal, Retriable } from "../core/errors.ts"
import type { Events } from "./events.ts"
import { lastCommitted, markCrashedRuns, readCursor } from "./ledger.ts"
import type { LoadedDag } from "./load.ts"
import type { NodeContext, NodeInput, NodeKind, NodeOutcome } from "./node.ts"
import { downstreamOf, enabledNodes, levels } from "./plan.ts"
import { formatProblem, preflight } from "./preflight.ts"
import { expandEnv } from "./env.ts"
import { schemaProblems } from "../model/yaml-problems.ts"
import { findKind } from "./registry.ts"
import { executorOf } from "./bullmq-executor.ts"
import { parseDuration, roleOf, type NodeSpec } from "../core/spec.ts"

export interface RunRequest {
  readonly dag: LoadedDag
  readonly only?: ReadonlyArray<string>
  readonly resume?: string
  readonly backfill?: { readonly node: string; readonly since: string; readonly until?: string }
  readonly dryRun?: boolean
  /** A scheduled fire (`schedule`, `up`): nobody waits on it, so LLM nodes without `with.mode` use batch. */
  readonly scheduled?: boolean
  /** Options laid over a source node's `with` (the demo points sources at the replay server). */
  readonly sourceOverrides?: (kind: string) => Record<string, unknown> | undefined
  /** `--as-of`: the day (YYYY-MM-DD) every window of this run is computed from, instead of today. */
  readonly asOf?: string
  readonly events: Events
}

export interface NodeResult {
  readonly node: string
  readonly kind: string
  readonly status: "success" | "partial" | "failed" | "skipped" | "interrupted" | "planned"
  readonly rowsIn: number
  readonly rowsOut: number
  readonly ms: number
  readonly error?: string
  readonly notes?: ReadonlyArray<string>
}

export interface RunSummary {
  readonly runId: string
  /** `skipped`: every node did nothing for a reason of its own (no provider key); `reason` says which. */
  readonly status: "success" | "failed" | "interrupted" | "planned" | "skipped"
  readonly reason?: string
  readonly nodes: ReadonlyArray<NodeResult>
  readonly ms: number
}

const ok = (s: string) => s === "success" || s === "partial"
/** A node that skipped itself (NodeOutcome.skipped) failed nothing: its run and its downstream go on. */
const passed = (r: NodeResult, selfSkipped: ReadonlySet<string>) => ok(r.status) || selfSkipped.has(r.node)
const runStatus = (list: ReadonlyArray<NodeResult>, selfSkipped: ReadonlySet<string>): RunSummary["status"] =>
  list.length > 0 && list.every((r) => selfSkipped.has(r.node))
    ? "skipped"
    : list.every((r) => passed(r, selfSkipped))
      ? "success"
      : list.some((r) => r.status === "interrupted")
        ? "interrupted"
        : "failed"

/** Why an all-skipped run did nothing: the nodes' one reason, or each node's. */
export const skipReason = (list: ReadonlyArray<NodeResult>) => {
  const reasons = [...new Set(list.map((r) => r.error ?? "no reason given"))]
  return reasons.length === 1 ? reasons[0] : list.map((r) => `${r.node}: ${r.error ?? "no reason given"}`).join("; ")
}

/** How long after its own deadline a node that owns its timeout gets to commit what finished. */
export const OWN_TIMEOUT_GRACE_MS = 30_000

const retryPolicy = (dag: LoadedDag, spec: NodeSpec): RetryPolicy => {
  const r = spec.retry ?? dag.spec.defaults?.retry
  return {
    times: r?.times ?? 0,
    baseMs: parseDuration(r?.base ?? "2s")!,
    capMs: parseDuration(r?.cap ?? "60s")!
  }
}

/** Which nodes this run executes, and for the others, which earlier run's output they stand on. */
export const selectNodes = (req: RunRequest) =>
  Effect.gen(function* () {
    const nodes = enabledNodes(req.dag.spec)
    const unknown = [...(req.only ?? []), ...(req.backfill ? [req.backfill.node] : [])].filter((n) => !(n in nodes))
    if (unknown.length > 0)
      return yield* Effect.fail(
        new Fatal({
          reason: "Config",
          message: `no such node in ${req.dag.path}: ${unknown.join(", ")} (nodes: ${Object.keys(nodes).join(", ")})`
        })
      )
    const committed = new Map<string, string | undefined>()
    const committedRun = (n: string) =>
      committed.has(n)
        ? Effect.succeed(committed.get(n))
        : lastCommitted(n).pipe(Effect.tap((r) => Effect.sync(() => committed.set(n, r))))

    if (req.resume) {
      const w = yield* Warehouse
      const prior = yield* w.query<{ node: string; status: string }>(
        "select node, status from node_runs where run_id = $1",
        [req.resume]
      )
      // A run with nothing left to do (a resume of a finished run) has no node rows but is still a run.
      if (prior.length === 0 && (yield* w.query("select 1 from runs where run_id = $1", [req.resume])).length === 0)
        return yield* Effect.fail(
          new Fatal({ reason: "Config", message: `no run ${req.resume} in the ledger (see: jobsignal runs)` })
        )
      for (const p of prior) if (ok(p.status)) committed.set(p.node, req.resume)
      const selected = new Set(prior.filter((p) => !ok(p.status) && p.node in nodes).map((p) => p.node))
      return { selected, committedRun }
    }
    if (req.backfill) {
      const role = roleOf(nodes[req.backfill.node])
      if (role?.role !== "source")
        return yield* Effect.fail(
          new Fatal({
            reason: "Config",
            message: `backfill takes a source node; ${req.backfill.node} is a ${role?.role}`
          })
        )
      return { selected: downstreamOf(nodes, req.backfill.node), committedRun }
    }
    if (req.only && req.only.length > 0) {
      const selected = new Set<string>()
      const add = (n: string): Effect.Effect<void, never, Warehouse> =>
        Effect.gen(function* () {
          if (selected.has(n)) return
          selected.add(n)
          for (const m of nodes[n].needs ?? []) {
            if (selected.has(m)) continue
            // A need with committed output is read as it is; one without any must run first.
            if ((yield* committedRun(m).pipe(Effect.orDie)) === undefined) yield* add(m)
          }
        })
      for (const n of req.only) yield* add(n)
      return { selected, committedRun }
    }
    return { selected: new Set(Object.keys(nodes)), committedRun }
  })

/**
 * One DAG run: nodes start as soon as their needs have committed, independent branches run
 * concurrently (bounded), a failed node skips its downstream, and every outcome lands in the ledger.
 */
export const runDag = (req: RunRequest) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    yield* markCrashedRuns
    const started = Date.now()
    const nodes = enabledNodes(req.dag.spec)
    const { selected, committedRun } = yield* selectNodes(req)
    const order = levels(nodes, selected).flat()
    const runId = `${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "")}-${randomUUID().slice(0, 6)}`
    const mode: NodeContext["mode"] = req.resume ? "resume" : req.backfill ? "backfill" : "run"
    const window = req.backfill ? { since: req.backfill.since, until: req.backfill.until } : {}

    if (req.dryRun) {
      const results: NodeResult[] = order.map((n) => ({
        node: n,
        kind: roleOf(nodes[n])!.kind,
        status: "planned",
        rowsIn: 0,
        rowsOut: 0,
        ms: 0
      }))
      return { runId: "(dry run)", status: "planned", nodes: results, ms: 0 } satisfies RunSummary
    }

    // Bad config found now, not after the sources and dedupe have run.
    const effectiveOptions = (n: string) => ({
      ...(nodes[n].with ?? {}),
      ...(roleOf(nodes[n])!.role === "source" ? req.sourceOverrides?.(roleOf(nodes[n])!.kind) : undefined)
    })
    const checked = preflight(req.dag, { nodes: order, options: effectiveOptions })
    if (checked.problems.length > 0)
      return yield* Effect.fail(
        new Fatal({
          reason: "Config",
          message:
            `${req.dag.path}: ${checked.problems.length} problem${checked.problems.length === 1 ? "" : "s"} before the run:\n` +
            checked.problems.map((p) => "  " + formatProblem(p, req.dag.path)).join("\n")
        })
      )
    for (const p of checked.notices) req.events.emit({ type: "info", message: formatProblem(p, req.dag.path) })

    // Units of a resumed run keep the first run's ids in the queue: the ones that finished are read back, not refetched.
    const executor = yield* executorOf(req.dag.spec, { id: req.resume ?? runId, fresh: !req.resume }, (raw) => {
      const url = expandEnv(raw)
      return typeof url === "string" && url !== "" ? Redacted.make(url) : undefined
    })

    yield* w.exec(
      "insert into runs (run_id, started_at, status, mode, dag_path, dag_hash, args, resumed_from, pid) values ($1, now(), 'running', $2, $3, $4, $5, $6, $7)",
      [
        runId,
        mode,
        req.dag.path,
        req.dag.hash,
        JSON.stringify({ only: req.only ?? null, backfill: req.backfill ?? null }),
        req.resume ?? null,
        process.pid
      ]
    )
    // Whatever ends the run (an interrupt, a defect, the ledger failing), the run and its open nodes get a
    // status: a `running` row left by a live process (the scheduler) would never be marked crashed.
    const closeLedger = (status: "failed" | "interrupted") =>
      Effect.gen(function* () {
        yield* w.exec(
          `update node_runs set status = $2, ended_at = now() where run_id = $1 and status in ('running', 'pending')`,
          [runId, status]
        )
        yield* w.exec(
          "update runs set status = $2, ended_at = coalesce(ended_at, now()) where run_id = $1 and status = 'running'",
          [runId, status]
        )
      }).pipe(Effect.ignore)
    const closeOnExit = <A, E, R>(e: Effect.Effect<A, E, R>) =>
      Effect.onExit(e, (exit) =>
        Exit.isSuccess(exit) ? Effect.void : closeLedger(Exit.isInterrupted(exit) ? "interrupted" : "failed")
      )
    yield* closeOnExit(
      Effect.forEach(
        order,
        (n) =>
          w.exec("insert into node_runs (run_id, node, kind, status, details) values ($1, $2, $3, 'pending', $4)", [
            runId,
            n,
            roleOf(nodes[n])!.kind,
            JSON.stringify({ role: roleOf(nodes[n])!.role })
          ]),
        { discard: true }
      )
    )
    req.events.emit({ type: "run_started", runId, nodes: order, mode })

    const results = new Map<string, NodeResult>()
    const selfSkipped = new Set<string>()
    const finished = new Map<string, Deferred.Deferred<NodeResult["status"]>>()
    for (const n of order) finished.set(n, yield* Deferred.make<NodeResult["status"]>())
    const gate = yield* Effect.makeSemaphore(req.dag.spec.defaults?.max_parallel_nodes ?? 4)

    const finish = (node: string, kind: string, r: Omit<NodeResult, "node" | "kind">) =>
      Effect.gen(function* () {
        const result: NodeResult = { node, kind, ...r }
        results.set(node, result)
        yield* w.exec(
          "update node_runs set status = $3, ended_at = now(), error_message = $4, started_at = coalesce(started_at, now()) where run_id = $1 and node = $2",
          [runId, node, r.status, r.error ?? null]
        )
        req.events.emit({
          type: "node_finished",
          node,
          status: r.status,
          rowsIn: r.rowsIn,
          rowsOut: r.rowsOut,
          ms: r.ms,
          error: r.error,
          notes: r.notes
        })
        yield* Deferred.succeed(finished.get(node)!, r.status)
      })

    const runNode = (node: string) =>
      Effect.gen(function* () {
        const spec = nodes[node]
        const { role, kind } = roleOf(spec)!
        // loadDag is handed NodeKinds (app/kinds.ts); LoadedDag types them by what the loader reads.
        const nodeKind = findKind(req.dag.kinds, role, kind) as NodeKind
        const needs = spec.needs ?? []
        // Wait for the needs that run now; the others stand on committed output.
        const inputs: NodeInput[] = []
        for (const m of needs) {
          const mr = roleOf(nodes[m] ?? {})
          if (selected.has(m)) {
            const st = yield* Deferred.await(finished.get(m)!)
            if (!ok(st) && !selfSkipped.has(m))
              return yield* finish(node, kind, {
                status: "skipped",
                rowsIn: 0,
                rowsOut: 0,
                ms: 0,
                error: `upstream ${m} ${st}`
              })
            inputs.push({ node: m, role: mr!.role, kind: mr!.kind, runId })
          } else {
            const prior = yield* committedRun(m)
            if (!prior)
              return yield* finish(node, kind, {
                status: "skipped",
                rowsIn: 0,
                rowsOut: 0,
                ms: 0,
                error: `needs ${m}, which has no committed output yet: run it first`
              })
            inputs.push({ node: m, role: mr!.role, kind: mr!.kind, runId: prior })
          }
        }
        return yield* gate.withPermits(1)(
          Effect.gen(function* () {
            const t0 = Date.now()
            const raw = expandEnv(effectiveOptions(node))
            const opts = yield* Schema.decodeUnknown(nodeKind.options)(raw).pipe(
              // Each wrong field by its path, never the schema dump nor a value (a Redacted option's may be a secret).
              Effect.mapError(
                (e) =>
                  new Fatal({
                    reason: "Config",
                    message: schemaProblems(e, ["nodes", node, "with"], () => undefined)
                      .map((p) => `${p.path}: ${p.message}`)
                      .join("; ")
                  })
              )
            )
            const timeoutMs = parseDuration(spec.timeout ?? req.dag.spec.defaults?.timeout ?? "30m")!
            const ctx: NodeContext = {
              runId,
              node,
              spec,
              dag: req.dag,
              mode,
              ...(req.scheduled ? { scheduled: true } : {}),
              window,
              ...(req.asOf ? { asOf: req.asOf } : {}),
              inputs,
              cursor: yield* readCursor(node),
              events: req.events,
              timeoutMs: nodeKind.ownsTimeout ? timeoutMs : undefined,
              ...(executor ? { remote: { executor, options: effectiveOptions(node) } } : {})
            }
            let attempt = 0
            const once = Effect.suspend(() => {
              attempt++
              req.events.emit({ type: "node_started", node, attempt })
              return w
                .exec(
                  "update node_runs set status = 'running', started_at = coalesce(started_at, now()), attempts = $3 where run_id = $1 and node = $2",
                  [runId, node, attempt]
                )
                .pipe(Effect.zipRight(Effect.scoped(nodeKind.run(opts, ctx))))
            })
            const hardTimeoutMs = nodeKind.ownsTimeout ? timeoutMs + OWN_TIMEOUT_GRACE_MS : timeoutMs
            const exit = yield* withRetry(
              once.pipe(
                Effect.timeoutFail({
                  duration: Duration.millis(hardTimeoutMs),
                  onTimeout: () =>
                    new Retriable({
                      reason: "Timeout",
                      message: `${node} did not finish within ${spec.timeout ?? "30m"}`
                    })
                })
              ),
              retryPolicy(req.dag, spec),
              (e, n, delayMs) => req.events.emit({ type: "node_retry", node, attempt: n, delayMs, error: describe(e) })
            ).pipe(Effect.exit)
            const ms = Date.now() - t0
            if (Exit.isSuccess(exit)) {
              const out: NodeOutcome = exit.value
              if (out.skipped) selfSkipped.add(node)
              const status = out.skipped ? "skipped" : out.partial ? "partial" : "success"
              yield* w.transaction((tx) =>
                Effect.gen(function* () {
                  yield* tx.exec(
                    "update node_runs set rows_in = $3, rows_out = $4, details = $5 where run_id = $1 and node = $2",
                    [
                      runId,
                      node,
                      out.rowsIn,
                      out.rowsOut,
                      JSON.stringify({ role, ...(out.details ?? {}), notes: out.notes ?? [] })
                    ]
                  )
                  // The cursor moves only with committed output, and only forwards.
                  if (out.cursor)
                    yield* tx.exec(
                      `insert into cursors (node, value, run_id, updated_at) values ($1, $2, $3, now())
                     on conflict (node) do update set value = excluded.value, run_id = excluded.run_id, updated_at = excluded.updated_at
                     where excluded.value::timestamptz > cursors.value::timestamptz`,
                      [node, out.cursor, runId]
                    )
                })
              )
              // Committed: a resume will not run this node again, so the executor's copies of its units and tasks
              // (a source's boards, an LLM node's calls, search pages) can go; a node that put none has none to release.
              if (executor) yield* executor.release(node)
              for (const note of out.notes ?? []) req.events.emit({ type: "info", node, message: note })
              return yield* finish(node, kind, {
                status,
                rowsIn: out.rowsIn,
                rowsOut: out.rowsOut,
                ms,
                ...(out.skipped ? { error: out.skipped } : {}),
                notes: out.notes
              })
            }
            const cause = exit.cause
            const interrupted =
              cause._tag === "Interrupt" ||
              (cause._tag !== "Fail" && cause._tag !== "Die" && String(cause).includes("Interrupt"))
            const err = cause._tag === "Fail" ? cause.error : cause._tag === "Die" ? cause.defect : cause
            const tag =
              err && typeof err === "object" && "_tag" in err ? String((err as { _tag: unknown })._tag) : "Defect"
            yield* w.exec("update node_runs set error_tag = $3 where run_id = $1 and node = $2", [runId, node, tag])
            return yield* finish(node, kind, {
              status: interrupted ? "interrupted" : "failed",
              rowsIn: 0,
              rowsOut: 0,
              ms,
              error: describe(err)
            })
          })
        )
      }).pipe(
        // Any failure or defect outside the node's own program (the ledger, a describe, a missing kind) still
        // ends the node with a status and releases its downstream; only an interrupt passes through.
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.failCause(cause)
            : results.has(node)
              ? Deferred.succeed(finished.get(node)!, "failed") // its ledger row failed to update: release the downstream anyway
              : finish(node, roleOf(nodes[node])!.kind, {
                  status: "failed",
                  rowsIn: 0,
                  rowsOut: 0,
                  ms: 0,
                  error: describe(Cause.squash(cause))
                }).pipe(Effect.orDie)
        )
      )

    const markInterrupted = Effect.gen(function* () {
      yield* w.exec(
        "update node_runs set status = 'interrupted', ended_at = now() where run_id = $1 and status in ('running', 'pending')",
        [runId]
      )
      yield* w.exec("update runs set status = 'interrupted', ended_at = now() where run_id = $1", [runId])
    }).pipe(Effect.orDie)

    const list = yield* Effect.forEach(order, runNode, { concurrency: "unbounded", discard: true }).pipe(
      Effect.onInterrupt(() => markInterrupted),
      Effect.map(() => order.map((n) => results.get(n)!)),
      Effect.tap((list) =>
        w.exec("update runs set status = $2, ended_at = now() where run_id = $1", [runId, runStatus(list, selfSkipped)])
      ),
      closeOnExit,
      Effect.ensuring(executor?.close ?? Effect.void)
    )
    const status = runStatus(list, selfSkipped)
    const reason = status === "skipped" ? skipReason(list) : undefined
    const ms = Date.now() - started
    req.events.emit({ type: "run_finished", runId, status, ms, ...(reason ? { reason } : {}) })
    return { runId, status, ...(reason ? { reason } : {}), nodes: list, ms } satisfies RunSummary
  })
