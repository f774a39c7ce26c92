/**
 * The target universe at open-directory scale (issue #17): 20,000 boards of targets/universe.json (every provider,
 * its real tokens and mix) through the real ATS source nodes of a DAG (`with.universe: all`, as dag.yaml's would),
 * then `jobsignal targets check` (`checkAndRecord`, into board_checks) over the same 20,000. The boards answer from
 * bench/_universe-replay.ts in a child process: one loopback server per provider (a distinct host each; Workday and
 * BambooHR tenants are hosts of their own), synthetic bodies in the recorded shapes, 50 ms latency, 5 % dead,
 * 2 % 429 + Retry-After 1 s then 200.
 *
 * The politeness bound is what the per-host limits allow: for each host, requests × latency ÷ its allowed
 * concurrency, summed over hosts (issue #17's definition). The ratio is bound ÷ wall: 1 is the best polite
 * schedule, ≥ 0.85 is within 15 % of it. Summing over hosts is the bound of a schedule that keeps one host's worth
 * of requests in flight; work on several hosts at once can beat it (ratio over 1), so the bound of the busiest
 * host alone (no schedule beats that however many hosts run at once) is printed beside it.
 * `per_second` is lifted: the pacing caps (20/s for Greenhouse) would make that, not the fan-out, the bound.
 */
import { Effect } from "effect"
import type { ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import type { BenchCase } from "./index.ts"
import { forkReplay, releaseReplay, rssSampler } from "./_child.ts"
import { loadDag } from "../pipelines/load.ts"
import { runDag } from "../pipelines/runner.ts"
import { collectingEvents } from "../pipelines/events.ts"
import { runtimeLayer } from "../pipelines/cli/runtime.ts"
import { kinds, migrations } from "../app/index.ts"
import { checkAndRecord, summarize } from "../app/board-check.ts"
import { DEFAULT_HOST_CONCURRENCY, Http } from "../sources/http.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { loadTargets, type Target } from "../targets/universe.ts"

const BOARDS = Number(process.env.FANOUT_BOARDS ?? 20_000)
const LATENCY_MS = 50
/** `FANOUT_PROVIDERS=rippling,gem`: only those providers' boards (a diagnosis of one node). */
const only = process.env.FANOUT_PROVIDERS?.split(",")
const universeFile = join(import.meta.dirname, "..", "targets", "universe.json")

/** Options a connector takes beyond the common ones: listings only, as `targets check` reads them. */
const listingsOnly = new Set(["greenhouse", "smartrecruiters", "workday"])
/** Per-host concurrency the node path allows (sources/http.ts limitsOf: declared, capped at the default 6). */
const declaredConcurrency: Record<string, number> = { workday: 4 }

type ServerStats = Record<
  string,
  { requests: number; perHost: Record<string, number>; maxInFlight: Record<string, number> }
>

const startChild = async () => {
  const { child, ready } = await forkReplay<{ urls?: Record<string, string> }>(
    "_universe-replay.ts",
    { FANOUT_LATENCY_MS: String(LATENCY_MS) },
    "fan-out replay servers"
  )
  if (!ready.urls) throw new Error(`fan-out replay: ${JSON.stringify(ready)}`)
  return { child, urls: ready.urls }
}

const ask = (child: ChildProcess, type: "stats" | "reset") =>
  new Promise<ServerStats>((ok) => {
    if (type === "reset") {
      child.send({ type })
      return ok({})
    }
    child.once("message", (m: { stats: ServerStats }) => ok(m.stats))
    child.send({ type })
  })

/** Every `step`-th board but the first few, down to BOARDS: the universe's provider mix, its real tokens. */
const sample = (all: ReadonlyArray<Target>) => {
  const boards = all.filter((t) => t.ats !== "unknown" && t.board != null && (!only || only.includes(t.ats)))
  const drop = boards.length - BOARDS
  if (drop <= 0) return boards
  const every = boards.length / drop
  const dropped = new Set(Array.from({ length: drop }, (_, i) => Math.floor(i * every)))
  return boards.filter((_, i) => !dropped.has(i))
}

/** The politeness bound of what the servers answered: per host, requests × latency ÷ its allowed concurrency. */
const bounds = (stats: ServerStats, perHostOf: (kind: string) => number) => {
  let sumMs = 0
  let busiest = { host: "", ms: 0 }
  let hosts = 0
  let requests = 0
  let maxInFlight = 0
  for (const [kind, s] of Object.entries(stats)) {
    requests += s.requests
    for (const [host, n] of Object.entries(s.perHost)) {
      hosts++
      const ms = (n * LATENCY_MS) / perHostOf(kind)
      sumMs += ms
      if (ms > busiest.ms) busiest = { host: host || kind, ms }
    }
    maxInFlight = Math.max(maxInFlight, ...Object.values(s.maxInFlight))
  }
  return { sumMs, busiest, hosts, requests, maxInFlight }
}

export const bench: BenchCase = {
  name: "universe-fanout",
  run: async () => {
    const { child, urls } = await startChild()
    const dir = mkdtempSync(join(tmpdir(), "jobsignal-bench-fanout-"))
    const targets = sample(loadTargets(universeFile))
    const perKind: Record<string, number> = {}
    for (const t of targets) perKind[t.ats] = (perKind[t.ats] ?? 0) + 1
    writeFileSync(join(dir, "universe.json"), JSON.stringify({ companies: targets }))
    const node = (kind: string) =>
      JSON.stringify({
        universe: "all",
        base_url: urls[kind],
        per_second: 100_000,
        ...(listingsOnly.has(kind) ? { details: false } : {})
      })
    writeFileSync(
      join(dir, "dag.yaml"),
      `version: 1
targets: ./universe.json
universe: ./universe.json
defaults: { retry: { times: 0 }, max_parallel_nodes: 4 }
nodes:
${Object.keys(urls)
  .filter((k) => perKind[k])
  .map((k) => `  ${k}: { source: ${k}, with: ${node(k)} }`)
  .join("\n")}
`
    )
    const rss = rssSampler(50)
    const vmHwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) / 1024
    try {
      // 1. The fan-out: the ATS nodes of a DAG over the universe, 4 at once as in dag.yaml.
      const t0 = Date.now()
      const cpu0 = process.cpuUsage()
      const summary = await Effect.runPromise(
        Effect.scoped(runDag({ dag: loadDag(join(dir, "dag.yaml"), kinds), events: collectingEvents() })).pipe(
          Effect.provide(runtimeLayer(join(dir, "fanout.duckdb")))
        )
      )
      const fanoutMs = Date.now() - t0
      const fanoutCpu = process.cpuUsage(cpu0)
      const fanoutPeak = rss.peak()
      // Dead boards make a node partial (counted in source_errors); anything else is a broken bench.
      const broken = summary.nodes.filter((n) => n.status !== "success" && n.status !== "partial")
      if (broken.length > 0)
        throw new Error(`fan-out not clean: ${broken.map((n) => `${n.node} ${n.status} ${n.error ?? ""}`).join("; ")}`)
      const rows = summary.nodes.reduce((s, n) => s + n.rowsOut, 0)
      const fan = bounds(await ask(child, "stats"), (k) =>
        Math.min(declaredConcurrency[k] ?? DEFAULT_HOST_CONCURRENCY, DEFAULT_HOST_CONCURRENCY)
      )
      await ask(child, "reset")

      // 2. `jobsignal targets check` over the same boards, every answer written to board_checks.
      const t1 = Date.now()
      const cpu1 = process.cpuUsage()
      const checked = await Effect.runPromise(
        checkAndRecord(
          {
            targets,
            baseUrls: urls,
            // Lifted as for the nodes: the bound measured is the per-host concurrency, not the pacing.
            perSecond: 100_000
          },
          0
        ).pipe(
          Effect.provide(Warehouse.layer({ path: join(dir, "check.duckdb"), migrations })),
          Effect.provide(Http.layer({ timeoutMs: 30_000 }))
        )
      )
      const checkMs = Date.now() - t1
      const checkCpu = process.cpuUsage(cpu1)
      const chk = bounds(await ask(child, "stats"), () => DEFAULT_HOST_CONCURRENCY)
      const s = summarize(checked)
      return {
        boards: targets.length,
        "boards per provider": Object.entries(perKind)
          .map(([k, n]) => `${k} ${n}`)
          .join(", "),
        "latency per request, ms": LATENCY_MS,
        "allowed concurrency per host": `${DEFAULT_HOST_CONCURRENCY} (Workday tenants 4)`,
        "ratio = politeness bound ÷ wall": "1 = the best polite schedule; ≥ 0.85 = within 15 % of it",
        "fan-out: hosts": fan.hosts,
        "fan-out: requests": fan.requests,
        "fan-out: most in flight on one host": fan.maxInFlight,
        "fan-out: bound, s (Σ over hosts: requests × 50 ms ÷ concurrency)": fan.sumMs / 1000,
        "fan-out: wall, s (4 nodes at once)": fanoutMs / 1000,
        "fan-out: ratio bound ÷ wall (target ≥ 0.85)": fan.sumMs / fanoutMs,
        "fan-out: busiest host alone, s": `${(fan.busiest.ms / 1000).toFixed(1)} (${fan.busiest.host})`,
        "fan-out: ratio busiest-host bound ÷ wall": fan.busiest.ms / fanoutMs,
        "fan-out: node time, s (each node's own)": summary.nodes
          .map((n) => `${n.node} ${(n.ms / 1000).toFixed(1)}`)
          .join(", "),
        "fan-out: rows staged": rows,
        "fan-out: engine CPU, s": (fanoutCpu.user + fanoutCpu.system) / 1e6,
        // Load-independent: over 1, the engine's own work fits inside the polite schedule (on cores it gets to itself).
        "fan-out: bound ÷ engine CPU (over 1: politeness, not CPU, limits)":
          fan.sumMs / 1000 / ((fanoutCpu.user + fanoutCpu.system) / 1e6),
        "fan-out: peak RSS, MB": fanoutPeak / 1024 / 1024,
        "check: hosts": chk.hosts,
        "check: requests": chk.requests,
        "check: most in flight on one host": chk.maxInFlight,
        "check: bound, s (Σ over hosts)": chk.sumMs / 1000,
        "check: wall, s": checkMs / 1000,
        "check: ratio bound ÷ wall (target ≥ 0.85)": chk.sumMs / checkMs,
        "check: busiest host alone, s": `${(chk.busiest.ms / 1000).toFixed(1)} (${chk.busiest.host})`,
        "check: ratio busiest-host bound ÷ wall": chk.busiest.ms / checkMs,
        "check: engine CPU, s": (checkCpu.user + checkCpu.system) / 1e6,
        "check: bound ÷ engine CPU": chk.sumMs / 1000 / ((checkCpu.user + checkCpu.system) / 1e6),
        "check: result": s.line,
        "peak RSS (both), MB": rss.peak() / 1024 / 1024,
        "VmHWM (process high-water mark), MB": vmHwm(),
        "RSS before, MB": rss.before / 1024 / 1024,
        "load average (1 min) at end": loadavg()[0]
      }
    } finally {
      rss.stop()
      releaseReplay(child)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
