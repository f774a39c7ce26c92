import { Cause, Chunk, Effect, Fiber, Option, Queue, Stream } from "effect"
import {
  toJsonLine,
  UnserializableRow,
  Warehouse,
  type WarehouseError,
  type WarehouseService
} from "../sinks/warehouse.ts"
import { columnNames, createTableSql, missingColumns, type TableRow } from "../sinks/table.ts"
import { sourceErrors } from "../sinks/source-errors.ts"
import { deadBoards } from "../sinks/board-checks.ts"
import { availableParallelism } from "node:os"
import { countRequests, DEFAULT_HOST_CONCURRENCY, type Http, requestPolicy, sourcePolicy } from "../sources/http.ts"
import { isRecordArray, type Source, type SourceContext, type SourceUnit, type TargetsHook } from "../sources/source.ts"
import { describe, Fatal, Retriable, Skippable, type SourceError } from "../core/errors.ts"
import type { NodeContext, NodeKind, NodeOutcome } from "./node.ts"
import { type HostGroup, unitOutcome } from "./executor.ts"
import { hostOf, pageSender } from "./page-task.ts"
import type { Target } from "../sources/source.ts"
import { sourceNodeDeclaration, UniverseOption } from "./source-kind.ts"

/** The DDL of a source's staging table, from its declaration (the same its migration runs). */
export const stagingDdl = (src: Pick<Source, "output">) => createTableSql(src.output.table)

const BATCH = 100
/** Units a node keeps on an executor's queue at once. */
const REMOTE_IN_FLIGHT = 1_000

/** Units of a node in flight at once unless `with.concurrency` says otherwise (bench/universe-fanout). */
const MIN_FANOUT_SLOTS = 16

/** At most `n` characters of a message: text from a hostile response must not fill the ledger. */
const clip = (s: string, n = 4000) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s)

/** A defect or thrown value as a short line, never formatting the value itself (it may be 100k levels deep). */
const safeMessage = (e: unknown): string => {
  if (e instanceof Error) return clip(`${e.name}: ${e.message}`, 300)
  if (typeof e === "string") return clip(e, 300)
  return Array.isArray(e) ? "a thrown array" : typeof e
}

/**
 * The staging table must hold every column the source declares: a table created by a migration
 * that lacks one would have the insert drop that column's data. Checked before any request is made.
 */
const checkStagingColumns = (w: WarehouseService, src: Pick<Source, "kind" | "output">, node: string) =>
  Effect.flatMap(
    w.query<{ column_name: string }>("select column_name from information_schema.columns where table_name = $1", [
      src.output.table.name
    ]),
    (have) => {
      const missing = missingColumns(
        src.output.table,
        have.map((c) => c.column_name)
      )
      return missing.length === 0
        ? Effect.void
        : Effect.fail(
            new Fatal({
              reason: "Config",
              message: `${node} (source: ${src.kind}): staging table ${src.output.table.name} has no column ${missing.map((c) => `"${c}"`).join(", ")}: add a migration that creates it`
            })
          )
    }
  )

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
const forEachChunkWhile = <A, E, R, E2>(
  stream: Stream.Stream<A, E, R>,
  f: (chunk: Chunk.Chunk<A>) => Effect.Effect<boolean, E2>
) =>
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

export { UniverseOption }

const noTargets: TargetsHook = () => ({
  targets: () => {
    throw new Error("no target universe is wired into this node kind (app/kinds.ts passes one)")
  }
})

/**
 * Turns a source connector into a DAG node: fans its units out (bounded), stages records in
 * batches tagged with the run, counts every skipped record and failed unit, and proposes a cursor.
 */
export const sourceNode = (src: Source, targetsOf: TargetsHook = noTargets): NodeKind => ({
  ...sourceNodeDeclaration(src),
  run: (opts: Record<string, any>, ctx) =>
    Effect.gen(function* () {
      const w = yield* Warehouse
      const baseUrl = String(opts.base_url ?? src.defaultBaseUrl).replace(/\/+$/, "")
      // Fan-out slots, not politeness (the Http gate holds each host to its limit): more slots than one host allows,
      // so a board waiting out a Retry-After does not leave its host a request short, and a source whose boards
      // are hosts of their own (Workday tenants, BambooHR sites) works several hosts at once.
      const limits = {
        concurrency: opts.concurrency ?? Math.max(src.hostLimits?.concurrency ?? 8, MIN_FANOUT_SLOTS)
      }
      // Limits, body caps and the Retry-After cap go with every request of this node, to whichever host it reaches.
      yield* Effect.locallyScoped(requestPolicy, sourcePolicy(src, opts))
      yield* leaveACoreForFetching(w)
      // Its migration made it; a connector registered without one (a test's) still gets its table.
      yield* w.exec(stagingDdl(src))
      yield* checkStagingColumns(w, src, ctx.node)
      // A retried or resumed node starts its staging afresh: no row is counted twice.
      yield* w.exec(`delete from "${src.output.table.name}" where run_id = $1 and node = $2`, [ctx.runId, ctx.node])

      const now = new Date().toISOString()
      const targets = targetsOf(ctx.dag, opts)
      let focus: ReadonlyArray<Target> | undefined
      let skipped = 0
      let repaired = 0
      const errorRows: Array<TableRow<typeof sourceErrors>> = []
      // Messages can carry text from a hostile response: kept to a length a log line and the ledger can hold.
      const recordNow = (unit: string | undefined, e: SourceError) => {
        const message = clip(e.message)
        errorRows.push({
          run_id: ctx.runId,
          node: ctx.node,
          unit: unit ?? null,
          error_tag: e._tag,
          reason: e.reason,
          message,
          occurred_at: new Date().toISOString()
        })
        ctx.events.emit({ type: "warning", node: ctx.node, message })
      }
      const record = (unit: string | undefined, e: SourceError) => Effect.sync(() => recordNow(unit, e))
      const skipNow = (unit: string | undefined, e: Skippable) => {
        skipped++
        recordNow(unit, e)
      }
      let cannotRun: string | undefined
      // Requests made elsewhere (units, or pages sent to a worker), counted as if made here.
      let remoteRequests = 0
      // Units that share state run here; on an executor their requests (search pages) can still go to workers.
      const sendElsewhere =
        ctx.remote && src.unitsShareState
          ? pageSender(
              ctx.remote.executor,
              ctx.node,
              src.kind,
              {
                concurrency: opts.concurrency,
                per_second: opts.per_second,
                max_body_mb: opts.max_body_mb,
                max_decoded_mb: opts.max_decoded_mb,
                max_retry_after_s: opts.max_retry_after_s
              },
              (n) => {
                remoteRequests += n
              }
            )
          : undefined
      const sctx: SourceContext = {
        node: ctx.node,
        runId: ctx.runId,
        baseUrl,
        window: ctx.window,
        ...(ctx.asOf ? { asOf: ctx.asOf } : {}),
        cursor: ctx.cursor,
        skip: (e: Skippable) => Effect.sync(() => skipNow(e.unit, e)),
        log: (message) => Effect.sync(() => ctx.events.emit({ type: "info", node: ctx.node, message })),
        cannotRun: (reason) =>
          Effect.sync(() => {
            cannotRun = reason
            ctx.events.emit({ type: "info", node: ctx.node, message: `${ctx.node}: skipped: ${reason}` })
          }),
        targets: () => (focus ??= targets.targets()),
        ...(targets.companyOf ? { companyOf: targets.companyOf } : {}),
        profilePath: ctx.dag.resolvePath(ctx.dag.spec.profile ?? "profile.yaml"),
        ...(sendElsewhere ? { sendElsewhere } : {})
      }

      const listed = yield* src.units(opts, sctx)
      // Boards `jobsignal targets check` recorded dead are not fetched until a check finds them again.
      const dead = src.ats ? yield* deadBoards(w, src.kind) : new Set<string>()
      const units = dead.size === 0 ? listed : listed.filter((u) => !dead.has(u.key))
      if (units.length < listed.length)
        ctx.events.emit({
          type: "info",
          node: ctx.node,
          message: `${listed.length - units.length} board(s) left out: recorded dead by jobsignal targets check (board_checks); a new check brings them back`
        })
      let remaining: number = opts.max_records ?? Number.POSITIVE_INFINITY
      let rows = 0
      let outOfWindow = 0
      let cursor: string | null = null
      let done = 0
      // Units that ended (staged or failed); at a node timeout the others are the ones that did not finish.
      const ended = new Set<string>()
      const failed: Array<{ unit: string; error: SourceError }> = []
      const perUnit: Record<string, number> = {}

      // Staged rows are serialized as units end (spreading that cost) and inserted in batches by one
      // writer fiber, so a unit never waits for the warehouse: an insert per unit, or a unit blocked
      // on a batch insert, leaves fetch slots idle (bench/ats-throughput). The queue is unbounded:
      // inserting is faster than fetching, so it holds at most a batch or two.
      const batches = yield* Queue.unbounded<ReadonlyArray<string> | null>()
      const insert = w.lineInserter(src.output.table.name, columnNames(src.output.table))
      const writer = yield* Effect.fork(
        Effect.suspend(function drain(): Effect.Effect<void, WarehouseError> {
          // Whatever queued up while the last insert ran goes in one insert: batches grow when the warehouse is slow.
          return Effect.flatMap(Queue.takeBetween(batches, 1, Number.MAX_SAFE_INTEGER), (chunk) => {
            const queued = Chunk.toReadonlyArray(chunk)
            const lines = queued.flatMap((b) => b ?? [])
            return queued.includes(null) ? Effect.asVoid(insert(lines)) : Effect.zipRight(insert(lines), drain())
          })
        })
      )
      let pending: Array<string> = []
      const flush = () => {
        if (pending.length > 0) Queue.unsafeOffer(batches, pending)
        pending = []
      }

      // A unit's records reach `pending` in groups of up to BATCH, and only once the unit has
      // ended or a group is full: a unit that fails midway stages none of its last group.
      // A record that cannot be staged (too deep, not JSON, a connector throwing on it) is skipped and
      // counted by unit and record id; the rest of its unit goes on.
      const onRepair = () => {
        repaired++
      }
      // A column toRow gives that the table does not declare would be left out of the insert without a word:
      // that is the connector's bug, not a bad record, so the node stops at its first such row.
      const declared = new Set(columnNames(src.output.table))
      let undeclared: Fatal | undefined
      const checkDeclared = (row: object) => {
        const extra = Object.keys(row).filter((c) => !declared.has(c))
        if (extra.length > 0)
          undeclared ??= new Fatal({
            reason: "Config",
            message: `${ctx.node} (source: ${src.kind}): toRow gives column ${extra.map((c) => `"${c}"`).join(", ")} that staging table ${src.output.table.name} does not declare: declare it there (a new column with since: a new migration id)`
          })
        return extra.length === 0
      }
      const stage = (unit: SourceUnit, group: ReadonlyArray<unknown>) => {
        if (group.length === 0) return
        let staged = 0
        for (const r of group) {
          let key: string | undefined
          try {
            key = src.output.key(r)
            const fields = src.output.toRow(r)
            if (!checkDeclared(fields)) return
            const row = {
              run_id: ctx.runId,
              node: ctx.node,
              unit: unit.key,
              record_key: key,
              fetched_at: now,
              ...fields
            }
            const cursorValue = src.output.cursorValue?.(r)
            pending.push(toJsonLine(row, onRepair))
            cursor = maxIso(cursor, cursorValue)
            staged++
          } catch (e) {
            const why = e instanceof UnserializableRow ? e.message : `cannot be staged (${safeMessage(e)})`
            skipNow(
              unit.key,
              new Skippable({
                reason: "InvalidRecord",
                unit: unit.key,
                message: `${src.kind} ${ctx.node} unit ${unit.key}: record ${key === undefined ? "(no id)" : clip(key, 120)} skipped: ${why}`
              })
            )
          }
        }
        rows += staged
        perUnit[unit.key] = (perUnit[unit.key] ?? 0) + staged
        if (pending.length >= BATCH) flush()
      }

      const runHere = (unit: SourceUnit, take: (records: Iterable<unknown>) => void) => {
        const uctx: SourceContext = { ...sctx, skip: (e: Skippable) => Effect.sync(() => skipNow(unit.key, e)) }
        const out = src.fetch(unit, opts, uctx)
        const consume = (stream: Stream.Stream<unknown, SourceError, Http>) =>
          forEachChunkWhile(stream, (chunk) =>
            Effect.sync(() => {
              take(chunk)
              return remaining > 0 && !undeclared
            })
          )
        return Effect.isEffect(out)
          ? Effect.flatMap(out, (r) => (isRecordArray(r) ? Effect.sync(() => take(r)) : consume(r)))
          : consume(out)
      }
      // Elsewhere (a worker), the unit's skips and log lines come back with its records and are counted here, as if
      // it had run in this process; the host group's limits hold across every worker taking from its queue.
      const remote = src.unitsShareState ? undefined : ctx.remote
      if (ctx.remote && !remote)
        ctx.events.emit({
          type: "info",
          node: ctx.node,
          message: `${ctx.node}: units run in this process, not on the ${ctx.remote.executor.name} workers: ${src.unitsShareState}`
        })
      const group: HostGroup = {
        source: src.kind,
        host: hostOf(baseUrl) ?? src.kind,
        concurrency:
          opts.concurrency ??
          Math.min(src.hostLimits?.concurrency ?? DEFAULT_HOST_CONCURRENCY, DEFAULT_HOST_CONCURRENCY),
        ...((opts.per_second ?? src.hostLimits?.perSecond) !== undefined
          ? { perSecond: opts.per_second ?? src.hostLimits?.perSecond }
          : {})
      }
      const runRemote = (
        executor: NonNullable<NodeContext["remote"]>["executor"],
        options: Record<string, unknown>,
        unit: SourceUnit,
        take: (records: Iterable<unknown>) => void
      ) =>
        Effect.flatMap(
          executor.runSourceUnit(
            {
              kind: src.kind,
              node: ctx.node,
              runId: ctx.runId,
              unit,
              options,
              window: ctx.window,
              ...(ctx.asOf ? { asOf: ctx.asOf } : {}),
              cursor: ctx.cursor
            },
            group
          ),
          (r) =>
            Effect.suspend(() => {
              remoteRequests += r.requests
              for (const s of r.skips) skipNow(unit.key, new Skippable(s))
              for (const message of r.logs) ctx.events.emit({ type: "info", node: ctx.node, message })
              return Effect.map(unitOutcome(r), take)
            })
        )

      const runUnit = (unit: SourceUnit) => {
        let group: Array<unknown> = []
        // Moves records into the unit's group while max_records allows, staging each full group.
        const take = (records: Iterable<unknown>) => {
          for (const r of records) {
            if (remaining <= 0 || undeclared) break
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
        const drained: Effect.Effect<void, SourceError, Http> = remote
          ? runRemote(remote.executor, remote.options, unit, take)
          : runHere(unit, take)
        const progress = () => {
          done++
          ctx.events.emit({ type: "node_progress", node: ctx.node, done, total: units.length, rows })
        }
        const unitFailed = (e: Retriable | Skippable) => {
          ended.add(unit.key)
          failed.push({ unit: unit.key, error: e })
          return Effect.zipRight(record(unit.key, e), Effect.sync(progress))
        }
        // One match rather than stage-then-catch-then-ensure: three steps per unit showed in the fan-out profile.
        // A defect in one unit (a stack overflow formatting a 100k-deep body) is that unit's bad body, not the node's.
        return Effect.matchCauseEffect(drained, {
          onSuccess: () =>
            undeclared
              ? Effect.fail(undeclared)
              : Effect.sync(() => {
                  ended.add(unit.key)
                  stage(unit, group)
                  progress()
                }),
          onFailure: (cause) => {
            const f = Cause.failureOption(cause)
            if (Option.isSome(f)) return f.value._tag === "Fatal" ? Effect.fail(f.value) : unitFailed(f.value)
            const d = Cause.dieOption(cause)
            if (Option.isSome(d))
              return unitFailed(
                new Skippable({
                  reason: "BadBody",
                  unit: unit.key,
                  message: `${src.kind} ${ctx.node} unit ${unit.key}: its response could not be processed (${safeMessage(d.value)})`
                })
              )
            return Effect.failCause(cause as Cause.Cause<never>)
          }
        })
      }

      // At the node's deadline the units still going are interrupted and what ended is committed: the
      // runner's own timeout (later, see `ownsTimeout`) would throw every healthy board away with them.
      // On an executor the node only waits: the queue's limits are the politeness, and enough units must wait in it
      // to keep every worker busy while results travel back.
      const fanOut = Effect.forEach(units, runUnit, {
        concurrency: remote ? Math.max(limits.concurrency, REMOTE_IN_FLIGHT) : limits.concurrency,
        discard: true
      })
      const fetchAll = countRequests(
        ctx.timeoutMs === undefined ? Effect.asSome(fanOut) : Effect.timeout(fanOut, ctx.timeoutMs).pipe(Effect.option)
      )
      // The writer ends only by failing until it is told to stop: a warehouse error stops the fetching at once.
      const [finished, localRequests] = yield* Effect.raceFirst(
        fetchAll,
        Effect.zipRight(Fiber.join(writer), Effect.never)
      )
      const unfinished = Option.isNone(finished) ? units.filter((u) => !ended.has(u.key)) : []
      // The last group of a unit is staged as it ends: a row found then has not stopped the fan-out yet.
      if (undeclared) return yield* Effect.fail(undeclared)
      for (const u of unfinished)
        recordNow(
          u.key,
          new Retriable({
            reason: "Timeout",
            message: `${src.kind} ${ctx.node} unit ${u.key}: did not finish within the node timeout (${ctx.spec.timeout ?? ctx.dag.spec.defaults?.timeout ?? "30m"}); what it had not staged is missing`
          })
        )
      flush()
      Queue.unsafeOffer(batches, null)
      yield* Fiber.join(writer)
      if (errorRows.length > 0) yield* w.insertRows(sourceErrors.name, errorRows)

      if (units.length > 0 && failed.length + unfinished.length === units.length && rows === 0 && unfinished.length > 0)
        return yield* Effect.fail(
          new Retriable({
            reason: "Timeout",
            message: `${ctx.node}: no unit finished within the node timeout (${unfinished.length} unfinished)`
          })
        )
      if (units.length > 0 && failed.length === units.length) {
        const first = failed[0].error
        return yield* Effect.fail(
          first._tag === "Retriable"
            ? first
            : new Skippable({
                reason: first._tag === "Skippable" ? first.reason : "Exhausted",
                message: `every unit of ${ctx.node} failed (${failed.length}); first: ${describe(first)}`
              })
        )
      }
      const skippedCount = skipped
      // The cursor is one high-water mark over all units: moving it past a unit that may still deliver
      // older records (timed out, or failed in a way that can succeed later) would lose them.
      // A unit that gave up on retries (Retriable, or Skippable/Exhausted past the Retry-After cap) has data still out there.
      const held =
        unfinished.length > 0 || failed.some((f) => f.error._tag === "Retriable" || f.error.reason === "Exhausted")
      const outcome: NodeOutcome = {
        rowsIn: rows + skippedCount,
        rowsOut: rows,
        cursor: held ? null : cursor,
        partial: failed.length > 0 || skippedCount > 0 || unfinished.length > 0,
        notes: repaired > 0 ? [`${repaired} record(s) held lone UTF-16 surrogates, replaced by U+FFFD`] : undefined,
        ...(cannotRun !== undefined && units.length === 0 ? { skipped: cannotRun } : {}),
        details: {
          units: units.length,
          failed_units: failed.map((f) => ({ unit: f.unit, error: describe(f.error) })),
          unfinished_units: unfinished.map((u) => u.key),
          cursor_held: held,
          repaired_records: repaired,
          skipped_records: skippedCount,
          out_of_window: outOfWindow,
          rows_per_unit: perUnit,
          requests: localRequests + remoteRequests
        }
      }
      return outcome
    }).pipe(
      Effect.catchAllDefect((d) =>
        Effect.fail(
          new Fatal({
            reason: "Internal",
            message: `${ctx.node}: ${d instanceof Error ? clip(d.stack ?? d.message, 2000) : safeMessage(d)}`
          })
        )
      )
    )
})
