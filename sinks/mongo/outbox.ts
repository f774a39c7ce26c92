/**
 * The warehouse outbox of the MongoDB sink: every document that passed the gates is queued here
 * (status `pending`) before any write, and marked `delivered` once the server acknowledged it. A run
 * that cannot reach MongoDB leaves its documents pending; the next run delivers them. The hash per
 * document is what makes a rerun over unchanged input write nothing.
 */
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import type { Migration } from "../migrations.ts"
import type { Queries, WarehouseError } from "../warehouse.ts"
import type { Candidate } from "./collections.ts"

const embeddedTable = (t: string) => `
create table ${t} (
  id varchar primary key,
  doc json not null,
  inserted_at timestamptz not null,
  updated_at timestamptz not null
)`

export const mongoMigration: Migration = {
  id: "0402_mongo_outbox",
  sql: `
create table mongo_outbox (
  target varchar not null,
  collection varchar not null,
  doc_id varchar not null,
  doc_hash varchar not null,
  input_key varchar,
  doc json,
  status varchar not null,
  run_id varchar,
  queued_at timestamptz not null,
  delivered_at timestamptz,
  attempts integer not null default 0,
  last_error varchar,
  primary key (target, collection, doc_id)
);
${embeddedTable("mongo_level_2")};
${embeddedTable("mongo_companies")};
${embeddedTable("mongo_signals")};
create table mongo_company_cache (
  key varchar primary key,
  value json not null,
  cached_at timestamptz not null,
  expires_at timestamptz not null
)
`
}

export type OutboxStatus = "pending" | "delivered" | "quarantined"

const tempName = (p: string) => `_${p}_${randomUUID().replace(/-/g, "").slice(0, 10)}`

/** Queues (or re-queues with new content) documents for one target and collection. */
export const enqueue = (
  q: Queries,
  target: string,
  collection: string,
  runId: string,
  docs: ReadonlyArray<Candidate>,
  status: Exclude<OutboxStatus, "delivered">
): Effect.Effect<number, WarehouseError> =>
  Effect.gen(function* () {
    if (docs.length === 0) return 0
    const tmp = tempName("outbox")
    yield* q.exec(`create temp table ${tmp} as select * from mongo_outbox limit 0`)
    const now = new Date().toISOString()
    yield* q.insertRows(
      tmp,
      docs.map((d) => ({
        target,
        collection,
        doc_id: d.id,
        doc_hash: d.hash,
        input_key: d.inputKey,
        // A parked document lives in `quarantine`; the outbox only remembers its hash.
        doc: status === "pending" ? d.doc : null,
        status,
        run_id: runId,
        queued_at: now,
        attempts: 0
      }))
    )
    yield* q.exec(
      `insert into mongo_outbox select * from ${tmp}
       on conflict (target, collection, doc_id) do update set
         doc_hash = excluded.doc_hash, input_key = excluded.input_key, doc = excluded.doc, status = excluded.status,
         run_id = excluded.run_id, queued_at = excluded.queued_at, delivered_at = null, attempts = 0, last_error = null`
    )
    yield* q.exec(`drop table ${tmp}`)
    return docs.length
  })

export interface PendingDoc {
  readonly id: string
  readonly doc: Record<string, unknown>
}

export const pendingDocs = (q: Queries, target: string, collection: string, limit: number, afterId = "") =>
  q
    .query<{ doc_id: string; doc: string }>(
      `select doc_id, doc from mongo_outbox where target = $1 and collection = $2 and status = 'pending' and doc_id > $3
     order by doc_id limit ${Math.max(1, Math.floor(limit))}`,
      [target, collection, afterId]
    )
    .pipe(Effect.map((rows): PendingDoc[] => rows.map((r) => ({ id: r.doc_id, doc: JSON.parse(r.doc) }))))

export const countPending = (q: Queries, target: string) =>
  q
    .query<{ n: number }>("select count(*)::int as n from mongo_outbox where target = $1 and status = 'pending'", [
      target
    ])
    .pipe(Effect.map(([r]) => r.n))

const idList = (ids: ReadonlyArray<string>) => JSON.stringify(ids)

export const markDelivered = (q: Queries, target: string, collection: string, ids: ReadonlyArray<string>) =>
  ids.length === 0
    ? Effect.void
    : q.exec(
        `update mongo_outbox set status = 'delivered', doc = null, delivered_at = now(), attempts = attempts + 1, last_error = null
         where target = $1 and collection = $2 and status = 'pending' and doc_id in (select unnest(from_json($3, '["VARCHAR"]')))`,
        [target, collection, idList(ids)]
      )

export const markFailed = (
  q: Queries,
  target: string,
  collection: string,
  failures: ReadonlyArray<{ id: string; error: string }>
) =>
  Effect.forEach(
    failures,
    (f) =>
      q.exec(
        "update mongo_outbox set attempts = attempts + 1, last_error = $4 where target = $1 and collection = $2 and doc_id = $3",
        [target, collection, f.id, f.error.slice(0, 500)]
      ),
    { discard: true }
  )
