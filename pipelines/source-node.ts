import { Chunk, Effect, Option, Ref, Stream } from "effect"
import { Warehouse, type WarehouseError } from "../sinks/warehouse.ts"
import { countRequests, Http } from "../sources/http.ts"
import type { Source, SourceContext, SourceUnit } from "../sources/source.ts"
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

const BATCH = 500

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
      const http = yield* Http
      const baseUrl = String(opts.base_url ?? src.defaultBaseUrl).replace(/\/+$/, "")
      const limits = {
        concurrency: opts.concurrency ?? src.hostLimits?.concurrency ?? 8,
        perSecond: opts.per_second ?? src.hostLimits?.perSecond
      }
      http.setHostLimits(new URL(baseUrl).host, limits)
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

      // Rows of many small units (a board of 3 jobs) share one insert: an insert per unit
      // serializes the fan-out on the warehouse lock (bench/ats-throughput: 12 → 22 boards/s, same loaded host).
      let pending: Array<Record<string, unknown>> = []
      const flush = Effect.suspend(() => {
        if (pending.length === 0) return Effect.void
        const batch = pending
        pending = []
        if (process.env.NOINS) return Effect.void
        return Effect.asVoid(w.insertRows(src.output.table, batch))
      })

      // A unit's records reach `pending` in groups of up to BATCH, and only once the unit has
      // ended or a group is full: a unit that fails midway stages none of its last group.
      const stage = (unit: SourceUnit, group: ReadonlyArray<unknown>) =>
        Effect.suspend(() => {
          if (group.length === 0) return Effect.void
          for (const r of group) {
            cursor = maxIso(cursor, src.output.cursorValue?.(r))
            pending.push({ run_id: ctx.runId, node: ctx.node, unit: unit.key, record_key: src.output.key(r), fetched_at: now, ...src.output.toRow(r) })
          }
          rows += group.length
          perUnit[unit.key] = (perUnit[unit.key] ?? 0) + group.length
          return pending.length >= BATCH ? flush : Effect.void
        })

      const runUnit = (unit: SourceUnit) => {
        let group: Array<unknown> = []
        // Moves records into the unit's group while max_records allows, staging each full group.
        const take = (records: ReadonlyArray<unknown>, from: number): Effect.Effect<void, WarehouseError> => {
          let i = from
          for (; i < records.length && remaining > 0 && group.length < BATCH; i++) {
            const r = records[i]
            if (!inWindow((src.output.timeValue ?? src.output.cursorValue)?.(r), ctx.window)) outOfWindow++
            else {
              remaining--
              group.push(r)
            }
          }
          if (group.length < BATCH) return Effect.void
          const full = group
          group = []
          return Effect.zipRight(stage(unit, full), Effect.suspend(() => take(records, i)))
        }
        const uctx: SourceContext = { ...sctx, skip: (e: Skippable) => Ref.update(skipped, (n) => n + 1).pipe(Effect.zipRight(record(unit.key, e))) }
        const out = src.fetch(unit, opts, uctx)
        const drained: Effect.Effect<void, SourceError | WarehouseError, Http> = Effect.isEffect(out)
          ? Effect.flatMap(out, (records) => take(records, 0))
          : forEachChunkWhile(out, (chunk) => Effect.as(take(Chunk.toReadonlyArray(chunk), 0), remaining > 0))
        return drained.pipe(
          Effect.zipRight(Effect.suspend(() => stage(unit, group))),
          Effect.catchAll((e) =>
            e._tag === "WarehouseError" || e._tag === "Fatal"
              ? Effect.fail(e)
              : Effect.sync(() => failed.push({ unit: unit.key, error: e })).pipe(Effect.zipRight(record(unit.key, e)))
          ),
          Effect.ensuring(Effect.sync(() => {
            done++
            ctx.events.emit({ type: "node_progress", node: ctx.node, done, total: units.length, rows })
          }))
        )
      }

      const [, requests] = yield* countRequests(Effect.forEach(units, runUnit, { concurrency: limits.concurrency, discard: true }))
      yield* flush
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
