/**
 * Where the sink's documents land: a MongoDB database, or, with no MONGODB_URI, the embedded
 * warehouse (one table per collection, id + JSON document) with the same upsert semantics:
 * `$set` of the document's fields, `$setOnInsert` of its first-seen fields, modified only when
 * something changed.
 */
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import type { Fatal, Retriable } from "../../core/errors.ts"
import type { Queries, WarehouseError } from "../warehouse.ts"
import type { CollectionDef } from "./collections.ts"
import type { PendingDoc } from "./outbox.ts"

export interface WriteResult {
  readonly upserted: number
  readonly matched: number
  readonly modified: number
  /** Acknowledged documents (upserted or matched). */
  readonly delivered: ReadonlyArray<string>
  /** Documents the server refused one by one (the rest of the batch went through). */
  readonly failed: ReadonlyArray<{ id: string; error: string }>
}

export type StoreError = Retriable | Fatal | WarehouseError

export interface DocStore {
  /** Key of the outbox rows for this destination. */
  readonly target: string
  /** For messages: never contains credentials. */
  readonly label: string
  readonly embedded: boolean
  /** Documents per write this destination takes; each write is acknowledged (and marked delivered) on its own. */
  readonly maxBatch: number
  readonly ensureIndexes: (defs: ReadonlyArray<CollectionDef>) => Effect.Effect<void, StoreError>
  readonly upsert: (def: CollectionDef, docs: ReadonlyArray<PendingDoc>) => Effect.Effect<WriteResult, StoreError>
}

export const EMBEDDED_TARGET = "embedded"

/** Sorted-key JSON, so documents compare equal whatever order their fields were written in. */
const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(",")}]`
    : v && typeof v === "object"
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(",")}}`
      : JSON.stringify(v)

export const embeddedStore = (q: Queries): DocStore => ({
  target: EMBEDDED_TARGET,
  label: "the embedded warehouse",
  embedded: true,
  maxBatch: 100_000,
  ensureIndexes: () => Effect.void,
  upsert: (def, docs) =>
    Effect.gen(function* () {
      if (docs.length === 0) return { upserted: 0, matched: 0, modified: 0, delivered: [], failed: [] }
      const tmp = `_emb_${randomUUID().replace(/-/g, "").slice(0, 10)}`
      yield* q.exec(`create temp table ${tmp} (id varchar, doc json)`)
      yield* q.insertRows(
        tmp,
        docs.map((d) => ({ id: d.id, doc: d.doc }))
      )
      const old = yield* q.query<{ id: string; doc: string | null }>(
        `select s.id, t.doc from ${tmp} s left join ${def.table} t on t.id = s.id`
      )
      const before = new Map(
        old.map((r) => [r.id, r.doc === null ? undefined : (JSON.parse(r.doc) as Record<string, unknown>)])
      )
      let upserted = 0
      let modified = 0
      const writes: Array<{ id: string; doc: Record<string, unknown> }> = []
      for (const d of docs) {
        const prev = before.get(d.id)
        if (!prev) {
          upserted++
          writes.push({ id: d.id, doc: d.doc })
          continue
        }
        const set = Object.fromEntries(Object.entries(d.doc).filter(([k]) => !def.setOnInsert.includes(k)))
        const next = { ...prev, ...set }
        if (canonical(next) !== canonical(prev)) {
          modified++
          writes.push({ id: d.id, doc: next })
        }
      }
      yield* q.exec(`delete from ${tmp}`)
      yield* q.insertRows(tmp, writes)
      yield* q.exec(
        `insert into ${def.table} (id, doc, inserted_at, updated_at) select id, doc, now(), now() from ${tmp}
         on conflict (id) do update set doc = excluded.doc, updated_at = excluded.updated_at`
      )
      yield* q.exec(`drop table ${tmp}`)
      return { upserted, matched: docs.length - upserted, modified, delivered: docs.map((d) => d.id), failed: [] }
    })
})
