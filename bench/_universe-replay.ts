/**
 * The loopback "internet" of bench/universe-fanout, run in a child process (serving must not eat the engine's CPU):
 * one replay server per ATS provider, each on its own port, so each provider is a distinct host to the per-host
 * limiter (Workday and BambooHR tenants are distinct hosts again, behind `/_host/`). Every board is answered with a
 * synthetic body in the shape of that provider's recorded fixture: 1–3 of the recorded jobs with titles rewritten to
 * `synthetic job N of TOKEN`. By a hash of the token, 5 % of boards are dead (404) and 2 % answer 429 with
 * `Retry-After: 1` once, then 200. Talks to its parent over IPC: `{ urls }` when listening, `{ stats }` when asked.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fixturesDir, type ReplayServer, startReplayServer } from "../sources/replay.ts"

const LATENCY_MS = Number(process.env.FANOUT_LATENCY_MS ?? 50)

interface Shape {
  readonly fixture: string
  /** The property holding the jobs, or null when the body is the array itself. */
  readonly list: string | null
  readonly title: string
  /** Count fields the connector pages by, set to the number of jobs served. */
  readonly totals?: ReadonlyArray<string>
  readonly method?: "POST"
  /** The route prefix under `/{kind}`, and where the token sits in the path after it. */
  readonly path: string
  readonly token: (rest: string) => string
}

const firstSegment = (rest: string) => rest.split("/")[0]

export const shapes: Record<string, Shape> = {
  greenhouse: {
    fixture: "greenhouse/candidatezero-gong-jobs.json",
    list: "jobs",
    title: "title",
    path: "/v1/boards/",
    token: firstSegment
  },
  lever: {
    fixture: "lever/candidatezero-outreach-postings.json",
    list: null,
    title: "text",
    path: "/v0/postings/",
    token: firstSegment
  },
  ashby: {
    fixture: "ashby/candidatezero-wealthcom-board.json",
    list: "jobs",
    title: "title",
    path: "/posting-api/job-board/",
    token: firstSegment
  },
  // `/{tenant host}/wday/cxs/{tenant}/{site}/jobs`: the board is tenant + site.
  workday: {
    fixture: "workday/candidatezero-workday-jobs.json",
    list: "jobPostings",
    title: "title",
    totals: ["total"],
    method: "POST",
    path: "/",
    token: (rest) => rest.split("/").slice(3, 5).join("/")
  },
  smartrecruiters: {
    fixture: "smartrecruiters/candidatezero-hirevue-postings.json",
    list: "content",
    title: "name",
    totals: ["totalFound"],
    path: "/v1/companies/",
    token: firstSegment
  },
  workable: {
    fixture: "workable/candidatezero-crewai-account.json",
    list: "jobs",
    title: "title",
    path: "/api/v1/widget/accounts/",
    token: firstSegment
  },
  rippling: {
    fixture: "rippling/synthetic-1x-board.json",
    list: null,
    title: "name",
    path: "/platform/api/ats/v1/board/",
    token: firstSegment
  },
  gem: {
    fixture: "gem/synthetic-11x-ai-board.json",
    list: null,
    title: "title",
    path: "/job_board/v0/",
    token: firstSegment
  },
  // `/{company}.bamboohr.com/careers/list`
  bamboohr: {
    fixture: "bamboohr/synthetic-1010games-careers.json",
    list: "result",
    title: "jobOpeningName",
    path: "/",
    token: (rest) => firstSegment(rest).replace(/\.bamboohr\.com$/, "")
  }
}

/** FNV-1a of the token: which boards are dead or rate-limited is fixed, so every run meets the same ones. */
export const tokenHash = (s: string) => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0
  return h
}
export const fateOf = (token: string): "dead" | "limited" | "alive" => {
  const p = tokenHash(token.toLowerCase()) % 100
  return p < 5 ? "dead" : p < 7 ? "limited" : "alive"
}

const syntheticBody = (shape: Shape, recorded: unknown, token: string) => {
  const jobs = (shape.list === null ? recorded : (recorded as Record<string, unknown>)[shape.list]) as Array<
    Record<string, unknown>
  >
  const n = 1 + (tokenHash(token) % 3)
  const served = Array.from({ length: n }, (_, i) => ({
    ...jobs[i % jobs.length],
    [shape.title]: `synthetic job ${i + 1} of ${token}`
  }))
  if (shape.list === null) return JSON.stringify(served)
  const body: Record<string, unknown> = { ...(recorded as Record<string, unknown>), [shape.list]: served }
  for (const t of shape.totals ?? []) body[t] = n
  return JSON.stringify(body)
}

const servers: Record<string, ReplayServer> = {}
for (const [kind, shape] of Object.entries(shapes)) {
  const recorded = JSON.parse(readFileSync(join(fixturesDir, shape.fixture), "utf8")) as unknown
  const limitedOnce = new Set<string>()
  servers[kind] = await startReplayServer(
    [
      {
        kind,
        fixtures: [
          {
            method: shape.method,
            path: shape.path,
            handler: ({ url }) => {
              const rest = url.pathname.slice(`/${kind}${shape.path}`.length)
              const token = decodeURIComponent(shape.token(rest))
              const fate = fateOf(token)
              if (fate === "dead") return { status: 404, body: JSON.stringify({ error: "synthetic dead board" }) }
              if (fate === "limited" && !limitedOnce.has(token)) {
                limitedOnce.add(token)
                return { status: 429, body: "{}", headers: { "retry-after": "1" } }
              }
              return { body: syntheticBody(shape, recorded, token) }
            }
          }
        ]
      }
    ],
    { latencyMs: LATENCY_MS }
  )
}

const stats = () =>
  Object.fromEntries(
    Object.entries(servers).map(([kind, s]) => {
      // Requests per real host: the `/_host/` tenant for Workday and BambooHR, else the provider's server.
      const perHost: Record<string, number> = {}
      for (const r of s.requests) perHost[r.host ?? ""] = (perHost[r.host ?? ""] ?? 0) + 1
      return [kind, { requests: s.requests.length, perHost, maxInFlight: s.maxInFlight() }]
    })
  )

process.on("message", (m: { type?: string }) => {
  if (m?.type === "stats") process.send!({ stats: stats() })
  if (m?.type === "reset") for (const s of Object.values(servers)) s.requests.length = 0
})
const closeAll = () => void Promise.all(Object.values(servers).map((s) => s.close())).then(() => process.exit(0))
process.on("disconnect", closeAll)
process.send!({ urls: Object.fromEntries(Object.entries(servers).map(([k, s]) => [k, s.baseUrlFor(k)])) })
