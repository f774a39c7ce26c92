import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Fiber } from "effect"
import { availableParallelism } from "node:os"
import { join } from "node:path"
import { greenhouse, normalizeGreenhouseJob } from "../../sources/greenhouse/index.ts"
import { startReplayServer, type ReplayServer } from "../../sources/replay.ts"
import { Warehouse } from "../../sinks/warehouse.ts"
import { stagingDdl } from "../../pipelines/source-node.ts"
import { htmlToText } from "../../sources/text.ts"
import { dagFrom, run, tempDir, withDb } from "../support/harness.ts"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer([greenhouse])
})
afterAll(() => replay.close())

const dagFor = (boards: string[]) =>
  dagFrom(`version: 1
defaults: { retry: { times: 0 } }
nodes:
  gh: { source: greenhouse, with: { base_url: "${replay.baseUrlFor("greenhouse")}", boards: [${boards.join(", ")}], details: false } }
`)

const q = <T = Record<string, unknown>>(sql: string) => Effect.flatMap(Warehouse, (w) => w.query<T>(sql))

describe("greenhouse source", () => {
  it("unescapes entity-encoded HTML content to readable text", () => {
    const text = htmlToText(
      "&lt;h2&gt;Who we are&lt;/h2&gt;&lt;p&gt;Fast &amp;amp; kind&lt;/p&gt;&lt;ul&gt;&lt;li&gt;One&lt;/li&gt;&lt;li&gt;Two&lt;/li&gt;&lt;/ul&gt;"
    )
    expect(text).toBe("Who we are\n\nFast & kind\n\n• One\n• Two")
  })

  it("HTML to text: scripts and styles go with their content, list items keep bullets, stray < stays", () => {
    expect(htmlToText("<p>a</p><script>x<p>y</p></script><P>b</P>")).toBe("a\n\nb")
    expect(htmlToText("<style type=x>.a{}</style>c<LI>d</LI><li>e</li foo>")).toBe("c\n• d\n• e")
    expect(htmlToText("a <> b < c")).toBe("a <> b < c")
    expect(htmlToText("<br/>x<br />y<!-- c -->z")).toBe("x\nyz")
    expect(htmlToText("<script>never closed<p>q")).toBe("never closed\nq")
    expect(htmlToText("x<pre>y</pre><param>z<p-x>w")).toBe("x\ny\nz\nw")
    expect(
      htmlToText("&lt;p&gt;5 &amp;lt; 6 &amp;amp; &quot;ok&quot; &#39;&lt;/p&gt;&lt;p&gt;caf&eacute;&lt;/p&gt;")
    ).toBe('5 < 6 & "ok" \'\n\ncafé')
  })

  it("normalizes a recorded job: ids, company, remote mode, dates in UTC, department", () => {
    const p = normalizeGreenhouseJob("gitlab", {
      id: 8503792002,
      title: "Account Executive - Italy ",
      absolute_url: "https://job-boards.greenhouse.io/gitlab/jobs/8503792002",
      updated_at: "2026-08-10T16:52:46-04:00",
      first_published: "2026-04-17T05:58:03-04:00",
      company_name: "GitLab",
      location: { name: "Remote, Italy" },
      departments: [{ id: 1, name: "EMEA - Commercial" }]
    })
    expect(p).toMatchObject({
      source: "greenhouse",
      source_id: "gitlab:8503792002",
      title: "Account Executive - Italy",
      company: "GitLab",
      remote: "remote",
      posted_at: "2026-04-17T09:58:03.000Z",
      updated_at: "2026-08-10T20:52:46.000Z",
      department: "EMEA - Commercial"
    })
  })

  it("DuckDB leaves a core to the fetching while the node runs, and gets it back after", async () => {
    const cores = availableParallelism()
    replay.script("/greenhouse/v1/boards/slow-board/", [
      { status: 200, delayMs: 400, body: JSON.stringify({ jobs: [] }) }
    ])
    const db = join(tempDir(), "w.duckdb")
    const threads = q<{ t: string }>("select current_setting('threads')::varchar t").pipe(
      Effect.map((r) => Number(r[0].t))
    )
    const [during, after] = await withDb(
      db,
      Effect.gen(function* () {
        const asked = replay.requests.length
        const running = yield* Effect.fork(run({ dag: dagFor(["slow-board"]) }))
        // The board answers 400 ms after it is asked: once it is asked, the node is fetching.
        while (!replay.requests.slice(asked).some((r) => r.path.includes("slow-board")))
          yield* Effect.sleep("10 millis")
        const during = yield* threads
        yield* Fiber.join(running)
        return [during, yield* threads]
      })
    )
    expect({ during, after }).toEqual({ during: Math.max(1, cores - 1), after: cores })
  })

  it("a warehouse error while staging fails the node, naming the table, and commits no cursor", async () => {
    const db = join(tempDir(), "w.duckdb")
    // A unique index and a row already holding one of the board's keys: the node's insert breaks it.
    await withDb(
      db,
      Effect.flatMap(Warehouse, (w) =>
        Effect.all(
          [
            w.exec(stagingDdl(greenhouse)),
            w.exec("create unique index stg_key on stg_jobs (record_key)"),
            w.exec(
              "insert into stg_jobs (run_id, node, record_key, fetched_at, source, source_id) values ('earlier', 'gh', 'gitlab:8503792002', now(), 'greenhouse', 'gitlab:8503792002')"
            )
          ],
          { discard: true }
        )
      )
    )
    const { summary } = await withDb(db, run({ dag: dagFor(["gitlab", "stripe"]) }))
    expect(summary.nodes[0]).toMatchObject({ node: "gh", status: "failed" })
    expect(summary.nodes[0].error).toMatch(/WarehouseError.*insert into stg_jobs/)
    expect(await withDb(db, q("select count(*)::int n from cursors where node = 'gh'"))).toEqual([{ n: 0 }])
  })

  it("counts a record missing its id as skipped, naming the board and record, and keeps the others", async () => {
    replay.script("/greenhouse/v1/boards/broken-record/", [
      {
        status: 200,
        body: JSON.stringify({
          jobs: [
            { title: "No id here", absolute_url: "https://x/1" },
            { id: 7, title: "Kept", absolute_url: "https://x/7", location: { name: "Remote" } }
          ]
        })
      }
    ])
    const db = join(tempDir(), "w.duckdb")
    const { summary } = await withDb(db, run({ dag: dagFor(["broken-record"]) }))
    expect(summary.nodes[0]).toMatchObject({ status: "partial", rowsIn: 2, rowsOut: 1 })
    const errs = await withDb(
      db,
      q<{ unit: string; reason: string; message: string }>("select unit, reason, message from source_errors")
    )
    expect(errs).toHaveLength(1)
    expect(errs[0]).toMatchObject({ unit: "broken-record", reason: "InvalidRecord" })
    expect(errs[0].message).toContain('greenhouse board broken-record: record #0 ("No id here")')
    expect(errs[0].message).toContain('"id"')
  })

  it("HTML where JSON was expected and truncated JSON are skippable per board, never a crash", async () => {
    replay.script("/greenhouse/v1/boards/html-board/", [
      {
        status: 200,
        body: "<!doctype html><html><body>Please enable JS</body></html>",
        headers: { "content-type": "text/html" }
      }
    ])
    replay.script("/greenhouse/v1/boards/cut-board/", [{ status: 200, body: '{"jobs":[{"id":1,"title":"A' }])
    const db = join(tempDir(), "w.duckdb")
    const { summary } = await withDb(db, run({ dag: dagFor(["html-board", "cut-board", "gitlab"]) }))
    expect(summary.status).toBe("success")
    expect(summary.nodes[0]).toMatchObject({ status: "partial", rowsOut: 3 })
    const errs = await withDb(
      db,
      q<{ unit: string; message: string }>("select unit, message from source_errors order by unit")
    )
    expect(errs.map((e) => e.unit)).toEqual(["cut-board", "html-board"])
    expect(errs[1].message).toContain("returned HTML where JSON was expected")
    expect(errs[0].message).toContain("not valid JSON")
  })

  it("waits as a 429's Retry-After says, then reads the board", async () => {
    replay.script("/greenhouse/v1/boards/stripe/", [{ status: 429, headers: { "retry-after": "1" }, body: "{}" }])
    const db = join(tempDir(), "w.duckdb")
    const start = replay.requests.length
    const { summary } = await withDb(db, run({ dag: dagFor(["stripe"]) }))
    expect(summary.nodes[0]).toMatchObject({ status: "success", rowsOut: 3 })
    const hits = replay.requests.slice(start).filter((r) => r.path.startsWith("/greenhouse/v1/boards/stripe/"))
    expect(hits).toHaveLength(2)
    expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(950)
  })
})
