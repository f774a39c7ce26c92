import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { rss, feedRequestUrl } from "../sources/rss/index.ts"
import { startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"
import { collectingEvents } from "../pipelines/events.ts"

let replay: ReplayServer
let latin1: Server
let latin1Url: string
beforeAll(async () => {
  replay = await startReplayServer([rss])
  // SYNTHETIC ISO-8859-1 feed, served as raw bytes (the replay server re-encodes files as UTF-8).
  const body = Buffer.from(
    `<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0"><channel><title>Synthetic Latin-1</title><link>https://latin1.test/</link>
<item><title>Société Générale Santé raises $12 million Series A</title><link>https://latin1.test/sgs</link><guid>l1</guid><pubDate>Mon, 03 Mar 2025 10:00:00 +0100</pubDate></item>
</channel></rss>`,
    "latin1"
  )
  latin1 = createServer((req, res) => {
    res.writeHead(200, { "content-type": req.url?.includes("koi") ? "application/xml" : "application/rss+xml" })
    res.end(req.url?.includes("koi") ? Buffer.from(`<?xml version="1.0" encoding="x-no-such-charset"?><rss/>`) : body)
  })
  await new Promise<void>((ok) => latin1.listen(0, "127.0.0.1", ok))
  latin1Url = `http://127.0.0.1:${(latin1.address() as AddressInfo).port}`
})
afterAll(async () => {
  await replay.close()
  latin1.close()
})

const runRss = (feeds: string[], baseUrl: string | null = replay.baseUrlFor("rss")) => {
  const db = join(tempDir("rss-"), "w.duckdb")
  const dag = dagFrom(`version: 1
defaults: { retry: { times: 0 } }
nodes:
  news: { source: rss, with: { ${baseUrl ? `base_url: "${baseUrl}", ` : ""}google_news: { max: 0 }, feeds: [${feeds.map((f) => JSON.stringify(f)).join(", ")}] } }
`)
  return withDb(
    db,
    Effect.gen(function* () {
      const events = collectingEvents()
      const { summary } = yield* run({ dag, events })
      const w = yield* Warehouse
      const node = summary.nodes.find((n) => n.node === "news")!
      const rows = yield* w.query<{
        feed: string
        guid: string
        title: string
        published_at: string | null
        content: string | null
        summary: string | null
      }>(
        "select feed, guid, title, published_at::varchar as published_at, content, summary from stg_news where run_id = $1 order by feed, guid",
        [summary.runId]
      )
      const errors = yield* w.query<{ unit: string; reason: string; message: string }>(
        "select unit, reason, message from source_errors where run_id = $1 order by message",
        [summary.runId]
      )
      const details = JSON.parse(
        (yield* w.query<{ d: string }>("select details::varchar as d from node_runs where run_id = $1", [
          summary.runId
        ]))[0].d
      )
      return { node, rows, errors, details, events: events.seen as ReadonlyArray<{ type: string; message?: string }> }
    })
  )
}

describe("rss", { timeout: 60_000 }, () => {
  it("maps each feed under base_url by host, so feeds of different sites never collide", () => {
    expect(feedRequestUrl("https://techcrunch.com/feed/?x=1", "http://127.0.0.1:9/rss")).toBe(
      "http://127.0.0.1:9/rss/techcrunch.com/feed/?x=1"
    )
    expect(feedRequestUrl("https://techcrunch.com/feed/", undefined)).toBe("https://techcrunch.com/feed/")
  })

  it("reads the recorded TechCrunch RSS and heise Atom feeds: titles, dates, GUIDs, article text", async () => {
    const r = await runRss(["https://techcrunch.com/feed/", "https://www.heise.de/developer/rss/news-atom.xml"])
    expect(r.node.status).toBe("success")
    const tc = r.rows.filter((x) => x.feed === "techcrunch.com")
    expect(tc).toHaveLength(20)
    expect(r.rows.filter((x) => x.feed === "www.heise.de")).toHaveLength(15)
    const configu = tc.find((x) => x.title.startsWith("Configu raises"))!
    expect(configu.guid).toBe("https://techcrunch.com/?p=2583274")
    expect(configu.published_at).toMatch(/^2023-08-15 18:32:28/)
    expect(configu.content).toContain("led by Cardumen Capital")
    expect(r.rows.find((x) => x.guid === "http://heise.de/-3088372")!.title).toBe(
      "Microsoft veröffentlicht Cordova-Erweiterung für Visual Studio Code"
    )
  })

  it("a malformed feed fails alone, named; undated items are kept and counted; repeated GUIDs are skipped and counted", async () => {
    const r = await runRss([
      "https://synthetic.test/malformed.xml",
      "https://synthetic.test/no-dates.xml",
      "https://synthetic.test/duplicate-guids.xml"
    ])
    expect(r.node.status).toBe("partial")
    expect(r.details.failed_units).toHaveLength(1)
    expect(r.details.failed_units[0].unit).toBe("synthetic.test/malformed.xml")
    expect(
      r.errors.some((e) =>
        /feed synthetic\.test\/malformed\.xml \(https:\/\/synthetic\.test\/malformed\.xml\) is not readable RSS\/Atom/.test(
          e.message
        )
      )
    ).toBe(true)
    const undated = r.rows.filter((x) => x.guid.startsWith("nd-"))
    expect(undated.map((x) => x.published_at)).toEqual([null, null])
    expect(r.events.some((e) => e.type === "info" && /2 of 2 items carry no date/.test(e.message ?? ""))).toBe(true)
    expect(r.rows.filter((x) => x.guid === "dup-1").map((x) => x.title)).toEqual([
      "Ridgeline Care appoints Maria Lopez as Chief Revenue Officer"
    ])
    expect(r.details.skipped_records).toBe(1)
    expect(r.errors.some((e) => /repeats GUID dup-1; kept the first/.test(e.message))).toBe(true)
  })

  it("decodes a feed declared ISO-8859-1 from its bytes; an undecodable charset is a named per-feed error", async () => {
    const r = await runRss([`${latin1Url}/latin1.xml`, `${latin1Url}/koi.xml`], null)
    expect(r.rows.map((x) => x.title)).toEqual(["Société Générale Santé raises $12 million Series A"])
    expect(r.node.status).toBe("partial")
    expect(r.errors.some((e) => /declares encoding "x-no-such-charset"/.test(e.message))).toBe(true)
  })
})
