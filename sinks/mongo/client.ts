/**
 * MongoDB through the official driver, as an Effect service: `Mongo.layer({ uri, database })`.
 * The URI is a Redacted value; it is never put into a message (the target key is a hash of it).
 */
import { Context, Effect, Layer, Redacted } from "effect"
import { createHash } from "node:crypto"
import type { AnyBulkWriteOperation, BulkWriteResult, Db, Document, MongoClient } from "mongodb"
import { Fatal, Retriable } from "../../core/errors.ts"
import { lazyRequire } from "../../core/lazy-require.ts"
import type { CollectionDef } from "./collections.ts"
import type { DocStore, WriteResult } from "./store.ts"

export interface MongoConfig {
  readonly uri: Redacted.Redacted<string>
  readonly database: string
  readonly timeoutMs?: number
  /** How long one command may wait for the server's answer (socketTimeoutMS); a hung server ends as Retriable/Transport. */
  readonly writeTimeoutMs?: number
}

export interface MongoService {
  readonly client: MongoClient
  readonly db: Db
  readonly database: string
  /** Outbox key: the same server and database is the same target across runs. */
  readonly target: string
  /** Upserts per bulkWrite command this server can take (see `FERRETDB_MAX_BATCH`). */
  readonly maxBatch: number
}

/**
 * FerretDB 1.24 (SQLite) keeps one pooled connection open per matched update until the whole
 * update command ends; 100 matched updates in one command exhaust its pool and it hangs. Batches
 * for it stay well under that.
 */
export const FERRETDB_MAX_BATCH = 50

const NETWORK = new Set([
  "MongoServerSelectionError",
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoTopologyClosedError",
  "MongoNotConnectedError",
  "PoolClosedError",
  "MongoPoolClearedError"
])
const AUTH_CODES = new Set([13, 18, 8000])

/** Driver errors by what the caller should do; messages scrubbed of the URI. */
export const mongoError = (e: unknown, what: string, uri?: Redacted.Redacted<string>): Retriable | Fatal => {
  const err = e as { name?: string; code?: number; message?: string }
  let msg = err?.message ?? String(e)
  if (uri) msg = msg.split(Redacted.value(uri)).join("<MONGODB_URI>")
  msg = msg.replace(/mongodb(\+srv)?:\/\/[^@\s/]+@/g, "mongodb$1://<credentials>@")
  if (typeof err?.code === "number" && AUTH_CODES.has(err.code))
    return new Fatal({
      reason: "Auth",
      message: `MongoDB refused ${what}: ${msg} (check the credentials in MONGODB_URI)`
    })
  if (err?.name === "UnacknowledgedBatch")
    return new Retriable({ reason: "ServerError", message: `MongoDB did not acknowledge ${what}: ${msg}` })
  if (NETWORK.has(err?.name ?? "") || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|timed out/i.test(msg))
    return new Retriable({ reason: "Transport", message: `MongoDB unreachable during ${what}: ${msg}` })
  return new Retriable({ reason: "ServerError", message: `MongoDB failed during ${what}: ${msg}` })
}

// The driver (and bson, whatwg-url…) loads when a URI is first used, not when a command merely names the sink:
// `validate`, `plan` and a run without MONGODB_URI never pay for it.
const driver = lazyRequire<typeof import("mongodb")>(import.meta.url, "mongodb")

export const mongoTarget = (uri: Redacted.Redacted<string>, database: string) =>
  `mongo:${createHash("sha256").update(Redacted.value(uri)).digest("hex").slice(0, 12)}/${database}`

const connect = (config: MongoConfig) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const timeout = config.timeoutMs ?? 10_000
        const { MongoClient } = driver()
        const client = new MongoClient(Redacted.value(config.uri), {
          serverSelectionTimeoutMS: timeout,
          connectTimeoutMS: timeout,
          socketTimeoutMS: config.writeTimeoutMs ?? 60_000
        })
        await client.connect()
        const info = await client
          .db("admin")
          .command({ buildInfo: 1 })
          .catch(() => ({}))
        return { client, ferret: typeof (info as { ferretdbVersion?: unknown }).ferretdbVersion === "string" }
      },
      catch: (e) => mongoError(e, "connect", config.uri)
    }),
    ({ client }) => Effect.promise(() => client.close().catch(() => undefined))
  ).pipe(
    Effect.map(
      ({ client, ferret }): MongoService => ({
        client,
        db: client.db(config.database),
        database: config.database,
        target: mongoTarget(config.uri, config.database),
        maxBatch: ferret ? FERRETDB_MAX_BATCH : 100_000
      })
    )
  )

export class Mongo extends Context.Tag("jobsignal/Mongo")<Mongo, MongoService>() {
  static layer = (config: MongoConfig) => Layer.scoped(Mongo, connect(config))
}

const toBson = (def: CollectionDef, doc: Record<string, unknown>) => {
  const out: Document = {}
  for (const [k, v] of Object.entries(doc))
    out[k] = def.dateFields.includes(k) && typeof v === "string" ? new Date(v) : v
  return out
}

/** Upserts keyed by `_id` = canonical id (ordered: false): `$set` the content, `$setOnInsert` first-seen fields. */
export const upsertOps = (
  def: CollectionDef,
  docs: ReadonlyArray<{ id: string; doc: Record<string, unknown> }>
): AnyBulkWriteOperation[] =>
  docs.map(({ id, doc }) => {
    const bson = toBson(def, doc)
    const set: Document = {}
    const onInsert: Document = {}
    for (const [k, v] of Object.entries(bson)) (def.setOnInsert.includes(k) ? onInsert : set)[k] = v
    return {
      updateOne: {
        filter: { _id: id as never },
        update: Object.keys(onInsert).length ? { $set: set, $setOnInsert: onInsert } : { $set: set },
        upsert: true
      }
    }
  })

export const COMPANY_CACHE = "company_cache"

/** The 7-day TTL index of company_cache where the server has TTL indexes; says whether it took it. */
export const ensureCompanyCacheIndex = (db: Db) =>
  Effect.tryPromise({
    try: () =>
      db.collection(COMPANY_CACHE).createIndex({ expires_at: 1 }, { name: "expires_at_ttl", expireAfterSeconds: 0 }),
    catch: (e) => e
  }).pipe(
    Effect.as(true),
    // FerretDB answers NotImplemented; readers check expiry themselves (sinks/mongo/cache.ts).
    Effect.catchAll(() => Effect.succeed(false))
  )

export const mongoStore = (m: MongoService, uri?: Redacted.Redacted<string>): DocStore => ({
  target: m.target,
  label: `MongoDB database ${m.database}`,
  embedded: false,
  ensureIndexes: (defs) =>
    Effect.forEach(
      defs,
      (def) =>
        Effect.tryPromise({
          try: async () => {
            // Only the missing ones: FerretDB 1.24 drops the connection when asked again for several existing indexes.
            const col = m.db.collection(def.name)
            const have = new Set((await col.indexes().catch(() => [])).map((i) => i.name))
            const missing = def.indexes.filter((i) => !have.has(i.name))
            if (missing.length > 0)
              await col.createIndexes(
                missing.map((i) => ({ name: i.name, key: i.key, ...(i.unique ? { unique: true } : {}) }))
              )
          },
          catch: (e) => mongoError(e, `createIndexes on ${def.name}`, uri)
        }),
      { discard: true }
    ).pipe(Effect.zipLeft(ensureCompanyCacheIndex(m.db))),
  maxBatch: m.maxBatch,
  upsert: (def, docs) =>
    Effect.tryPromise({
      try: () => bulkUpsert(m, def, docs),
      catch: (e) => mongoError(e, `bulkWrite of ${docs.length} documents to ${def.name}`, uri)
    })
})

/** A batch whose fate the server did not confirm: none of its documents counts as delivered. */
class UnacknowledgedBatch extends Error {
  override readonly name = "UnacknowledgedBatch"
}

type Docs = ReadonlyArray<{ id: string; doc: Record<string, unknown> }>

/**
 * One bulkWrite, and which of its documents the server acknowledged. The driver reports a network
 * error, a timeout or a write-concern failure as a MongoBulkWriteError too, with no write errors:
 * those batches are unacknowledged as a whole and rethrown. An answer whose counts do not add up
 * is "inconsistent": it cannot say which documents went through.
 */
const attempt = async (m: MongoService, def: CollectionDef, docs: Docs): Promise<WriteResult | "inconsistent"> => {
  const { MongoBulkWriteError } = driver()
  let r: BulkWriteResult
  try {
    r = await m.db.collection(def.name).bulkWrite(upsertOps(def, docs), { ordered: false })
  } catch (e) {
    if (!(e instanceof MongoBulkWriteError)) throw e
    const cause = (e as { errorResponse?: unknown }).errorResponse
    if (cause instanceof Error) throw cause
    const concern = e.result?.getWriteConcernError()
    if (concern)
      throw new UnacknowledgedBatch(
        `write concern not satisfied (${concern.errmsg ?? `code ${concern.code}`}): the batch is unacknowledged`
      )
    const errs = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors]
    if (errs.length === 0 || !e.result) throw e
    const bad = new Map(
      errs.map((w) => [w.index, `${w.code === 11000 ? "duplicate key: " : ""}${w.errmsg ?? "write error"}`])
    )
    const indexesValid =
      bad.size === errs.length && [...bad.keys()].every((i) => Number.isInteger(i) && i >= 0 && i < docs.length)
    if (!indexesValid || e.result.upsertedCount + e.result.matchedCount !== docs.length - bad.size)
      return "inconsistent"
    // Some documents were refused one by one, the rest were acknowledged: keep the refused ones pending.
    return {
      upserted: e.result.upsertedCount,
      matched: e.result.matchedCount,
      modified: e.result.modifiedCount,
      delivered: docs.filter((_, i) => !bad.has(i)).map((d) => d.id),
      failed: [...bad].map(([i, error]) => ({ id: docs[i].id, error }))
    }
  }
  // Every upsert either matches or inserts; fewer means the server did not apply all of them.
  if (r.upsertedCount + r.matchedCount !== docs.length) return "inconsistent"
  return {
    upserted: r.upsertedCount,
    matched: r.matchedCount,
    modified: r.modifiedCount,
    delivered: docs.map((d) => d.id),
    failed: []
  }
}

/**
 * FerretDB 1.24 stops an unordered batch at the first refused document, reports it at index 0 and
 * counts nothing: such a batch is written again one document at a time, so each is known.
 */
const bulkUpsert = async (m: MongoService, def: CollectionDef, docs: Docs): Promise<WriteResult> => {
  const r = await attempt(m, def, docs)
  if (r !== "inconsistent") return r
  const total = {
    upserted: 0,
    matched: 0,
    modified: 0,
    delivered: [] as string[],
    failed: [] as Array<{ id: string; error: string }>
  }
  for (const d of docs) {
    const one = await attempt(m, def, [d])
    if (one === "inconsistent")
      throw new UnacknowledgedBatch(
        `the server's answer for document ${d.id} does not add up: the batch is unacknowledged`
      )
    total.upserted += one.upserted
    total.matched += one.matched
    total.modified += one.modified
    total.delivered.push(...one.delivered)
    total.failed.push(...one.failed)
  }
  return total
}
