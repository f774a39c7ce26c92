/**
 * Delivery bookkeeping of the MongoDB sink when the server misbehaves mid-store: a document is
 * `delivered` in the outbox only once the server acknowledged its write, and every other one is
 * delivered by a later run. Real FerretDB behind a wire proxy (test/support/wire-proxy.ts) that acts
 * after an exact number of `update` commands, so each kill or fault lands at a known batch.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ConfigProvider, Effect } from "effect"
import { join } from "node:path"
import { MongoClient } from "mongodb"
import { Warehouse } from "../sinks/warehouse.ts"
import { startFerretDB, type RunningFerretDB } from "../tools/ferretdb/launch.ts"
import { killFerretDB, restartFerretDB } from "./support/ferretdb.ts"
import { startWireProxy, type WireProxy } from "./support/wire-proxy.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"

const job = (n: number) => {
  const id = `job${String(n).padStart(4, "0")}`
  return {
    id,
    source: "greenhouse",
    source_id: String(n),
    url: `https://boards.greenhouse.io/acme/jobs/${n}`,
    title: `Data Engineer ${n}`,
    company: "Acme",
    company_key: "acme.com",
    remote: "remote",
    first_seen: "2026-10-02T00:00:00Z",
    last_seen: "2026-10-02T00:00:00Z",
    content_hash: `h${n}`
  }
}

// 50 documents per bulkWrite: the batch number a hook acts on says exactly which documents were acknowledged.
const storeDag = (database: string, writeTimeout = "20s") => `version: 1
nodes:
  store:
    sink: mongo
    with: { database: ${database}, collections: [level-2], batch_size: 50, connect_timeout: 2s, write_timeout: ${writeTimeout} }
`

const sql = <T = Record<string, unknown>>(db: string, q: string, params: unknown[] = []) =>
  withDb(
    db,
    Effect.gen(function* () {
      return yield* (yield* Warehouse).query<T>(q, params)
    })
  )

const runStore = (db: string, dagText: string, uri: string) =>
  withDb(
    db,
    Effect.gen(function* () {
      const { summary } = yield* run({ dag: dagFrom(dagText) }).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["MONGODB_URI", uri]])))
      )
      const w = yield* Warehouse
      const [row] = yield* w.query<{ details: string | null }>(
        "select details from node_runs where run_id = $1 and node = 'store'",
        [summary.runId]
      )
      return {
        summary,
        node: summary.nodes.find((n) => n.node === "store")!,
        details: row?.details ? JSON.parse(row.details) : undefined
      }
    })
  )

const seeded = async (n: number) => {
  const db = join(tempDir(), "w.duckdb")
  await withDb(
    db,
    Effect.gen(function* () {
      yield* (yield* Warehouse).insertRows(
        "jobs",
        Array.from({ length: n }, (_, i) => job(i))
      )
    })
  )
  return db
}

const outbox = async (db: string) => {
  const rows = await sql<{ doc_id: string; status: string }>(
    db,
    "select doc_id, status from mongo_outbox order by doc_id"
  )
  return {
    delivered: rows.filter((r) => r.status === "delivered").map((r) => r.doc_id),
    pending: rows.filter((r) => r.status === "pending").length
  }
}

const idsIn = async (uri: string, database: string) => {
  const c = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 })
  try {
    return (
      await c
        .db(database)
        .collection("level-2")
        .find({}, { projection: { _id: 1 } })
        .toArray()
    )
      .map((d) => String(d._id))
      .sort()
  } finally {
    await c.close()
  }
}

const warehouseIds = async (db: string) =>
  (await sql<{ id: string }>(db, "select id from jobs order by id")).map((r) => r.id)

describe("mongo sink delivery when the server misbehaves mid-store", () => {
  let server: RunningFerretDB
  let proxy: WireProxy
  beforeAll(async () => {
    server = await startFerretDB({ keepData: true })
    proxy = await startWireProxy(() => server.port)
  }, 15 * 60_000)
  afterAll(async () => {
    await proxy?.close()
    await server?.stop()
  })

  it(
    "SIGKILL at three points of a 2,000-document store: only acknowledged batches are delivered, later runs deliver the rest, each document once",
    async () => {
      const db = await seeded(2000)
      const database = "kills"
      const dag = storeDag(database)
      const crash = async () => {
        await killFerretDB(server)
      }
      const restart = async () => {
        server = await restartFerretDB(server)
      }
      // What the outbox calls delivered is in the database, after the crash too.
      const deliveredArePresent = async () => {
        const { delivered } = await outbox(db)
        const present = new Set(await idsIn(proxy.uri, database))
        expect(delivered.filter((id) => !present.has(id))).toEqual([])
      }

      // 1. The server applies batch 4 and dies before answering it.
      proxy.hooks = {
        onReply: async (e) => (e.command === "update" && e.n === 4 ? (await crash(), "close") : "forward")
      }
      const first = await runStore(db, dag, proxy.uri)
      expect(first.summary.status).toBe("failed")
      expect(first.node.error).toMatch(
        /^Retriable\/Transport: MongoDB unreachable during bulkWrite of 50 documents to level-2/
      )
      expect(first.node.error).toMatch(/; 1850 documents stay pending in the warehouse outbox/)
      expect(await outbox(db)).toMatchObject({ pending: 1850 })
      expect((await outbox(db)).delivered).toHaveLength(150)
      await restart()
      await deliveredArePresent()

      // 2. Killed after 7 acknowledged batches, before the 8th reaches it.
      proxy.reset()
      proxy.hooks = {
        onRequest: async (e) => {
          if (e.command === "update" && e.n === 8) await crash()
        }
      }
      const second = await runStore(db, dag, proxy.uri)
      expect(second.summary.status).toBe("failed")
      expect(second.node.error).toMatch(/1500 documents stay pending/)
      expect((await outbox(db)).delivered).toHaveLength(500)
      await restart()
      await deliveredArePresent()

      // 3. Killed while it works on batch 5 (some of its upserts may be applied, none acknowledged).
      proxy.reset()
      proxy.hooks = {
        onRequest: async (e, forward) => {
          if (e.command === "update" && e.n === 5) {
            forward()
            await crash()
          }
        }
      }
      const third = await runStore(db, dag, proxy.uri)
      expect(third.summary.status).toBe("failed")
      expect(third.node.error).toMatch(/1300 documents stay pending/)
      expect((await outbox(db)).delivered).toHaveLength(700)
      await restart()
      await deliveredArePresent()

      // 4. Undisturbed: the rest goes, and the database holds exactly the warehouse's jobs.
      proxy.reset()
      const last = await runStore(db, dag, proxy.uri)
      expect(last.summary.status).toBe("success")
      expect(last.node.rowsOut).toBe(1300)
      expect(await outbox(db)).toMatchObject({ pending: 0 })
      const ids = await idsIn(proxy.uri, database)
      expect(ids).toHaveLength(2000)
      expect(ids).toEqual(await warehouseIds(db))
      expect((await outbox(db)).delivered).toEqual(ids)
    },
    10 * 60_000
  )
  it("a server that applies a batch and closes the socket before answering: that batch stays pending and is sent again, each document once", async () => {
    const db = await seeded(300)
    const database = "closes"
    proxy.reset()
    proxy.hooks = { onReply: (e) => (e.command === "update" && e.n === 2 ? "close" : "forward") }
    const r = await runStore(db, storeDag(database), proxy.uri)
    expect(r.summary.status).toBe("failed")
    expect(r.node.error).toMatch(
      /^Retriable\/Transport: MongoDB unreachable during bulkWrite of 50 documents to level-2/
    )
    expect(r.node.error).toMatch(/250 documents stay pending/)
    expect((await outbox(db)).delivered).toHaveLength(50)
    // The server did apply the unanswered batch.
    expect(await idsIn(proxy.uri, database)).toHaveLength(100)

    proxy.reset()
    const again = await runStore(db, storeDag(database), proxy.uri)
    expect(again.summary.status).toBe("success")
    expect(again.details.collections["level-2"]).toMatchObject({ delivered: 250, matched: 50, upserted: 200 })
    expect(await idsIn(proxy.uri, database)).toEqual(await warehouseIds(db))
  }, 120_000)

  it("a server that never answers a batch: the node ends at write_timeout as Retriable/Transport, the batch pending", async () => {
    const db = await seeded(200)
    const database = "hangs"
    proxy.reset()
    proxy.hooks = { onReply: (e) => (e.command === "update" && e.n === 3 ? "hang" : "forward") }
    const r = await runStore(db, storeDag(database, "2s"), proxy.uri)
    expect(r.summary.status).toBe("failed")
    expect(r.node.error).toMatch(
      /^Retriable\/Transport: MongoDB unreachable during bulkWrite of 50 documents to level-2: .*timed out/
    )
    expect(r.node.error).toMatch(/100 documents stay pending/)
    expect((await outbox(db)).delivered).toHaveLength(100)

    proxy.reset()
    expect((await runStore(db, storeDag(database, "2s"), proxy.uri)).summary.status).toBe("success")
    expect(await idsIn(proxy.uri, database)).toEqual(await warehouseIds(db))
  }, 120_000)

  it("a writeConcernError: the batch counts as unacknowledged, the node fails as retriable, the next run re-sends it", async () => {
    const db = await seeded(150)
    const database = "concern"
    proxy.reset()
    proxy.hooks = {
      onReply: (e) =>
        e.command === "update" && e.n === 2
          ? {
              rewrite: {
                ...e.reply,
                writeConcernError: {
                  code: 64,
                  codeName: "WriteConcernFailed",
                  errmsg: "waiting for replication timed out"
                }
              }
            }
          : "forward"
    }
    const r = await runStore(db, storeDag(database), proxy.uri)
    expect(r.summary.status).toBe("failed")
    expect(r.node.error).toMatch(
      /^Retriable\/ServerError: MongoDB did not acknowledge bulkWrite of 50 documents to level-2: write concern not satisfied \(waiting for replication timed out\)/
    )
    expect(r.node.error).toMatch(/100 documents stay pending/)
    expect((await outbox(db)).delivered).toHaveLength(50)

    proxy.reset()
    const again = await runStore(db, storeDag(database), proxy.uri)
    expect(again.details.collections["level-2"]).toMatchObject({ delivered: 100, matched: 50, upserted: 50 })
    expect(await idsIn(proxy.uri, database)).toEqual(await warehouseIds(db))
  }, 120_000)

  it("a duplicate key on one document: the others are delivered, the run fails naming it, and it goes once the clash is gone", async () => {
    const db = await seeded(120)
    const database = "dupkey"
    proxy.reset()
    const first = await runStore(db, storeDag(database), proxy.uri)
    expect(first.summary.status).toBe("success")
    // Another writer holds `id` job0105 under a different _id; the unique id index refuses ours (mid-batch: FerretDB stops there).
    const c = new MongoClient(proxy.uri)
    const col = c.db(database).collection<{ _id: string; id: string }>("level-2")
    try {
      await col.deleteOne({ _id: "job0105" })
      await col.insertOne({ _id: "other-writer", id: "job0105" })
      await withDb(
        db,
        Effect.gen(function* () {
          yield* (yield* Warehouse).exec("update jobs set title = title || ' (v2)', content_hash = content_hash || 'b'")
        })
      )

      const r = await runStore(db, storeDag(database), proxy.uri)
      expect(r.summary.status).toBe("failed")
      expect(r.node.error).toMatch(
        /^Skippable\/InvalidRecord: MongoDB database dupkey refused documents \(level-2 1 refused, 119 delivered\), e\.g\. level-2\/job0105: duplicate key: .*E11000/
      )
      expect(r.node.error).toMatch(/1 documents stay pending/)
      expect(await outbox(db)).toMatchObject({ pending: 1 })
      expect(await col.countDocuments({ title: / \(v2\)$/ })).toBe(119)

      await col.deleteOne({ _id: "other-writer" })
      const fixed = await runStore(db, storeDag(database), proxy.uri)
      expect(fixed.summary.status).toBe("success")
      expect(fixed.details.collections["level-2"]).toMatchObject({ delivered: 1, upserted: 1 })
      expect(await idsIn(proxy.uri, database)).toEqual(await warehouseIds(db))
    } finally {
      await c.close()
    }
  }, 120_000)
})
