/**
 * Honest states: a node that did none of its work for want of a key ends `skipped` with the reason (not a green
 * success), its downstream still runs, a run whose every node skipped itself is `skipped` in the summary and the
 * ledger, and a dashboard task whose every step was skipped ends `skipped`, not `done`.
 */
import { Effect, Schema, Stream } from "effect"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { kinds } from "../app/index.ts"
import { collectingEvents } from "../pipelines/events.ts"
import type { NodeKind } from "../pipelines/node.ts"
import { makeTasks } from "../pipelines/serve/tasks.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { allSkippedReason } from "../transforms/intel/ops.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"

const NO_KEY = "no LLM provider key (synthetic node: set ANTHROPIC_API_KEY)"

/** A synthetic node kind standing for an LLM node run without a key. */
const keyless: NodeKind = {
  role: "transform",
  kind: "synthetic_keyless",
  description: "synthetic: does nothing, for want of a key",
  options: Schema.Struct({}),
  run: () => Effect.succeed({ rowsIn: 3, rowsOut: 0, skipped: NO_KEY })
}
/** A synthetic downstream node that works. */
const after: NodeKind = {
  role: "transform",
  kind: "synthetic_after",
  description: "synthetic: succeeds",
  options: Schema.Struct({}),
  run: () => Effect.succeed({ rowsIn: 0, rowsOut: 1 })
}
const testKinds = [...kinds, keyless, after]

const ledger = (db: string, runId: string) =>
  withDb(
    db,
    Effect.flatMap(Warehouse, (w) =>
      Effect.all([
        w.query("select status from runs where run_id = $1", [runId]),
        w.query("select node, status, error_message from node_runs where run_id = $1 order by node", [runId])
      ])
    )
  )

describe("honest skipped state", () => {
  it("a run whose every node skipped itself is skipped with the reason, in the summary, events and ledger", async () => {
    const db = join(tempDir(), "w.duckdb")
    const dag = dagFrom("version: 1\nnodes:\n  llm: { transform: synthetic_keyless }\n", tempDir(), testKinds)
    const events = collectingEvents()
    const { summary } = await withDb(db, run({ dag, events }))
    expect(summary).toMatchObject({ status: "skipped", reason: NO_KEY })
    expect(summary.nodes).toMatchObject([{ node: "llm", status: "skipped", error: NO_KEY }])
    expect(events.seen.find((e) => e.type === "run_finished")).toMatchObject({ status: "skipped", reason: NO_KEY })
    const [runs, nodes] = await ledger(db, summary.runId)
    expect(runs).toEqual([{ status: "skipped" }])
    expect(nodes).toEqual([{ node: "llm", status: "skipped", error_message: NO_KEY }])
  })

  it("a skipped node does not stop its downstream, and the run still succeeds", async () => {
    const db = join(tempDir(), "w.duckdb")
    const dag = dagFrom(
      "version: 1\nnodes:\n  llm: { transform: synthetic_keyless }\n  store: { transform: synthetic_after, needs: [llm] }\n",
      tempDir(),
      testKinds
    )
    const { summary } = await withDb(db, run({ dag }))
    expect(summary.status).toBe("success")
    expect(summary.reason).toBeUndefined()
    expect(summary.nodes.map((n) => [n.node, n.status])).toEqual([
      ["llm", "skipped"],
      ["store", "success"]
    ])
    const [runs] = await ledger(db, summary.runId)
    expect(runs).toEqual([{ status: "success" }])
  })

  it("a task whose body says skipped ends skipped with the reason; one that did work ends done", async () => {
    const tasks = makeTasks()
    const skipped = await Effect.runPromise(tasks.start("ops", "synthetic", () => Effect.succeed({ skipped: NO_KEY })))
    const done = await Effect.runPromise(tasks.start("ops", "synthetic", () => Effect.succeed({ usd: 0.01 })))
    const last = async (id: string) => [...(await Effect.runPromise(Stream.runCollect(tasks.events(id)!)))].at(-1)
    expect(await last(skipped.id)).toMatchObject({ type: "task_finished", status: "skipped", reason: NO_KEY })
    expect(tasks.get(skipped.id)).toMatchObject({ status: "skipped", reason: NO_KEY })
    expect(await last(done.id)).toMatchObject({ type: "task_finished", status: "done" })
    expect(tasks.get(done.id)?.reason).toBeUndefined()
  })

  it("per-job operations are skipped only when every layer of every job was", () => {
    const why = "extract skipped: no LLM provider key for the fast tier (set one of: ANTHROPIC_API_KEY)"
    expect(allSkippedReason([{ extract: "skipped" }, { extract: "skipped" }], [why, why])).toBe(
      "no LLM provider key for the fast tier (set one of: ANTHROPIC_API_KEY)"
    )
    expect(allSkippedReason([{ extract: "skipped" }, { extract: "done" }], [why])).toBeUndefined()
    expect(allSkippedReason([{ extract: "failed" }], [])).toBeUndefined()
    expect(allSkippedReason([], [])).toBeUndefined()
  })
})
