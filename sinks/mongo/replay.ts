/**
 * `jobsignal quarantine replay`: parked documents checked again against the rules dag.yaml declares
 * now; those that pass are queued in the outbox and delivered like any other, the rest stay parked
 * with their current reasons.
 */
import { Effect, Option, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { checkDocs } from "../../dq/check.ts"
import { recordResults } from "../../dq/gate.ts"
import { decodeRules } from "../../dq/rules.ts"
import { Fatal } from "../../core/errors.ts"
import type { LoadedDag } from "../../pipelines/load.ts"
import { Warehouse } from "../warehouse.ts"
import { mongoTarget } from "./client.ts"
import { collectionNamed, docHash, type Candidate, type CollectionDef } from "./collections.ts"
import { deliverPending, withOutboxNote } from "./deliver.ts"
import { DEFAULT_DATABASE, MongoSinkOptions, mongoUri, openStore } from "./node.ts"
import { enqueue } from "./outbox.ts"
import { EMBEDDED_TARGET } from "./store.ts"

export interface ReplayReport {
  readonly runId: string
  readonly checked: number
  readonly released: number
  readonly stillParked: number
  readonly delivered: number
  readonly destination?: string
  readonly problems: ReadonlyArray<string>
}

const groupBy = <T>(xs: ReadonlyArray<T>, key: (x: T) => string) => {
  const m = new Map<string, T[]>()
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x])
  return m
}

interface ParkedRow {
  readonly quarantine_id: string
  readonly node: string
  readonly collection: string | null
  readonly record_key: string
  readonly record: string
}

export const replayQuarantine = (args: { readonly dag: LoadedDag; readonly rule?: string; readonly node?: string }) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const runId = `replay-${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "")}-${randomUUID().slice(0, 6)}`
    const params: string[] = []
    const where = ["status = 'parked'"]
    if (args.rule) {
      params.push(args.rule)
      where.push(`rule = $${params.length}`)
    }
    if (args.node) {
      params.push(args.node)
      where.push(`node = $${params.length}`)
    }
    const rows = yield* w.query<ParkedRow>(
      `select quarantine_id, node, collection, record_key, record from quarantine where ${where.join(" and ")} order by parked_at, quarantine_id`,
      params
    )
    const problems: string[] = []
    let released = 0
    let delivered = 0
    let destination: string | undefined
    const byNode = groupBy(rows, (r) => r.node)
    for (const [node, list] of byNode) {
      const spec = args.dag.spec.nodes[node]
      if (spec?.sink !== "mongo") {
        problems.push(
          `${list.length} parked rows of node ${node}, which is not a mongo sink in ${args.dag.path}: left parked`
        )
        continue
      }
      const { rules, problems: bad } = decodeRules(spec.dq ?? [])
      if (bad.length > 0)
        return yield* Effect.fail(
          new Fatal({ reason: "Config", message: `nodes.${node}.dq has invalid rules: run jobsignal validate` })
        )
      const opts = yield* Schema.decodeUnknown(MongoSinkOptions)(spec.with ?? {}).pipe(
        Effect.mapError((e) => new Fatal({ reason: "Config", message: `nodes.${node}.with: ${e.message}` }))
      )
      const uri = yield* mongoUri
      const target = Option.isNone(uri) ? EMBEDDED_TARGET : mongoTarget(uri.value, opts.database ?? DEFAULT_DATABASE)
      const defs: CollectionDef[] = []
      for (const [name, group] of groupBy(list, (r) => r.collection ?? "level-2")) {
        const def = collectionNamed(name)
        if (!def) {
          problems.push(`${group.length} parked rows for unknown collection ${name}: left parked`)
          continue
        }
        const docs = group.map((r) => ({ id: r.record_key, doc: JSON.parse(r.record) as Record<string, unknown> }))
        const check = yield* checkDocs({ q: w, node, collection: name, rules, docs, shape: def.shape })
        // Replay is per document: one still-bad row does not hold back the others.
        const passing = new Set(
          docs.filter((d) => !(check.failures.get(d.id) ?? []).some((f) => f.severity !== "warn")).map((d) => d.id)
        )
        yield* recordResults(
          w,
          runId,
          node,
          check.results.map((r) => ({ ...r, quarantined: r.severity === "warn" ? 0 : r.failed }))
        )
        const candidates: Candidate[] = docs
          .filter((d) => passing.has(d.id))
          .map((d) => ({ ...d, hash: docHash(d.doc), inputKey: null }))
        yield* w.transaction((tx) =>
          Effect.gen(function* () {
            yield* enqueue(tx, target, name, runId, candidates, "pending")
            for (const r of group) {
              if (passing.has(r.record_key)) {
                yield* tx.exec(
                  "update quarantine set status = 'replayed', resolved_at = now(), resolved_run_id = $2 where quarantine_id = $1",
                  [r.quarantine_id, runId]
                )
              } else {
                const reason = (check.failures.get(r.record_key) ?? []).map((f) => `${f.rule}: ${f.reason}`).join("; ")
                yield* tx.exec("update quarantine set reason = $2 where quarantine_id = $1", [r.quarantine_id, reason])
              }
            }
          })
        )
        released += candidates.length
        defs.push(def)
      }
      if (defs.length === 0) continue
      const report = yield* Effect.scoped(
        Effect.gen(function* () {
          const store = yield* openStore(w, opts)
          destination = store.label
          yield* store.ensureIndexes(defs)
          return yield* deliverPending(w, store, defs, opts.batch_size ?? 1000)
        })
      ).pipe(withOutboxNote(w, target))
      delivered += Object.values(report).reduce((n, d) => n + d.delivered, 0)
      const refused = Object.values(report).reduce((n, d) => n + d.failed, 0)
      if (refused > 0)
        problems.push(
          `${refused} documents of node ${node} were refused by ${destination}; they stay pending in mongo_outbox (see last_error)`
        )
    }
    return {
      runId,
      checked: rows.length,
      released,
      stillParked: rows.length - released,
      delivered,
      destination,
      problems
    } satisfies ReplayReport
  })
