import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { writeFileSync } from "node:fs"
import { dagFrom, run, tempDir, testLayer } from "../support/harness.ts"

// Counts every request: a run refused for bad config must not have reached a source.
let server: Server
let hits = 0
let baseUrl = ""
beforeAll(async () => {
  server = createServer((_, res) => {
    hits++
    res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
// Keep-alive connections (old code fetched) would hold close() open.
afterAll(
  () =>
    new Promise<void>((r) => {
      server.close(() => r())
      server.closeAllConnections()
    })
)

const runFails = (dag: ReturnType<typeof dagFrom>) =>
  Effect.runPromise(
    Effect.scoped(run({ dag }).pipe(Effect.flip, Effect.provide(testLayer(join(tempDir(), "w.duckdb")))))
  )

describe("a run refuses bad config before any source fetches", () => {
  it("a profile with a wrong type: Fatal Config naming the file, line and field; no request made", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "profile.yaml"), "summary: x\ntarget_titles: [vp sales]\nsalary_floor_usd: lots\n")
    const dag = dagFrom(
      `version: 1
profile: profile.yaml
nodes:
  gh: { source: greenhouse, with: { base_url: "${baseUrl}", boards: [gitlab] } }
  dedupe: { transform: dedupe, needs: [gh] }
  relevance: { transform: relevance, needs: [dedupe] }
`,
      dir
    )
    hits = 0
    const e = await runFails(dag)
    expect(e).toMatchObject({ _tag: "Fatal", reason: "Config" })
    expect(e.message).toContain(`${join(dir, "profile.yaml")}:3  salary_floor_usd: Expected number, actual "lots"`)
    expect(hits).toBe(0)
  })

  it("an unset ${VAR} a node needs, and a missing targets file: both listed, no request made", async () => {
    delete process.env.JOBSIGNAL_TEST_UNSET_UA
    const dag = dagFrom(`version: 1
targets: nowhere.yaml
nodes:
  gh: { source: greenhouse, with: { base_url: "${baseUrl}", boards: [gitlab] } }
  edgar: { source: edgar, with: { user_agent: "\${JOBSIGNAL_TEST_UNSET_UA}", tickers: [UNH] } }
`)
    hits = 0
    const e = await runFails(dag)
    expect(e.message).toMatch(/2 problems before the run/)
    expect(e.message).toMatch(/:2 {2}targets: .*nowhere\.yaml does not exist/)
    expect(e.message).toContain(":5  nodes.edgar.with.user_agent: ${JOBSIGNAL_TEST_UNSET_UA} is not set")
    expect(hits).toBe(0)
  })
})
