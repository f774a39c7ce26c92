/**
 * The replay server of bench/ats-throughput, run in a child process: real boards are remote
 * servers, so the server's CPU must not be charged to the engine being measured. Any `bench-NNNN`
 * board answers with one of the recorded Greenhouse or Lever boards, chosen by its number.
 * Talks to its parent over IPC: sends `{ url }` when listening, `{ requests }` when asked.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fixturesDir, startReplayServer } from "../sources/replay.ts"
import type { FixtureRoute } from "../sources/source.ts"

const read = (f: string) => readFileSync(join(fixturesDir, f), "utf8")
const recordedGreenhouse = [
  "greenhouse/breteai-gitlab-jobs-content.json",
  "greenhouse/intern-radar-stripe-jobs.json",
  "greenhouse/candidatezero-gong-jobs.json"
].map(read)
const recordedLever = ["lever/intern-radar-palantir-postings.json", "lever/candidatezero-outreach-postings.json"].map(
  read
)
const indexOf = (url: URL) => Number(/bench-(\d+)/.exec(url.pathname)?.[1] ?? 0)

const greenhouseBench: FixtureRoute = {
  path: "/v1/boards/bench-",
  handler: ({ url }) => ({ body: recordedGreenhouse[indexOf(url) % recordedGreenhouse.length] })
}
const leverBench: FixtureRoute = {
  path: "/v0/postings/bench-",
  handler: ({ url }) => ({ body: recordedLever[indexOf(url) % recordedLever.length] })
}

const replay = await startReplayServer(
  [
    { kind: "greenhouse", fixtures: [greenhouseBench] },
    { kind: "lever", fixtures: [leverBench] }
  ],
  { latencyMs: Number(process.env.ATS_BENCH_LATENCY_MS ?? 50) }
)
process.on("message", (m: { type?: string }) => {
  if (m?.type === "requests") process.send!({ requests: replay.requests.length })
  if (m?.type === "close") void replay.close().then(() => process.exit(0))
})
process.on("disconnect", () => void replay.close().then(() => process.exit(0)))
process.send!({ url: replay.url })
