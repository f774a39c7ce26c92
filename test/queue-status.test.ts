import { Effect } from "effect"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { type QueueJob, todayQueue } from "../transforms/queue/rank.ts"
import { loadStatuses, markLooked, setStatus } from "../transforms/queue/store.ts"
import { tempDir, withDb } from "./support/harness.ts"

const job = (key: string, hash = `h-${key}`): QueueJob => ({
  job_key: key,
  company: "Acme",
  title: "Data Engineer",
  fit: 0.6,
  first_seen: "2026-03-09",
  content_hash: hash,
  boards: 1,
  whyNow: []
})

describe("queue statuses in the warehouse", () => {
  it("round-trip, and a dismissed job stays out of the next queue unless it changed", async () => {
    const db = join(tempDir(), "q.duckdb")
    await withDb(
      db,
      Effect.gen(function* () {
        yield* setStatus("a", "dismiss", "h-a", { at: "2026-03-10T09:00:00" })
        yield* setStatus("b", "snooze", "h-b", { until: "2026-03-20", at: "2026-03-10T09:00:00" })
        yield* setStatus("c", "interested", "h-c", { at: "2026-03-10T09:00:00" })
        yield* setStatus("c", "applied", "h-c", { at: "2026-03-10T10:00:00" })
      })
    )
    // A fresh connection: what was kept is on disk, not in memory.
    const { statuses, first, second } = await withDb(
      db,
      Effect.gen(function* () {
        const statuses = yield* loadStatuses
        const first = yield* markLooked("2026-03-10T11:00:00")
        const second = yield* markLooked("2026-03-11T08:00:00")
        return { statuses, first, second }
      })
    )
    expect(Object.fromEntries(statuses)).toEqual({
      a: { status: "dismiss", content_hash: "h-a", until: null },
      b: { status: "snooze", content_hash: "h-b", until: "2026-03-20" },
      c: { status: "applied", content_hash: "h-c", until: null }
    })
    expect([first, second]).toEqual([null, "2026-03-10T11:00:00"])
    const q = todayQueue([job("a"), job("b"), job("c"), job("d")], statuses, { asOf: "2026-03-11" })
    expect(q.map((i) => i.job_key)).toEqual(["d"])
    const changed = todayQueue([job("a", "h-a2")], statuses, { asOf: "2026-03-11" })
    expect(changed.map((i) => [i.job_key, i.status])).toEqual([["a", null]])
  })
})
