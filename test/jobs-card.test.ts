import { Effect } from "effect"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { Warehouse } from "../sinks/warehouse.ts"
import { setStatus } from "../transforms/queue/store.ts"
import { cli } from "./support/cli.ts"
import { tempDir, withDb } from "./support/harness.ts"

// Synthetic rows: two ids that share their first 4 characters, so a short prefix is ambiguous and a longer one is not.
const A = "3eadbb7c1cee44173055"
const B = "3eadffff00000000aaaa"
const LONG = `${"Own the payer go-to-market and build the revenue team. ".repeat(40)}Last words.`

describe("jobsignal jobs JOB_ID", () => {
  const db = join(tempDir(), "card.duckdb")
  beforeAll(async () => {
    await withDb(
      db,
      Effect.gen(function* () {
        const w = yield* Warehouse
        yield* w.exec(
          `insert into jobs (id, source, source_id, title, company, location, remote, salary_min, salary_max,
             salary_currency, salary_period, posted_at, first_seen, last_seen, url, apply_url, description_text) values
           ($1, 'greenhouse', 'synthetic:1', 'VP Sales, Payer Partnerships', 'Acmeo Health', 'Remote, US', true,
             180000, 220000, 'USD', 'year', '2026-09-01', '2026-09-02', '2026-09-20',
             'https://example.test/synthetic/1', 'https://example.test/synthetic/1/apply', $2),
           ($3, 'lever', 'synthetic:2', 'Office Manager', 'Brightline', null, false, null, null, null, null, null,
             '2026-09-03', '2026-09-03', null, null, null)`,
          [A, LONG, B]
        )
        yield* w.exec(
          `insert into job_sightings (sighting_id, job_id, source, source_id, url, first_seen, last_seen) values
           ('s1', $1, 'greenhouse', 'synthetic:1', 'https://example.test/synthetic/1', '2026-09-02', '2026-09-20'),
           ('s2', $1, 'lever', 'synthetic:9', 'https://example.test/synthetic/9', '2026-09-05', '2026-09-20')`,
          [A]
        )
        yield* w.exec(
          `insert into job_scores (job_id, relevant, relevance_by, relevance_reason, fit_score, tier, fit_rationale, scored_by)
           values ($1, true, 'llm', 'a payer-facing sales leadership role', 88, 'A', 'Led payer sales for 10 years.', 'llm')`,
          [A]
        )
        yield* w.exec("insert into company_jobs (job_id, company_key) values ($1, 'acmeo health')", [A])
        yield* w.exec(
          `insert into signals (signal_id, company_key, type, signal_date, title, why_now, first_seen, last_seen)
           values ('g1', 'acmeo health', 'funding', '2026-08-15', 'Acmeo raises', 'raised a $40M Series B', now(), now())`
        )
        yield* setStatus(A, "interested", A, { at: "2026-09-21T09:00:00" })
      })
    )
  }, 120_000)

  it("shows one job by the start of its id: posting, pay, boards, fit and why, signals, status, the description cut", async () => {
    const r = await cli(["jobs", "3eadbb", "--db", db])
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    const out = r.stdout
    expect(out).toContain("VP Sales, Payer Partnerships — Acmeo Health")
    expect(out).toContain(`id ${A}`)
    expect(out).toContain("pay: USD 180,000–220,000 a year")
    expect(out).toContain("posted 2026-09-01 · first seen 2026-09-02 · last seen 2026-09-20")
    expect(out).toContain("apply: https://example.test/synthetic/1/apply")
    expect(out).toContain("score: fit 88 · tier A · relevant (llm)")
    expect(out).toContain("why this fit: Led payer sales for 10 years.")
    expect(out).toContain("relevance: a payer-facing sales leadership role")
    expect(out).toContain("seen on 2 boards:")
    expect(out).toMatch(/lever\s+2026-09-05\s+https:\/\/example\.test\/synthetic\/9/)
    expect(out).toContain("2026-08-15 · funding · raised a $40M Series B")
    expect(out).toContain("your status: interested (since 2026-09-21)")
    expect(out).toContain(`(${LONG.length.toLocaleString("en-US")} characters; --format json prints all of it)`)
    expect(out).not.toContain("Last words.")
    for (const line of out.split("\n")) expect(line.length).toBeLessThanOrEqual(100)
  }, 120_000)

  it("says what is missing instead of blank fields, and prints the whole record as JSON", async () => {
    const r = await cli(["jobs", B, "--db", db])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("pay: not stated")
    expect(r.stdout).toContain("posting date not given")
    expect(r.stdout).toContain("score: not scored yet")
    expect(r.stdout).toContain("company signals: none recorded")
    expect(r.stdout).toContain("your status: none yet")
    expect(r.stdout).toContain("(the posting has no description text)")
    const json = JSON.parse((await cli(["jobs", A, "--db", db, "--format", "json"])).stdout)
    expect(json.job.description_text).toBe(LONG)
    expect(json.sightings).toHaveLength(2)
    expect(json.score).toMatchObject({ fit_score: 88, tier: "A" })
  }, 120_000)

  it("an ambiguous prefix lists the ids it matches; an unknown id and csv are errors that say what to do", async () => {
    const amb = await cli(["jobs", "3ead", "--db", db])
    expect(amb.code).toBe(2)
    expect(amb.stderr).toContain(`"3ead" is the start of several job ids: ${A}, ${B}`)
    const none = await cli(["jobs", "ffff0000", "--db", db])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('no job "ffff0000"')
    const csv = await cli(["jobs", A, "--db", db, "--format", "csv"])
    expect(csv.code).toBe(2)
    expect(csv.stderr).toContain("one job prints as table or json")
  }, 120_000)
})

describe("a short job id on the commands that act on one job", () => {
  it("today ACTION takes the start of an id, and an ambiguous one is refused before anything is written", async () => {
    const db = join(tempDir(), "short.duckdb")
    await withDb(
      db,
      Effect.gen(function* () {
        const w = yield* Warehouse
        yield* w.exec(
          `insert into jobs (id, source, source_id, title, company, first_seen, last_seen) values
           ($1, 'greenhouse', 'synthetic:1', 'VP Sales', 'Acmeo Health', '2026-09-02', '2026-09-20'),
           ($2, 'lever', 'synthetic:2', 'Office Manager', 'Brightline', '2026-09-03', '2026-09-03')`,
          [A, B]
        )
      })
    )
    const ok = await cli(["today", "snooze", "3eadbb7c", "--until", "2026-10-01", "--db", db])
    expect(ok.stderr).toBe("")
    expect(ok.stdout).toContain(`${A}: snooze until 2026-10-01`)
    const amb = await cli(["today", "dismiss", "3ead", "--db", db])
    expect(amb.code).toBe(1)
    expect(amb.stderr).toContain(`"3ead" is the start of several job ids: ${A}, ${B}`)
    const rows = await cli(["sql", "select job_key, status from queue_status", "--db", db, "--format", "json"])
    expect(JSON.parse(rows.stdout)).toEqual([{ job_key: A, status: "snooze" }])
  }, 120_000)
})
