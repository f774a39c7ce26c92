/**
 * The MongoDB sink against a real wire-protocol server: $MONGODB_URI, else the project's FerretDB
 * (tools/ferretdb). Jobs are written into the warehouse the way dedupe leaves them (synthetic rows).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ConfigProvider, Effect } from "effect"
import { join } from "node:path"
import { writeFileSync } from "node:fs"
import { Warehouse } from "../sinks/warehouse.ts"
import { loadDag } from "../pipelines/load.ts"
import { replayQuarantine } from "../sinks/mongo/replay.ts"
import { embeddedCompanyCache, mongoCompanyCache, ensureCompanyCacheIndex } from "../sinks/mongo/cache.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"
import { startTestMongo, type TestMongo } from "./support/ferretdb.ts"
import { startFerretDB } from "../tools/ferretdb/launch.ts"
import { kinds } from "../app/index.ts"

let mongo: TestMongo
// The first use builds FerretDB (minutes on a cold Go cache; .ci/run builds it before the tests).
beforeAll(async () => {
  mongo = await startTestMongo()
}, 15 * 60_000)
afterAll(async () => {
  await mongo?.stop()
})

const job = (n: number, over: Record<string, unknown> = {}) => ({
  id: `job${n}`,
  source: "greenhouse",
  source_id: String(n),
  url: `https://boards.greenhouse.io/acme/jobs/${n}`,
  title: `Data Engineer ${n}`,
  company: "Acme",
  company_key: "acme.com",
  location: "Remote, US",
  remote: "remote",
  posted_at: "2026-10-01T00:00:00Z",
  description_text: `Build pipelines for job ${n} in DuckDB and TypeScript.`,
  salary_min: 120_000,
  salary_max: 160_000,
  salary_currency: "USD",
  salary_period: "year",
  first_seen: "2026-10-02T00:00:00Z",
  last_seen: "2026-10-02T00:00:00Z",
  content_hash: `h${n}`,
  sources: [
    {
      source: "greenhouse",
      source_id: String(n),
      url: `https://boards.greenhouse.io/acme/jobs/${n}`,
      first_seen: "2026-10-02T00:00:00Z",
      last_seen: "2026-10-02T00:00:00Z"
    }
  ],
  ...over
})

const storeDag = (database: string, dq: string) => `version: 1
nodes:
  store:
    sink: mongo
    with: { database: ${database}, connect_timeout: 2s }
    dq:
${dq}
`

const DEFAULT_DQ = `      - { rule: schema, severity: block }
      - { rule: url, fields: [job_url], severity: quarantine }
      - { rule: salary_range, severity: warn }`

const withUri = (uri: string | undefined) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(uri ? [["MONGODB_URI", uri]] : [])))

/** One run of the `store` node; returns its result, its recorded details and the dq rows of the run. */
const runStore = (db: string, dagText: string, uri: string | undefined, dir = tempDir()) =>
  withDb(
    db,
    Effect.gen(function* () {
      const { summary } = yield* run({ dag: dagFrom(dagText, dir) }).pipe(withUri(uri))
      const w = yield* Warehouse
      const [row] = yield* w.query<{ details: string | null }>(
        "select details from node_runs where run_id = $1 and node = 'store'",
        [summary.runId]
      )
      const dq = yield* w.query<{ rule: string; checked: number; passed: number; failed: number; quarantined: number }>(
        "select rule, checked::int as checked, passed::int as passed, failed::int as failed, quarantined::int as quarantined from dq_results where run_id = $1 order by rule",
        [summary.runId]
      )
      const node = summary.nodes.find((n) => n.node === "store")!
      return { summary, node, details: row?.details ? JSON.parse(row.details) : undefined, dq }
    })
  )

const seed = (db: string, jobs: Array<Record<string, unknown>>, scores: Array<Record<string, unknown>> = []) =>
  withDb(
    db,
    Effect.gen(function* () {
      const w = yield* Warehouse
      yield* w.insertRows("jobs", jobs)
      yield* w.insertRows("job_scores", scores)
    })
  )

const sql = <T = Record<string, unknown>>(db: string, q: string, params: unknown[] = []) =>
  withDb(
    db,
    Effect.gen(function* () {
      return yield* (yield* Warehouse).query<T>(q, params)
    })
  )

describe("mongo sink on a wire-protocol server", () => {
  it("upserts level-2 documents with the user's field names and creates the indexes", async () => {
    const db = join(tempDir(), "w.duckdb")
    const database = mongo.freshDatabase()
    await seed(
      db,
      [job(1), job(2), job(3)],
      [
        {
          job_id: "job2",
          fit_score: 88,
          fit_category: "strong",
          tier: "A",
          fit_rationale: "Pipelines at scale.",
          relevant: true
        }
      ]
    )
    const r = await runStore(db, storeDag(database, DEFAULT_DQ), mongo.uri)
    expect(r.node.status).toBe("success")
    expect(r.details.collections["level-2"]).toMatchObject({ upserted: 3, delivered: 3, modified: 0 })
    expect(r.node.notes?.some((n) => /MONGODB_URI/.test(n))).toBe(false)

    const c = await mongo.client()
    const col = c.db(database).collection("level-2")
    const doc = await col.findOne({ _id: "job2" as never })
    expect(doc).toMatchObject({
      id: "job2",
      title: "Data Engineer 2",
      company: "Acme",
      location: "Remote, US",
      job_url: "https://boards.greenhouse.io/acme/jobs/2",
      job_description: "Build pipelines for job 2 in DuckDB and TypeScript.",
      source: "greenhouse",
      remote: "remote",
      salary_min: 120000,
      salary_max: 160000,
      fit_score: 88,
      fit_category: "strong",
      tier: "A",
      relevant: true
    })
    expect(doc!.posted_at).toBeInstanceOf(Date)
    expect((doc!.first_seen as Date).toISOString()).toBe("2026-10-02T00:00:00.000Z")
    expect(doc!.sources).toEqual([
      {
        source: "greenhouse",
        source_id: "2",
        url: "https://boards.greenhouse.io/acme/jobs/2",
        first_seen: "2026-10-02T00:00:00Z"
      }
    ])
    // No score row: no score fields (so they never clobber what the user's own layers wrote).
    expect(await col.findOne({ _id: "job1" as never })).not.toHaveProperty("fit_score")
    const indexes = await col.indexes()
    expect(indexes.map((i) => i.name).sort()).toEqual([
      "_id_",
      "company",
      "fit_score",
      "id_unique",
      "posted_at",
      "tier"
    ])
    expect(indexes.find((i) => i.name === "id_unique")?.unique).toBe(true)
    expect(r.dq.map((d) => [d.rule, d.checked, d.passed])).toEqual([
      ["salary_range(salary_min,salary_max)", 3, 3],
      ["schema", 3, 3],
      ["url(job_url)", 3, 3]
    ])
  })

  it("a second run over the same input writes nothing; a changed job is modified, its first_seen kept", async () => {
    const db = join(tempDir(), "w.duckdb")
    const database = mongo.freshDatabase()
    await seed(db, [job(1), job(2)])
    const dag = storeDag(database, DEFAULT_DQ)
    expect((await runStore(db, dag, mongo.uri)).details.collections["level-2"].upserted).toBe(2)

    const again = await runStore(db, dag, mongo.uri)
    expect(again.node.status).toBe("success")
    expect(again.details.collections["level-2"]).toEqual({
      upserted: 0,
      matched: 0,
      modified: 0,
      delivered: 0,
      failed: 0
    })
    expect(again.node.rowsIn).toBe(0)

    await sql(
      db,
      "update jobs set title = 'Staff Data Engineer', content_hash = 'h1b', first_seen = '2026-11-01T00:00:00Z' where id = 'job1'"
    )
    const changed = await runStore(db, dag, mongo.uri)
    expect(changed.details.collections["level-2"]).toMatchObject({ upserted: 0, matched: 1, modified: 1, delivered: 1 })
    const doc = await (await mongo.client())
      .db(database)
      .collection("level-2")
      .findOne({ _id: "job1" as never })
    expect(doc!.title).toBe("Staff Data Engineer")
    expect((doc!.first_seen as Date).toISOString()).toBe("2026-10-02T00:00:00.000Z")
  })

  it("re-delivers more than 100 changed documents in one run (FerretDB takes them in small batches)", async () => {
    const db = join(tempDir(), "w.duckdb")
    const database = mongo.freshDatabase()
    await seed(
      db,
      Array.from({ length: 130 }, (_, i) => job(i))
    )
    const dag = storeDag(database, DEFAULT_DQ)
    expect((await runStore(db, dag, mongo.uri)).details.collections["level-2"].upserted).toBe(130)
    await sql(db, "update jobs set title = title || ' (updated)', content_hash = content_hash || 'b'")
    const r = await runStore(db, dag, mongo.uri)
    expect(r.details.collections["level-2"]).toMatchObject({ matched: 130, modified: 130, delivered: 130 })
    expect(
      await (await mongo.client())
        .db(database)
        .collection("level-2")
        .countDocuments({ title: /\(updated\)$/ })
    ).toBe(130)
  })

  it("a server that is down fails the node as retriable, keeps the documents in the outbox, and the next run delivers them", async () => {
    const db = join(tempDir(), "w.duckdb")
    const server = await startFerretDB({ keepData: true })
    const database = mongo.freshDatabase()
    try {
      await seed(db, [job(1), job(2), job(3)])
      await server.stop()
      const down = await runStore(db, storeDag(database, DEFAULT_DQ), server.uri)
      expect(down.node.status).toBe("failed")
      expect(down.node.error).toMatch(/^Retriable\/Transport: MongoDB unreachable/)
      expect(down.node.error).toMatch(/3 documents stay pending in the warehouse outbox/)
      expect(down.node.error).not.toContain(server.uri)
      expect(await sql(db, "select status, count(*)::int as n from mongo_outbox group by 1")).toEqual([
        { status: "pending", n: 3 }
      ])

      const again = await startFerretDB({ port: server.port, dataDir: server.dataDir, keepData: true })
      try {
        const up = await runStore(db, storeDag(database, DEFAULT_DQ), again.uri)
        expect(up.node.status).toBe("success")
        // Nothing new was checked: the pending documents were already through the gates.
        expect(up.node.rowsIn).toBe(0)
        expect(up.details.collections["level-2"]).toMatchObject({ upserted: 3, delivered: 3 })
        const { MongoClient } = await import("mongodb")
        const c = new MongoClient(again.uri)
        expect(await c.db(database).collection("level-2").countDocuments()).toBe(3)
        await c.close()
        expect(await sql(db, "select status, count(*)::int as n from mongo_outbox group by 1")).toEqual([
          { status: "delivered", n: 3 }
        ])
      } finally {
        await again.stop()
      }
    } finally {
      await server.stop()
    }
  })
})

describe("data-quality gates in the mongo sink", () => {
  it("block: the node fails naming the rule, nothing is written, the counts are recorded", async () => {
    const db = join(tempDir(), "w.duckdb")
    const database = mongo.freshDatabase()
    await seed(db, [job(1), job(2, { url: "careers.acme.com/jobs/2" })])
    const r = await runStore(
      db,
      storeDag(database, `      - { rule: url, fields: [job_url], severity: block }`),
      mongo.uri
    )
    expect(r.node.status).toBe("failed")
    expect(r.node.error).toMatch(
      /data-quality gate blocked store, nothing written: url\(job_url\) failed 1 of 2 \(job2: job_url "careers.acme.com\/jobs\/2" is not a well-formed URL\)/
    )
    expect(r.dq).toEqual([{ rule: "url(job_url)", checked: 2, passed: 1, failed: 1, quarantined: 0 }])
    expect(await (await mongo.client()).db(database).collection("level-2").countDocuments()).toBe(0)
    expect(await sql(db, "select count(*)::int as n from mongo_outbox")).toEqual([{ n: 0 }])
    expect(await sql(db, "select count(*)::int as n from quarantine")).toEqual([{ n: 0 }])
  })

  it("quarantine parks bad rows, warn writes them, and replay after a rule fix writes the parked ones", async () => {
    const db = join(tempDir(), "w.duckdb")
    const dir = tempDir()
    const database = mongo.freshDatabase()
    await seed(db, [
      job(1),
      job(2),
      job(3, { salary_min: 200_000, salary_max: 150_000 }),
      job(4, { url: "http://jobs.acme.com/4" })
    ])
    const strict = storeDag(
      database,
      `      - { rule: sql, name: https_only, expect: "starts_with(job_url, 'https://')", severity: quarantine }
      - { rule: salary_range, severity: warn }`
    )
    const r = await runStore(db, strict, mongo.uri, dir)
    expect(r.node.status).toBe("success")
    expect(r.dq).toEqual([
      { rule: "https_only", checked: 4, passed: 3, failed: 1, quarantined: 1 },
      { rule: "salary_range(salary_min,salary_max)", checked: 4, passed: 3, failed: 1, quarantined: 0 }
    ])
    expect(r.node.notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/https_only parked 1 of 4/),
        expect.stringMatching(/dq warning: level-2 salary_range.* failed 1 of 4, written anyway/)
      ])
    )
    const col = (await mongo.client()).db(database).collection("level-2")
    expect((await col.find({}).toArray()).map((d) => d._id).sort()).toEqual(["job1", "job2", "job3"])
    const parked = await sql<{
      rule: string
      reason: string
      run_id: string
      record_key: string
      title: string
      status: string
    }>(db, "select rule, reason, run_id, record_key, record->>'title' as title, status from quarantine")
    expect(parked).toEqual([
      {
        rule: "https_only",
        reason: "https_only: expected starts_with(job_url, 'https://')",
        run_id: r.summary.runId,
        record_key: "job4",
        title: "Data Engineer 4",
        status: "parked"
      }
    ])

    // Unchanged input: not checked or parked again.
    const again = await runStore(db, strict, mongo.uri, dir)
    expect(again.dq.every((d) => d.checked === 0)).toBe(true)
    expect(await sql(db, "select count(*)::int as n from quarantine")).toEqual([{ n: 1 }])

    // Replay under the same rules: still parked. Under a rule filter that matches nothing: untouched.
    const replay = (dagText: string, rule?: string) =>
      withDb(db, Effect.scoped(replayQuarantine({ dag: dagFrom(dagText, dir), rule })).pipe(withUri(mongo.uri)))
    expect(await replay(strict)).toMatchObject({ checked: 1, released: 0, stillParked: 1 })
    expect(await replay(strict, "no_such_rule")).toMatchObject({ checked: 0 })

    const fixed = storeDag(
      database,
      `      - { rule: sql, name: https_only, expect: "regexp_matches(job_url, '^https?://')", severity: quarantine }
      - { rule: salary_range, severity: warn }`
    )
    const done = await replay(fixed, "https_only")
    expect(done).toMatchObject({ checked: 1, released: 1, stillParked: 0, delivered: 1 })
    expect(await col.findOne({ _id: "job4" as never })).toMatchObject({ job_url: "http://jobs.acme.com/4" })
    expect(await sql(db, "select status, resolved_run_id like 'replay-%' as by_replay from quarantine")).toEqual([
      { status: "replayed", by_replay: true }
    ])
    // And the sink, on its next run, finds nothing new to write.
    const after = await runStore(db, fixed, mongo.uri, dir)
    expect(after.details.collections["level-2"].delivered).toBe(0)
  })
})

describe("embedded fallback and company cache", () => {
  it("with no MONGODB_URI the same documents and gates go to the embedded warehouse, said once", async () => {
    const db = join(tempDir(), "w.duckdb")
    await seed(db, [job(1), job(2), job(3, { url: "not a url" })])
    const dag = storeDag("jobsignal", DEFAULT_DQ)
    const r = await runStore(db, dag, undefined)
    expect(r.node.status).toBe("success")
    expect(r.node.notes?.filter((n) => /no MONGODB_URI/.test(n))).toHaveLength(1)
    expect(r.details.destination).toBe("the embedded warehouse")
    const rows = await sql<{ id: string; job_url: string; first_seen: string }>(
      db,
      "select id, doc->>'job_url' as job_url, doc->>'first_seen' as first_seen from mongo_level_2 order by id"
    )
    expect(rows.map((x) => x.id)).toEqual(["job1", "job2"])
    expect(rows[0].first_seen).toBe("2026-10-02T00:00:00.000Z")
    expect(await sql(db, "select record_key from quarantine")).toEqual([{ record_key: "job3" }])

    expect((await runStore(db, dag, undefined)).details.collections["level-2"]).toEqual({
      upserted: 0,
      matched: 0,
      modified: 0,
      delivered: 0,
      failed: 0
    })
    await sql(
      db,
      "update jobs set title = 'Lead Data Engineer', content_hash = 'h2b', first_seen = now() where id = 'job2'"
    )
    expect((await runStore(db, dag, undefined)).details.collections["level-2"]).toMatchObject({
      matched: 1,
      modified: 1
    })
    expect(
      await sql(db, "select doc->>'title' as t, doc->>'first_seen' as f from mongo_level_2 where id = 'job2'")
    ).toEqual([{ t: "Lead Data Engineer", f: "2026-10-02T00:00:00.000Z" }])
  })

  it("without a content hash from dedupe, documents are hashed here and reruns still write nothing", async () => {
    const db = join(tempDir(), "w.duckdb")
    await seed(db, [job(1, { content_hash: null }), job(2, { content_hash: null })])
    const dag = storeDag("jobsignal", DEFAULT_DQ)
    expect((await runStore(db, dag, undefined)).details.collections["level-2"].upserted).toBe(2)
    await sql(db, "update jobs set last_seen = now()")
    expect((await runStore(db, dag, undefined)).details.collections["level-2"].delivered).toBe(0)
    await sql(db, "update jobs set location = 'Berlin' where id = 'job1'")
    expect((await runStore(db, dag, undefined)).details.collections["level-2"]).toMatchObject({
      delivered: 1,
      modified: 1
    })
  })

  it("company_cache returns entries for 7 days, checked on read (FerretDB has no TTL indexes)", async () => {
    const c = await mongo.client()
    const dbm = c.db(mongo.freshDatabase())
    let now = Date.parse("2026-11-01T00:00:00Z")
    const cache = mongoCompanyCache(dbm, () => now)
    const ttl = await Effect.runPromise(ensureCompanyCacheIndex(dbm))
    if (mongo.kind === "ferretdb") expect(ttl).toBe(false)
    await Effect.runPromise(cache.put("acme.com", { summary: "Acme makes anvils" }))
    expect(await Effect.runPromise(cache.get("acme.com"))).toEqual({ summary: "Acme makes anvils" })
    now += 6 * 86_400_000
    expect(await Effect.runPromise(cache.get("acme.com"))).toEqual({ summary: "Acme makes anvils" })
    now += 2 * 86_400_000
    expect(await Effect.runPromise(cache.get("acme.com"))).toBeUndefined()

    const db = join(tempDir(), "w.duckdb")
    let t = Date.parse("2026-11-01T00:00:00Z")
    const got = await withDb(
      db,
      Effect.gen(function* () {
        const emb = embeddedCompanyCache(yield* Warehouse, () => t)
        yield* emb.put("acme.com", { summary: "x" })
        const fresh = yield* emb.get("acme.com")
        t += 8 * 86_400_000
        return [fresh, yield* emb.get("acme.com")]
      })
    )
    expect(got).toEqual([{ summary: "x" }, undefined])
  })
})

// The rule problems of a dag.yaml reach `jobsignal validate` (and block loading) with their lines.
it("a DAG with a bad dq rule does not load", () => {
  const dir = tempDir()
  writeFileSync(join(dir, "dag.yaml"), storeDag("x", "      - { rule: url, severity: block }"))
  expect(() => loadDag(join(dir, "dag.yaml"), kinds)).toThrow(/nodes\.store\.dq\[0\]\.fields \(line 7\): is required/)
})
