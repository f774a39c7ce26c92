import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { boardSources } from "../app/index.ts"
import { fixturesDir, startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { recordSource, stripUrl } from "../pipelines/cli/record.ts"
import { dagFrom, tempDir } from "./support/harness.ts"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer(boardSources)
})
afterAll(() => replay.close())

const SECRET = "sekret-app-key-9f8e7d"

describe("jobsignal record (against the replay server)", () => {
  it("writes each response as a fixture with a provenance row; keys never reach the files", async () => {
    const out = tempDir("record-")
    const dag = dagFrom(`version: 1
nodes:
  nurses:
    source: adzuna
    enabled: false
    with:
      base_url: "${replay.baseUrlFor("adzuna")}"
      app_id: "app-id-1234"
      app_key: "${SECRET}"
      searches: [{ term: "registered nurse", location: "Boston", results_wanted: 50 }]
`)
    const r = await Effect.runPromise(recordSource({ dag, kind: "adzuna", out }))
    expect(r).toMatchObject({ node: "nurses", units: 1, records: 3, skipped: 0, failedUnits: [] })
    expect(r.files).toHaveLength(1)
    const [f] = r.files
    expect(f.url).toMatch(/\/adzuna\/v1\/api\/jobs\/us\/search\/1\?what=registered\+nurse/)
    expect(f.url).not.toMatch(/app_key|app_id/)
    const body = readFileSync(join(out, f.file), "utf8")
    expect(body).toBe(readFileSync(join(fixturesDir, "adzuna/synthetic-search-us-page1.json"), "utf8"))
    const notes = readFileSync(join(out, "SOURCES.md"), "utf8")
    expect(notes).toContain(`| ${f.file} | \`jobsignal record adzuna\` (node nurses)`)
    for (const file of [
      ...readdirSync(join(out, "adzuna")).map((x) => join(out, "adzuna", x)),
      join(out, "SOURCES.md")
    ]) {
      const text = readFileSync(file, "utf8")
      expect(text).not.toContain(SECRET)
      expect(text).not.toContain("app-id-1234")
    }
  })

  it("a secret echoed in a body is replaced; paging sources record every page they read", async () => {
    const out = tempDir("record-")
    replay.script("/adzuna/v1/api/jobs", [
      { status: 200, body: JSON.stringify({ results: [], echo: `you sent app_key=${SECRET}` }) }
    ])
    const dag = dagFrom(`version: 1
nodes:
  a: { source: adzuna, with: { base_url: "${replay.baseUrlFor("adzuna")}", app_id: "app-id-1234", app_key: "${SECRET}", searches: [{ term: x }] } }
  hn: { source: hn, with: { base_url: "${replay.baseUrlFor("hn")}" } }
`)
    const a = await Effect.runPromise(recordSource({ dag, kind: "adzuna", out }))
    expect(readFileSync(join(out, a.files[0].file), "utf8")).toBe(
      JSON.stringify({ results: [], echo: "you sent app_key=REDACTED" })
    )
    const hn = await Effect.runPromise(recordSource({ dag, kind: "hn", out }))
    expect(hn.files.map((f) => new URL(f.url).pathname)).toEqual(["/hn/api/v1/search_by_date", "/hn/api/v1/search"])
    expect(hn.records).toBe(301)
    expect(readFileSync(join(out, "SOURCES.md"), "utf8").trim().split("\n")).toHaveLength(4 + 3)
  })

  it("names the problem when the DAG has no node of that kind", async () => {
    const dag = dagFrom(`version: 1\nnodes:\n  r: { source: remotive }\n`)
    const e = await Effect.runPromise(Effect.flip(recordSource({ dag, kind: "hn", out: tempDir() })))
    expect(e.message).toMatch(/no node of source kind hn in .*dag\.yaml; pass --node/)
  })

  it("strips credentials from URLs", () => {
    expect(stripUrl("https://u:p@api.example.com/x?app_id=1&app_key=2&what=nurse&api_key=3&token=4")).toBe(
      "https://api.example.com/x?what=nurse"
    )
  })
})
