import { Effect } from "effect"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { Warehouse } from "../sinks/warehouse.ts"
import { setStatus } from "../transforms/queue/store.ts"
import { cli } from "./support/cli.ts"
import { tempDir, withDb } from "./support/harness.ts"

describe("jobsignal today", () => {
  it("prints the ranked queue as of a date, without dismissed or later jobs", async () => {
    const db = join(tempDir(), "today.duckdb")
    await withDb(
      db,
      Effect.gen(function* () {
        const w = yield* Warehouse
        yield* w.exec(`insert into jobs (id, source, source_id, title, company, first_seen, last_seen) values
          ('j1', 'greenhouse', 'a:1', 'Senior Data Engineer', 'Acmeo Health', '2025-06-01', '2025-06-01'),
          ('j2', 'lever', 'b:1', 'Analytics Engineer', 'Brightline', '2025-05-20', '2025-06-01'),
          ('j3', 'lever', 'b:2', 'Office Manager', 'Brightline', '2025-06-01', '2025-06-01'),
          ('j4', 'ashby', 'c:1', 'Staff Data Engineer', 'Later Co', '2025-06-05', '2025-06-05')`)
        yield* w.exec(`insert into job_scores (job_id, relevant, fit_score) values
          ('j1', true, 80), ('j2', true, 70), ('j3', true, 90), ('j4', true, 95)`)
        yield* setStatus("j3", "dismiss", "j3", { at: "2025-06-01T10:00:00" })
      })
    )
    const r = await cli(["today", "--db", db, "--as-of", "2025-06-02"])
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Today's queue as of 2025-06-02: 2 item(s)")
    expect(r.stdout.indexOf("Acmeo Health")).toBeLessThan(r.stdout.indexOf("Brightline"))
    expect(r.stdout).not.toContain("Office Manager")
    expect(r.stdout).not.toContain("Later Co")
  }, 120_000)

  it("names the bad --as-of value", async () => {
    const r = await cli(["today", "--db", join(tempDir(), "none.duckdb"), "--as-of", "June 2"])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('--as-of "June 2": expected YYYY-MM-DD')
  }, 120_000)
})

describe("jobsignal today ACTION JOB_ID", () => {
  it("records applied / snooze in queue_status and the embedded level-2 status, and the queue leaves them out", async () => {
    const db = join(tempDir(), "act.duckdb")
    await withDb(
      db,
      Effect.gen(function* () {
        const w = yield* Warehouse
        yield* w.exec(`insert into jobs (id, source, source_id, title, company, first_seen, last_seen) values
          ('j1', 'greenhouse', 'a:1', 'Senior Data Engineer', 'Acmeo Health', '2025-06-01', '2025-06-01'),
          ('j2', 'lever', 'b:1', 'Analytics Engineer', 'Brightline', '2025-05-20', '2025-06-01')`)
        yield* w.exec(
          `insert into mongo_level_2 (id, doc, inserted_at, updated_at) values ('j1', '{"id":"j1","status":"under processing"}', now(), now())`
        )
      })
    )
    const applied = await cli(["today", "applied", "j1", "--db", db])
    expect(applied.stderr).toBe("")
    expect(applied.stdout).toContain("j1: applied (warehouse queue_status, level-2 status in mongo_level_2)")
    const snooze = await cli(["today", "snooze", "j2", "--until", "2025-06-10", "--db", db])
    expect(snooze.stdout).toContain("j2: snooze until 2025-06-10")
    const queue = await cli(["today", "--db", db, "--as-of", "2025-06-02"])
    expect(queue.stdout).toContain("Today's queue as of 2025-06-02: 0 item(s)")
    const later = await cli(["today", "--db", db, "--as-of", "2025-06-11"])
    expect(later.stdout).toContain("Brightline")
    expect(later.stdout).not.toContain("Acmeo")
    const doc = await cli(["sql", "select doc->>'status' as s from mongo_level_2 where id = 'j1'", "--db", db])
    expect(doc.stdout).toContain("applied")
  }, 120_000)

  it("names what is wrong: an unknown job, a snooze without --until", async () => {
    const db = join(tempDir(), "act-bad.duckdb")
    await withDb(db, Effect.void)
    const unknown = await cli(["today", "dismiss", "nope", "--db", db])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain(`job "nope" is not in the warehouse's jobs`)
    const snooze = await cli(["today", "snooze", "nope", "--db", db])
    expect(snooze.stderr).toContain("snooze needs the day it comes back (--until YYYY-MM-DD)")
  }, 120_000)
})
