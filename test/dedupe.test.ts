import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { join } from "node:path"
import { ats, sources } from "../app/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"

// The recorded Stripe board (3 jobs: "AI Sales (Grower)", "Bridge" in London, "Bridge" in SF) and a
// synthetic mirror board: copies of two of them under company/title/URL variants and the Bridge role
// in a third city.
let replay: ReplayServer
const db = join(tempDir(), "dedupe.duckdb")
const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  withDb(
    db,
    Effect.flatMap(Warehouse, (w) => w.query<T>(sql, params))
  )
const dag = () =>
  dagFrom(`
version: 1
nodes:
  stripe_board:
    source: greenhouse
    with: { boards: [stripe], base_url: "${replay.baseUrlFor("greenhouse")}" }
  mirror_board:
    source: greenhouse
    with: { boards: [stripe-mirror], base_url: "${replay.baseUrlFor("greenhouse")}" }
  dedupe:
    transform: dedupe
    needs: [stripe_board, mirror_board]
`)
const jobOf = async (sourceId: string) =>
  (await q<{ job_id: string }>("select job_id from job_sightings where source_id = $1", [sourceId]))[0]?.job_id
const snapshot = () =>
  q<{ id: string; content_hash: string; first_seen: string; last_seen: string; sources: string }>(
    "select id, content_hash, first_seen::varchar as first_seen, last_seen::varchar as last_seen, sources::varchar as sources from jobs order by id"
  )
const dedupeDetails = async (runId: string) =>
  JSON.parse(
    (
      await q<{ details: string }>(
        "select details::varchar as details from node_runs where run_id = $1 and node = 'dedupe'",
        [runId]
      )
    )[0].details
  )

let first: Awaited<ReturnType<typeof snapshot>>
let firstRun = ""

beforeAll(async () => {
  replay = await startReplayServer(sources, {
    extraRoutes: {
      greenhouse: [
        { path: "/v1/boards/stripe-mirror/jobs", file: "dedupe-eval/synthetic-greenhouse-stripe-mirror-board.json" }
      ]
    }
  })
  const { summary } = await withDb(db, run({ dag: dag() }))
  expect(summary.status).toBe("success")
  firstRun = summary.runId
  first = await snapshot()
})

afterAll(() => replay?.close())

describe("dedupe through the runner", () => {
  it("merges the same job seen on two boards into one job that keeps every sighting", async () => {
    const [{ sightings }] = await q<{ sightings: number }>("select count(*)::int as sightings from job_sightings")
    expect(sightings).toBe(6)
    expect(first).toHaveLength(4)
    const grower = await jobOf("stripe:7954688")
    expect(await jobOf("stripe-mirror:9100001")).toBe(grower)
    expect(await jobOf("stripe-mirror:9100002")).toBe(await jobOf("stripe:8023928"))
    const [job] = await q<{ sources: string; apply_url: string; company_key: string; title: string }>(
      "select sources::varchar as sources, apply_url, company_key, title from jobs where id = $1",
      [grower]
    )
    expect(
      JSON.parse(job.sources)
        .map((s: { source_id: string }) => s.source_id)
        .sort()
    ).toEqual(["stripe-mirror:9100001", "stripe:7954688"])
    expect(job.company_key).toBe("stripe")
    expect(job.apply_url).toBe("https://stripe.com/jobs/search?gh_jid=7954688")
  })

  it("keeps hard negatives apart: the same title in London, San Francisco and Singapore is three jobs", async () => {
    const ids = await Promise.all(["stripe:8023928", "stripe:8077887", "stripe-mirror:9100003"].map(jobOf))
    expect(new Set(ids).size).toBe(3)
    expect(ids.every(Boolean)).toBe(true)
  })

  it("exact: a second run sees the same (source, source id) again: last_seen moves, first_seen stays, ids stable", async () => {
    const { summary } = await withDb(db, run({ dag: dag() }))
    expect(summary.status).toBe("success")
    const second = await snapshot()
    expect(second.map((j) => j.id)).toEqual(first.map((j) => j.id))
    for (const [a, b] of second.map((j, i) => [first[i], j] as const)) {
      expect(b.first_seen).toBe(a.first_seen)
      expect(b.last_seen > a.last_seen).toBe(true)
      expect(b.content_hash).toBe(a.content_hash)
    }
    const details = await dedupeDetails(summary.runId)
    expect(details).toMatchObject({ new_jobs: 0, new_sightings: 0, seen_again: 6, jobs_changed: 0 })
    const [{ sightings }] = await q<{ sightings: number }>("select count(*)::int as sightings from job_sightings")
    expect(sightings).toBe(6)
  })

  it("is idempotent: re-running dedupe alone over the same staged input changes nothing", async () => {
    const before = await snapshot()
    const { summary } = await withDb(db, run({ dag: dag(), only: ["dedupe"] }))
    expect(summary.status).toBe("success")
    expect(await snapshot()).toEqual(before)
    expect(await dedupeDetails(summary.runId)).toMatchObject({ new_jobs: 0, new_sightings: 0, jobs_changed: 0 })
    expect(firstRun).not.toBe(summary.runId)
  })

  it("attaches a sighting seen later to the existing canonical job, whose id does not move", async () => {
    const grower = await jobOf("stripe:7954688")
    // A third board staged by a later run: the same Grower job under another company spelling.
    await withDb(
      db,
      Effect.flatMap(Warehouse, (w) =>
        w.insertRows("stg_jobs", [
          {
            run_id: "later",
            node: "third_board",
            unit: "x",
            record_key: "x",
            fetched_at: new Date().toISOString(),
            source: "remotive",
            source_id: "77",
            url: "https://remotive.example/77?utm_source=rss",
            title: "Account Executive - AI Sales (Grower)",
            company: "Stripe Inc",
            location: "San Francisco, CA",
            remote: "unknown"
          }
        ])
      )
    )
    const { dedupeJobs } = await import("../transforms/dedupe/node.ts")
    await withDb(
      db,
      dedupeJobs({ inputs: [{ node: "third_board", runId: "later", role: "source", kind: "remotive" }], ats })
    )
    expect(await jobOf("77")).toBe(grower)
    const [{ n }] = await q<{ n: number }>("select json_array_length(sources)::int as n from jobs where id = $1", [
      grower
    ])
    expect(n).toBe(3)
    expect((await snapshot()).map((j) => j.id)).toEqual(first.map((j) => j.id))
  })
})
