import { describe, expect, it } from "vitest"
import { type QueueJob, type StatusRecord, todayQueue } from "../transforms/queue/rank.ts"

const job = (key: string, over: Partial<QueueJob> = {}): QueueJob => ({
  job_key: key,
  company: "Acme",
  title: "Data Engineer",
  fit: 0.6,
  first_seen: "2026-03-09",
  content_hash: `h-${key}`,
  boards: 1,
  whyNow: [],
  ...over
})
const asOf = "2026-03-10"

describe("today's queue", () => {
  it("ranks by fit, then freshness, signals and boards", () => {
    const q = todayQueue(
      [
        job("old", { first_seen: "2026-02-01" }),
        job("fresh"),
        job("signals", { whyNow: ["Form D: raised $5.7M"] }),
        job("boards", { boards: 3 }),
        job("best", { fit: 0.9 })
      ],
      new Map(),
      { asOf }
    )
    expect(q.map((i) => i.job_key)).toEqual(["best", "boards", "signals", "fresh", "old"])
  })

  it("leaves out jobs first seen after the as-of date and marks those since the last look as new", () => {
    const q = todayQueue(
      [job("a", { first_seen: "2026-03-05" }), job("b"), job("future", { first_seen: "2026-03-12" })],
      new Map(),
      {
        asOf,
        lastLooked: "2026-03-07"
      }
    )
    expect(q.map((i) => [i.job_key, i.isNew])).toEqual([
      ["b", true],
      ["a", false]
    ])
  })

  it("keeps dismissed and applied jobs out unless the posting changed; snoozes return when due", () => {
    const statuses = new Map<string, StatusRecord>([
      ["dismissed", { status: "dismiss", content_hash: "h-dismissed" }],
      ["changed", { status: "dismiss", content_hash: "an older version" }],
      ["applied", { status: "applied", content_hash: "h-applied" }],
      ["snoozed", { status: "snooze", content_hash: "h-snoozed", until: "2026-03-15" }],
      ["due", { status: "snooze", content_hash: "h-due", until: "2026-03-09" }],
      ["liked", { status: "interested", content_hash: "h-liked" }]
    ])
    const q = todayQueue(
      ["dismissed", "changed", "applied", "snoozed", "due", "liked"].map((k) => job(k)),
      statuses,
      { asOf }
    )
    expect(Object.fromEntries(q.map((i) => [i.job_key, i.status]))).toEqual({
      changed: null,
      due: "snooze",
      liked: "interested"
    })
  })
})
