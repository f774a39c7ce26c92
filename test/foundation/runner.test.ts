import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { greenhouse } from "../../sources/greenhouse/index.ts"
import { startReplayServer, type ReplayServer } from "../../sources/replay.ts"
import { Warehouse } from "../../sinks/warehouse.ts"
import { dagFrom, run, tempDir, withDb } from "../support/harness.ts"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer([greenhouse])
})
afterAll(() => replay.close())

const gh = (boards: string[], extra = "") =>
  `{ source: greenhouse, with: { base_url: "${replay.baseUrlFor("greenhouse")}", boards: [${boards.join(", ")}], details: false }${extra} }`

const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  Effect.flatMap(Warehouse, (w) => w.query<T>(sql, params))

describe("runner", () => {
  it("runs sources into canonical jobs; a rerun keeps first_seen and moves last_seen", async () => {
    const db = join(tempDir(), "w.duckdb")
    const dag = dagFrom(`version: 1
nodes:
  gh: ${gh(["gitlab", "stripe", "gongio"])}
  dedupe: { transform: dedupe, needs: [gh] }
`)
    const first = await withDb(db, run({ dag }))
    expect(first.summary.status).toBe("success")
    expect(first.summary.nodes.map((n) => [n.node, n.status, n.rowsOut])).toEqual([
      ["gh", "success", 9],
      ["dedupe", "success", 9]
    ])
    const before = await withDb(
      db,
      q<{ id: string; first_seen: string; last_seen: string }>(
        "select id, first_seen::varchar as first_seen, last_seen::varchar as last_seen from jobs order by id"
      )
    )
    await new Promise((r) => setTimeout(r, 20))
    const second = await withDb(db, run({ dag }))
    expect(second.summary.status).toBe("success")
    const after = await withDb(
      db,
      q<{ id: string; first_seen: string; last_seen: string }>(
        "select id, first_seen::varchar as first_seen, last_seen::varchar as last_seen from jobs order by id"
      )
    )
    expect(after.map((r) => r.id)).toEqual(before.map((r) => r.id))
    expect(after.map((r) => r.first_seen)).toEqual(before.map((r) => r.first_seen))
    expect(after.every((r, i) => r.last_seen > before[i].last_seen)).toBe(true)
    const ledger = await withDb(db, q("select status, count(*)::int as n from node_runs group by 1"))
    expect(ledger).toEqual([{ status: "success", n: 4 }])
    const stripe = await withDb(
      db,
      q<{ title: string; company: string; description_text: string | null; location: string }>(
        "select title, company, location, description_text from jobs where source_id = 'gitlab:8503792002'"
      )
    )
    expect(stripe[0]).toMatchObject({
      title: "Account Executive - Italy",
      company: "GitLab",
      location: "Remote, Italy"
    })
    expect(stripe[0].description_text).toMatch(/^GitLab is the intelligent orchestration platform/)
    expect(stripe[0].description_text).not.toMatch(/&lt;|<div|&amp;/)
  })

  it("a failed node skips its downstream while another branch goes on; the run fails", async () => {
    const db = join(tempDir(), "w.duckdb")
    const dag = dagFrom(`version: 1
nodes:
  dead: ${gh(["no-such-board"])}
  live: ${gh(["gitlab"])}
  d1: { transform: dedupe, needs: [dead] }
  d2: { transform: dedupe, needs: [live] }
`)
    const { summary } = await withDb(db, run({ dag }))
    const by = Object.fromEntries(summary.nodes.map((n) => [n.node, n]))
    expect(summary.status).toBe("failed")
    expect(by.dead.status).toBe("failed")
    expect(by.dead.error).toContain("greenhouse board no-such-board")
    expect(by.dead.error).toContain("404")
    expect(by.d1).toMatchObject({ status: "skipped", error: "upstream dead failed" })
    expect(by.live.status).toBe("success")
    expect(by.d2.status).toBe("success")
    const errs = await withDb(db, q("select node, unit, reason from source_errors"))
    expect(errs).toEqual([{ node: "dead", unit: "no-such-board", reason: "NotFound" }])
    // A node counts its own requests only, though both sources ran at once on one HTTP service.
    const reqs = await withDb(
      db,
      q("select (details->>'requests')::int as requests from node_runs where node = 'live'")
    )
    expect(reqs).toEqual([{ requests: 1 }])
  })

  it("a dead board among live ones is recorded, the node is partial and the run succeeds", async () => {
    const db = join(tempDir(), "w.duckdb")
    const dag = dagFrom(
      `version: 1\nnodes:\n  gh: ${gh(["gitlab", "gone"])}\n  dedupe: { transform: dedupe, needs: [gh] }\n`
    )
    const { summary } = await withDb(db, run({ dag }))
    expect(summary.status).toBe("success")
    expect(summary.nodes[0]).toMatchObject({ node: "gh", status: "partial", rowsOut: 3 })
  })

  it("--only runs the node plus needs without committed output; --resume reruns only what did not succeed", async () => {
    const db = join(tempDir(), "w.duckdb")
    const dag = dagFrom(`version: 1
nodes:
  gh: ${gh(["gitlab"])}
  other: ${gh(["stripe"])}
  dedupe: { transform: dedupe, needs: [gh] }
`)
    const a = await withDb(db, run({ dag, only: ["dedupe"] }))
    expect(a.summary.nodes.map((n) => n.node).sort()).toEqual(["dedupe", "gh"])
    const b = await withDb(db, run({ dag, only: ["dedupe"] }))
    expect(b.summary.nodes.map((n) => n.node)).toEqual(["dedupe"])
    expect(b.summary.nodes[0].rowsIn).toBe(3)

    const broken = dagFrom(`version: 1
nodes:
  gh: ${gh(["gitlab"])}
  bad: ${gh(["nope"])}
  d: { transform: dedupe, needs: [gh, bad] }
`)
    const c = await withDb(db, run({ dag: broken }))
    expect(c.summary.status).toBe("failed")
    const fixed = dagFrom(`version: 1
nodes:
  gh: ${gh(["gitlab"])}
  bad: ${gh(["stripe"])}
  d: { transform: dedupe, needs: [gh, bad] }
`)
    const r = await withDb(db, run({ dag: fixed, resume: c.summary.runId }))
    expect(r.summary.nodes.map((n) => [n.node, n.status])).toEqual([
      ["bad", "success"],
      ["d", "success"]
    ])
    expect(r.summary.nodes[1].rowsIn).toBe(6)
  })

  it("backfill filters to the window and never moves the cursor backwards", async () => {
    const db = join(tempDir(), "w.duckdb")
    const dag = dagFrom(
      `version: 1\nnodes:\n  gh: ${gh(["gitlab", "stripe", "gongio"])}\n  dedupe: { transform: dedupe, needs: [gh] }\n`
    )
    await withDb(db, run({ dag }))
    const cursor = async () =>
      (await withDb(db, q<{ value: string }>("select value from cursors where node = 'gh'")))[0].value
    const before = await cursor()
    const [{ newest }] = await withDb(
      db,
      q<{ newest: string }>(
        "select strftime(max(coalesce(updated_at, posted_at)) at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.000Z') as newest from stg_jobs"
      )
    )
    expect(before).toBe(newest)
    const { summary } = await withDb(
      db,
      run({ dag, backfill: { node: "gh", since: "2026-05-01", until: "2026-05-31" } })
    )
    expect(summary.nodes.map((n) => n.node)).toEqual(["gh", "dedupe"])
    const staged = await withDb(
      db,
      q<{ posted_at: string }>("select posted_at::varchar as posted_at from stg_jobs where run_id = $1", [
        summary.runId
      ])
    )
    expect(staged.length).toBeGreaterThan(0)
    expect(staged.every((r) => r.posted_at >= "2026-05-01" && r.posted_at < "2026-06-01")).toBe(true)
    expect(await cursor()).toBe(before)
  })
})
