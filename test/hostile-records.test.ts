/**
 * Hostile records and hostile runs against a loopback replay server: a lone surrogate, a 100k-deep
 * field and a 100k-deep body each cost one record or one board, never the node; a node timeout
 * commits the boards that answered; a staging column without a migration stops the node before it
 * fetches; a node dying with an unprintable defect still closes the run in the ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Schema } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { greenhouse } from "../sources/greenhouse/index.ts"
import { fixturesDir, startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { stgJobs } from "../sinks/stg-jobs.ts"
import { toJsonLine, UnserializableRow } from "../sinks/json-line.ts"
import { kinds } from "../app/index.ts"
import type { NodeKind } from "../pipelines/node.ts"
import { sourceNode } from "../pipelines/source-node.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer([greenhouse])
})
afterAll(() => replay.close())

const gitlab = () =>
  JSON.parse(readFileSync(join(fixturesDir, "greenhouse/breteai-gitlab-jobs-content.json"), "utf8")) as {
    jobs: Array<Record<string, any>>
  }
const deep = (levels: number) => {
  let v: unknown = 1
  for (let i = 0; i < levels; i++) v = [v]
  return v
}
const listing = (board: string) => `/greenhouse/v1/boards/${board}/jobs`
const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  Effect.flatMap(Warehouse, (w) => w.query<T>(sql, params))
const ghDag = (boards: string[], extra = "") =>
  dagFrom(`version: 1
defaults: { retry: { times: 0 } }
nodes:
  gh: { source: greenhouse, ${extra} with: { base_url: "${replay.baseUrlFor("greenhouse")}", boards: [${boards.join(", ")}], details: false } }
  dd: { transform: dedupe, needs: [gh] }
`)

describe("serializing hostile rows", () => {
  it("replaces lone surrogates by U+FFFD, keeps valid pairs and escaped backslashes, refuses rows deeper than 64", () => {
    let repaired = 0
    const line = toJsonLine({ a: "x\ud800y", b: "😀", c: "\\ud800 is text", d: "\udc00\ud800" }, () => {
      repaired++
    })
    expect(JSON.parse(line)).toEqual({ a: "x\ufffdy", b: "😀", c: "\\ud800 is text", d: "\ufffd\ufffd" })
    expect(repaired).toBe(1)
    expect(() => toJsonLine({ ok: deep(64) })).not.toThrow()
    expect(() => toJsonLine({ raw: { meta: deep(100_000) } })).toThrow(UnserializableRow)
    expect(() => toJsonLine({ raw: { meta: deep(100_000) } })).toThrow(/field raw: nested deeper than 64 levels/)
  })
})

describe("one hostile record or body costs that record or board, not the node", () => {
  it("stages a lone-surrogate title as U+FFFD, skips a 100k-deep record and a 100k-deep body, lands every healthy board", async () => {
    const body = gitlab()
    const total = body.jobs.length
    body.jobs[0].title = `Engineer \ud800 lone`
    body.jobs[1].metadata = [{ id: 1, name: "hostile", value: "__DEEP__", value_type: "short_text" }]
    body.jobs[2].title = "__DEEP__"
    const hostileIds = body.jobs.slice(0, 3).map((j) => String(j.id))
    // Spliced into the text: JSON.stringify of a 100k-deep value would overflow here, in the test.
    const deepText = "[".repeat(100_000) + "1" + "]".repeat(100_000)
    replay.script(listing("hostile"), [{ status: 200, body: JSON.stringify(body).replaceAll(`"__DEEP__"`, deepText) }])
    replay.script(listing("deepbody"), [{ status: 200, body: "[".repeat(100_000) + "]".repeat(100_000) }])
    const db = join(tempDir(), "w.duckdb")
    const { summary } = await withDb(db, run({ dag: ghDag(["gitlab", "hostile", "deepbody"]) }))
    expect(summary.nodes.map((n) => [n.node, n.status])).toEqual([
      ["gh", "partial"],
      ["dd", "success"]
    ])
    expect(summary.nodes[0].rowsOut).toBe(total + total - 2)

    const perBoard = await withDb(
      db,
      q<{ unit: string; n: number }>(
        "select unit, count(*)::int as n from stg_jobs where run_id = $1 group by unit order by unit",
        [summary.runId]
      )
    )
    expect(perBoard).toEqual([
      { unit: "gitlab", n: total },
      { unit: "hostile", n: total - 2 }
    ])
    const [titled] = await withDb(
      db,
      q<{ title: string }>("select title from stg_jobs where run_id = $1 and record_key = $2", [
        summary.runId,
        `hostile:${hostileIds[0]}`
      ])
    )
    expect(titled.title).toBe("Engineer \ufffd lone")

    const errs = await withDb(
      db,
      q<{ unit: string; error_tag: string; reason: string; message: string }>(
        "select unit, error_tag, reason, message from source_errors where run_id = $1 order by unit, message",
        [summary.runId]
      )
    )
    expect(errs.map((e) => [e.unit, e.error_tag, e.reason])).toEqual([
      ["deepbody", "Skippable", "BadBody"],
      ["hostile", "Skippable", "InvalidRecord"],
      ["hostile", "Skippable", "InvalidRecord"]
    ])
    expect(errs[0].message).toContain("greenhouse gh unit deepbody")
    const [tooDeep] = errs.filter((e) => e.message.includes("nested deeper than 64"))
    expect(tooDeep.message).toContain(`record hostile:${hostileIds[1]}`)
    const [badTitle] = errs.filter((e) => e.message.includes("too deeply nested to print"))
    expect(badTitle.message).toContain("record #2")
    for (const e of errs) expect(e.message.length).toBeLessThan(5_000)
    const [nr] = await withDb(
      db,
      q<{ details: string }>("select details from node_runs where run_id = $1 and node = 'gh'", [summary.runId])
    )
    expect(JSON.parse(nr.details)).toMatchObject({ repaired_records: 1, skipped_records: 2 })
  })
})

describe("a node timeout keeps what finished", () => {
  it("commits the boards that answered, records the board that never did as a timeout, holds the cursor, runs downstream", async () => {
    replay.script(listing("silent"), [{ status: 200, body: "{}", delayMs: 600_000 }])
    // Parked for 11 days by Retry-After: unfinished at the timeout, or given up by a Retry-After cap; never the node.
    replay.script(
      listing("parked"),
      Array.from({ length: 10 }, () => ({ status: 429, body: "{}", headers: { "retry-after": "999999" } }))
    )
    const total = gitlab().jobs.length
    const db = join(tempDir(), "w.duckdb")
    const { summary } = await withDb(db, run({ dag: ghDag(["gitlab", "silent", "parked"], "timeout: 2s,") }))
    expect(summary.nodes.map((n) => [n.node, n.status])).toEqual([
      ["gh", "partial"],
      ["dd", "success"]
    ])
    expect(summary.status).toBe("success")
    expect(summary.nodes[0].rowsOut).toBe(total)
    expect(summary.nodes[1].rowsIn).toBe(total)
    const staged = await withDb(
      db,
      q<{ n: number }>("select count(*)::int as n from stg_jobs where run_id = $1 and unit = 'gitlab'", [summary.runId])
    )
    expect(staged).toEqual([{ n: total }])
    const errs = await withDb(
      db,
      q<{ unit: string; error_tag: string; reason: string; message: string }>(
        "select unit, error_tag, reason, message from source_errors where run_id = $1",
        [summary.runId]
      )
    )
    const silent = errs.filter((e) => e.unit === "silent")
    expect(silent.map((e) => [e.error_tag, e.reason])).toEqual([["Retriable", "Timeout"]])
    expect(silent[0].message).toContain("greenhouse gh unit silent: did not finish within the node timeout (2s)")
    // Retry-After past the cap (120 s): given up at once, counted, never parked until the timeout.
    expect(errs.filter((e) => e.unit === "parked").map((e) => [e.error_tag, e.reason])).toEqual([
      ["Skippable", "Exhausted"]
    ])
    expect(errs).toHaveLength(2)
    // The cursor is one mark over all boards: moved past the silent board, its older jobs would be lost.
    expect(await withDb(db, q("select * from cursors where node = 'gh'"))).toEqual([])
    const [nr] = await withDb(
      db,
      q<{ details: string }>("select details from node_runs where run_id = $1 and node = 'gh'", [summary.runId])
    )
    expect(JSON.parse(nr.details)).toMatchObject({ cursor_held: true })
    expect(JSON.parse(nr.details).unfinished_units).toContain("silent")
  })
})

describe("staging schema", () => {
  // A connector that gained a staging column nobody wrote a migration for (stg_jobs is made by one).
  const widened: NodeKind = sourceNode({
    ...greenhouse,
    kind: "test_greenhouse_new_column",
    output: {
      ...greenhouse.output,
      table: { ...stgJobs, columns: { ...stgJobs.columns, seniority: "VARCHAR" } },
      toRow: (r) => ({ ...greenhouse.output.toRow(r), seniority: "senior" })
    }
  })

  it("a staging column the table lacks stops the node before any request, naming table and column", async () => {
    const db = join(tempDir(), "w.duckdb")
    const dag = dagFrom(
      `version: 1
defaults: { retry: { times: 0 } }
nodes:
  gh: { source: test_greenhouse_new_column, with: { base_url: "${replay.baseUrlFor("greenhouse")}", boards: [gitlab], details: false } }
`,
      tempDir(),
      [...kinds, widened]
    )
    const before = replay.requests.length
    const { summary } = await withDb(db, run({ dag }))
    expect(summary.nodes.map((n) => [n.node, n.status])).toEqual([["gh", "failed"]])
    expect(summary.nodes[0].error).toBe(
      `Fatal/Config: gh (source: test_greenhouse_new_column): staging table stg_jobs has no column "seniority": add a migration that creates it`
    )
    expect(replay.requests.length).toBe(before)
  })

  it("an insert naming a column the table lacks fails instead of dropping it", async () => {
    const db = join(tempDir(), "w.duckdb")
    const r = await withDb(
      db,
      Effect.flatMap(Warehouse, (w) =>
        Effect.either(
          w.insertRows("source_errors", [
            {
              run_id: "r",
              node: "n",
              unit: null,
              error_tag: "Skippable",
              reason: "BadBody",
              message: "m",
              occurred_at: new Date().toISOString(),
              severity: "high"
            }
          ])
        )
      )
    )
    expect(r._tag).toBe("Left")
    expect(r._tag === "Left" && r.left.message).toContain(`table source_errors has no column "severity"`)
  })
})

describe("the ledger is always closed", () => {
  const dying: NodeKind = {
    role: "transform",
    kind: "test_unprintable_defect",
    description: "dies with a defect no formatter can print (a 100k-deep array)",
    options: Schema.Struct({}),
    run: () => Effect.die(deep(100_000))
  }

  it("a node dying with an unprintable defect ends failed, its downstream skipped, the run failed (not running)", async () => {
    const dag = dagFrom(
      `version: 1
defaults: { retry: { times: 0 } }
nodes:
  boom: { transform: test_unprintable_defect }
  dd: { transform: dedupe, needs: [boom] }
`,
      tempDir(),
      [...kinds, dying]
    )
    const db = join(tempDir(), "w.duckdb")
    const { summary } = await withDb(db, run({ dag }))
    expect(summary.status).toBe("failed")
    expect(summary.nodes.map((n) => [n.node, n.status])).toEqual([
      ["boom", "failed"],
      ["dd", "skipped"]
    ])
    const runs = await withDb(
      db,
      q<{ status: string; ended: boolean }>("select status, ended_at is not null as ended from runs")
    )
    expect(runs).toEqual([{ status: "failed", ended: true }])
    const nodes = await withDb(
      db,
      q<{ node: string; status: string }>("select node, status from node_runs order by node")
    )
    expect(nodes).toEqual([
      { node: "boom", status: "failed" },
      { node: "dd", status: "skipped" }
    ])
  })
})
