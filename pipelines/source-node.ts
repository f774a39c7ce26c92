import { Chunk, Effect, Fiber, Option, Queue, Ref, Stream } from "effect"
import { toJsonLine, Warehouse, type WarehouseError, type WarehouseService } from "../sinks/warehouse.ts"
import { availableParallelism } from "node:os"
import { countRequests, Http, requestPolicy, sourcePolicy } from "../sources/http.ts"
import { isRecordArray, type Source, type SourceContext, type SourceUnit } from "../sources/source.ts"
import { describe, Fatal, Skippable, type SourceError } from "./errors.ts"
import type { NodeContext, NodeKind, NodeOutcome } from "./node.ts"
import { loadTargets, type Target } from "../targets/universe.ts"

const ENGINE_COLUMNS: Record<string, string> = {
  run_id: "VARCHAR NOT NULL",
  node: "VARCHAR NOT NULL",
  unit: "VARCHAR",
  record_key: "VARCHAR NOT NULL",
  fetched_at: "TIMESTAMPTZ NOT NULL"
}

export const stagingDdl = (src: Pick<Source, "output">) => {
  const cols = { ...ENGINE_COLUMNS, ...src.output.columns }
  return `create table if not exists "${src.output.table}" (${Object.entries(cols).map(([c, t]) => `"${c}" ${t}`).join(", ")})`
}

const BATCH = 100

/**
 * While any source node fetches, DuckDB runs on all cores but one. Staging inserts are small and
 * frequent; on every core they preempt the event loop that drives the fetches, and each response
 * waits (bench/ats-throughput on 2 cores: ratio 0.79 with 2 DuckDB threads, 0.83 with 1). The
 * analytical nodes that follow get every core back.
 */
const fetching = new WeakMap<WarehouseService, number>()
const leaveACoreForFetching = (w: WarehouseService) => {
  const cores = availableParallelism()
  if (cores < 2) return Effect.void
  return Effect.acquireRelease(
    Effect.suspend(() => {
      const n = (fetching.get(w) ?? 0) + 1
      fetching.set(w, n)
      return n === 1 ? w.exec(`set threads = ${cores - 1}`) : Effect.void
    }),
    () =>
      Effect.suspend(() => {
        const n = (fetching.get(w) ?? 1) - 1
        fetching.set(w, n)
        return n === 0 ? w.exec("reset threads").pipe(Effect.ignore) : Effect.void
      })
  )
}

/**
 * Runs a stream chunk by chunk until `f` answers false. Pulling by hand costs a third less per
 * run than the Stream.run* sinks, which counts when a unit is one small board.
 */
const forEachChunkWhile = <A, E, R, E2>(stream: Stream.Stream<A, E, R>, f: (chunk: Chunk.Chunk<A>) => Effect.Effect<boolean, E2>) =>
  Effect.scoped(
    Effect.flatMap(Stream.toPull(stream), (pull) => {
      const loop = (): Effect.Effect<void, E | E2, R> =>
        pull.pipe(
          Effect.matchEffect({
            onFailure: (e) => (Option.isNone(e) ? Effect.void : Effect.fail(e.value)),
            onSuccess: (chunk) => Effect.flatMap(f(chunk), (more) => (more ? loop() : Effect.void))
          })
        )
      return loop()
    })
  )

const inWindow = (value: string | null | undefined, w: NodeContext["window"]) => {
  if (!value || (!w.since && !w.until)) return true
  const t = Date.parse(value)
  if (Number.isNaN(t)) return true
  return (!w.since || t >= Date.parse(w.since)) && (!w.until || t < Date.parse(w.until) + 86_400_000)
}

const maxIso = (a: string | null, b: string | null | undefined) =>
  !b ? a : !a ? b : Date.parse(b) > Date.parse(a) ? b : a

/**
 * Turns a source connector into a DAG node: fans its units out (bounded), stages records in
 * batches tagged with the run, counts every skipped record and failed unit, and proposes a cursor.
 */
export const sourceNode = (src: Source): NodeKind => ({
  role: "source",
  kind: src.kind,
  description: src.description,
  options: src.options,
  run: (opts: Record<string, any>, ctx) =>
    Effect.gen(function* () {
      const w = yield* Warehouse
      const baseUrl = String(opts.base_url ?? src.defaultBaseUrl).replace(/\/+$/, "")
      const limits = {
        concurrency: opts.concurrency ?? src.hostLimits?.concurrency ?? 8,
        perSecond: opts.per_second ?? src.hostLimits?.perSecond
      }
      // Limits, body caps and the Retry-After cap go with every request of this node, to whichever host it reaches.
      yield* Effect.locallyScoped(requestPolicy, sourcePolicy(src, opts))
      yield* leaveACoreForFetching(w)
      yield* w.exec(stagingDdl(src))
      // A retried or resumed node starts its staging afresh: no row is counted twice.
      yield* w.exec(`delete from "${src.output.table}" where run_id = $1 and node = $2`, [ctx.runId, ctx.node])

      const now = new Date().toISOString()
      let universe: ReadonlyArray<Target> | undefined
      const skipped = yield* Ref.make(0)
      const errorRows: Array<Record<string, unknown>> = []
      const record = (unit: string | undefined, e: SourceError) =>
        Effect.sync(() => {
          errorRows.push({ run_id: ctx.runId, node: ctx.node, unit: unit ?? null, error_tag: e._tag, reason: e.reason, message: e.message, occurred_at: new Date().toISOString() })
          ctx.events.emit({ type: "warning", node: ctx.node, message: e.message })
        })
      const sctx: SourceContext = {
        node: ctx.node,
        runId: ctx.runId,
        baseUrl,
        window: ctx.window,
        cursor: ctx.cursor,
        skip: (e: Skippable) => Ref.update(skipped, (n) => n + 1).pipe(Effect.zipRight(record(e.unit, e))),
        log: (message) => Effect.sync(() => ctx.events.emit({ type: "info", node: ctx.node, message })),
        targets: () => (universe ??= loadTargets(ctx.dag.resolvePath(ctx.dag.spec.targets ?? "targets/companies.yaml")))
      }

      const units = yield* src.units(opts, sctx)
      let remaining: number = opts.max_records ?? Number.POSITIVE_INFINITY
      let rows = 0
      let outOfWindow = 0
      let cursor: string | null = null
      let done = 0
      const failed: Array<{ unit: string; error: SourceError }> = []
      const perUnit: Record<string, number> = {}

      // Staged rows are serialized as units end (spreading that cost) and inserted in batches by one
      // writer fiber, so a unit never waits for the warehouse: an insert per unit, or a unit blocked
      // on a batch insert, leaves fetch slots idle (bench/ats-throughput). The queue is unbounded:
      // inserting is faster than fetching, so it holds at most a batch or two.
      const batches = yield* Queue.unbounded<ReadonlyArray<string> | null>()
      const insert = w.lineInserter(src.output.table, [...Object.keys(ENGINE_COLUMNS), ...Object.keys(src.output.columns)])
      const writer = yield* Effect.fork(Effect.suspend(function drain(): Effect.Effect<void, WarehouseError> {
        // Whatever queued up while the last insert ran goes in one insert: batches grow when the warehouse is slow.
        return Effect.flatMap(Queue.takeBetween(batches, 1, Number.MAX_SAFE_INTEGER), (chunk) => {
          const queued = Chunk.toReadonlyArray(chunk)
          const lines = queued.flatMap((b) => b ?? [])
          return queued.includes(null) ? Effect.asVoid(insert(lines)) : Effect.zipRight(insert(lines), drain())
        })
      }))
      let pending: Array<string> = []
      const flush = () => {
        if (pending.length > 0) Queue.unsafeOffer(batches, pending)
        pending = []
      }

      // A unit's records reach `pending` in groups of up to BATCH, and only once the unit has
      // ended or a group is full: a unit that fails midway stages none of its last group.
      const stage = (unit: SourceUnit, group: ReadonlyArray<unknown>) => {
        if (group.length === 0) return
        for (const r of group) {
          cursor = maxIso(cursor, src.output.cursorValue?.(r))
          const row = { run_id: ctx.runId, node: ctx.node, unit: unit.key, record_key: src.output.key(r), fetched_at: now, ...src.output.toRow(r) }
          pending.push(toJsonLine(row))
        }
        rows += group.length
        perUnit[unit.key] = (perUnit[unit.key] ?? 0) + group.length
        if (pending.length >= BATCH) flush()
      }

      const runUnit = (unit: SourceUnit) => {
        let group: Array<unknown> = []
        // Moves records into the unit's group while max_records allows, staging each full group.
        const take = (records: Iterable<unknown>) => {
          for (const r of records) {
            if (remaining <= 0) break
            if (!inWindow((src.output.timeValue ?? src.output.cursorValue)?.(r), ctx.window)) {
              outOfWindow++
              continue
            }
            remaining--
            group.push(r)
            if (group.length >= BATCH) {
              stage(unit, group)
              group = []
            }
          }
        }
        const uctx: SourceContext = { ...sctx, skip: (e: Skippable) => Ref.update(skipped, (n) => n + 1).pipe(Effect.zipRight(record(unit.key, e))) }
        const out = src.fetch(unit, opts, uctx)
        const consume = (stream: Stream.Stream<unknown, SourceError, Http>) =>
          forEachChunkWhile(stream, (chunk) => Effect.sync(() => {
            take(chunk)
            return remaining > 0
          }))
        const drained: Effect.Effect<void, SourceError, Http> = Effect.isEffect(out)
          ? Effect.flatMap(out, (r) => (isRecordArray(r) ? Effect.sync(() => take(r)) : consume(r)))
          : consume(out)
        const progress = () => {
          done++
          ctx.events.emit({ type: "node_progress", node: ctx.node, done, total: units.length, rows })
        }
        // One match rather than stage-then-catch-then-ensure: three steps per unit showed in the fan-out profile.
        return Effect.matchEffect(drained, {
          onSuccess: () => Effect.sync(() => {
            stage(unit, group)
            progress()
          }),
          onFailure: (e) => {
            if (e._tag === "Fatal") return Effect.fail(e)
            failed.push({ unit: unit.key, error: e })
            return Effect.zipRight(record(unit.key, e), Effect.sync(progress))
          }
        })
      }

      const fetchAll = countRequests(Effect.forEach(units, runUnit, { concurrency: limits.concurrency, discard: true }))
      // The writer ends only by failing until it is told to stop: a warehouse error stops the fetching at once.
      const [, requests] = yield* Effect.raceFirst(fetchAll, Effect.zipRight(Fiber.join(writer), Effect.never))
      flush()
      Queue.unsafeOffer(batches, null)
      yield* Fiber.join(writer)
      if (errorRows.length > 0) yield* w.insertRows("source_errors", errorRows)

      if (units.length > 0 && failed.length === units.length) {
        const first = failed[0].error
        return yield* Effect.fail(
          first._tag === "Retriable"
            ? first
            : new Skippable({ reason: first._tag === "Skippable" ? first.reason : "Exhausted", message: `every unit of ${ctx.node} failed (${failed.length}); first: ${describe(first)}` })
        )
      }
      const skippedCount = yield* Ref.get(skipped)
      const outcome: NodeOutcome = {
        rowsIn: rows + skippedCount,
        rowsOut: rows,
        cursor,
        partial: failed.length > 0 || skippedCount > 0,
        details: {
          units: units.length,
          failed_units: failed.map((f) => ({ unit: f.unit, error: describe(f.error) })),
          skipped_records: skippedCount,
          out_of_window: outOfWindow,
          rows_per_unit: perUnit,
          requests
        }
      }
      return outcome
    }).pipe(
      Effect.catchAllDefect((d) => Effect.fail(new Fatal({ reason: "Internal", message: `${ctx.node}: ${d instanceof Error ? d.stack ?? d.message : String(d)}` })))
    )
})
