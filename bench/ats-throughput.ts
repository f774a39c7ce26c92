/**
 * ATS fan-out throughput: 1,000 boards (the recorded Greenhouse and Lever boards served under 1,000
 * distinct tokens) through the real source nodes and runner, against the replay server with 50 ms
 * injected latency, at concurrency 16. Ideal time is boards × latency / concurrency; the ratio
 * ideal/actual says how busy the engine keeps its 16 slots (target ≥ 0.8).
 *
 * `per_second` is lifted for the run: the politeness cap (20/s for these hosts) would otherwise be
 * the bound measured, not the engine's fan-out. The replay server runs in a child process
 * (bench/_ats-replay.ts): real boards are remote, so serving them must not eat the engine's CPU.
 */
import { Effect } from "effect"
import { fork, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import type { BenchCase } from "./index.ts"
import { loadDag } from "../pipelines/load.ts"
import { runDag } from "../pipelines/runner.ts"
import { collectingEvents } from "../pipelines/events.ts"
import { runtimeLayer } from "../pipelines/cli/shared.ts"
import { send } from "../sources/transport.ts"

const utf8 = new TextDecoder()

const BOARDS = 1_000
const LATENCY_MS = Number(process.env.ATS_BENCH_LATENCY_MS ?? 50)
const CONCURRENCY = 16

/** Starts bench/_ats-replay.ts in its own process and waits for its URL. */
const startChildReplay = () =>
  new Promise<{ child: ChildProcess; url: string }>((ok, fail) => {
    const child = fork(join(import.meta.dirname, "_ats-replay.ts"), [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, ATS_BENCH_LATENCY_MS: String(LATENCY_MS) },
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    child.once("error", fail)
    child.once("exit", (code) => fail(new Error(`bench replay server exited (${code}) before listening`)))
    child.once("message", (m: { url?: string }) => (m.url ? ok({ child, url: m.url }) : fail(new Error(`bench replay server: ${JSON.stringify(m)}`))))
  })

const askRequests = (child: ChildProcess) =>
  new Promise<number>((ok) => {
    child.once("message", (m: { requests: number }) => ok(m.requests))
    child.send({ type: "requests" })
  })

export const bench: BenchCase = {
  name: "ats-throughput",
  run: async () => {
    const { child, url } = await startChildReplay()
    const replay = { baseUrlFor: (kind: string) => `${url}/${kind}` }
    const dir = mkdtempSync(join(tmpdir(), "jobsignal-bench-ats-"))
    const half = BOARDS / 2
    const tokens = (from: number) => Array.from({ length: half }, (_, i) => `bench-${String(from + i).padStart(4, "0")}`)
    const common = { concurrency: CONCURRENCY, per_second: 100_000 }
    writeFileSync(join(dir, "dag.yaml"), `version: 1
defaults: { retry: { times: 0 }, max_parallel_nodes: 1 }
nodes:
  gh: { source: greenhouse, with: ${JSON.stringify({ ...common, base_url: replay.baseUrlFor("greenhouse"), boards: tokens(0), details: false })} }
  lv: { source: lever, with: ${JSON.stringify({ ...common, base_url: replay.baseUrlFor("lever"), boards: tokens(half) })} }
`)
    // memoryUsage.rss() alone: the full memoryUsage() walks the heap spaces, on the engine's thread.
    const rssBefore = process.memoryUsage.rss()
    let peakRss = rssBefore
    const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()) }, 20)
    try {
      const t0Run = Date.now()
      const cpu0 = process.cpuUsage()
      const summary = await Effect.runPromise(
        Effect.scoped(runDag({ dag: loadDag(join(dir, "dag.yaml")), events: collectingEvents() })).pipe(Effect.provide(runtimeLayer(join(dir, "w.duckdb"))))
      )
      const runMs = Date.now() - t0Run
      const cpu = process.cpuUsage(cpu0)
      // The same 1,000 requests through the same transport + JSON.parse, 16 at a time, no engine: what
      // this machine allows right now (2 shared cores), so engine overhead can be told apart from a busy host.
      const urls = [...tokens(0).map((t) => `${replay.baseUrlFor("greenhouse")}/v1/boards/${t}/jobs?content=true`), ...tokens(half).map((t) => `${replay.baseUrlFor("lever")}/v0/postings/${t}?mode=json`)]
      const servedByEngine = await askRequests(child)
      const t0 = Date.now()
      let next = 0
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < urls.length) JSON.parse(utf8.decode((await send(urls[next++], { method: "GET", headers: {}, signal: new AbortController().signal })).bytes))
      }))
      const baselineMs = Date.now() - t0
      const bad = summary.nodes.filter((n) => n.status !== "success")
      if (bad.length > 0) throw new Error(`bench run not clean: ${bad.map((n) => `${n.node} ${n.status} ${n.error ?? ""}`).join("; ")}`)
      const fetchMs = summary.nodes.reduce((s, n) => s + n.ms, 0)
      const idealMs = (BOARDS * LATENCY_MS) / CONCURRENCY
      const requests = servedByEngine
      return {
        boards: BOARDS,
        requests,
        "rows staged": summary.nodes.reduce((s, n) => s + n.rowsOut, 0),
        "node time, s (both nodes)": fetchMs / 1000,
        "boards/s": BOARDS / (fetchMs / 1000),
        "ideal time, s (boards × 50 ms / 16)": idealMs / 1000,
        "ratio ideal/actual (target ≥ 0.8)": idealMs / fetchMs,
        ...Object.fromEntries(summary.nodes.map((n) => [`  ${n.node} node, s (500 boards)`, n.ms / 1000])),
        "engine CPU per board, ms (all threads)": (cpu.user + cpu.system) / 1000 / BOARDS,
        "raw transport baseline, s (same requests, no engine)": baselineMs / 1000,
        "ratio baseline/engine (engine overhead)": baselineMs / fetchMs,
        "peak RSS, MB": peakRss / 1024 / 1024,
        "RSS before the run (modules, server link), MB": rssBefore / 1024 / 1024,
        "whole DAG run incl. warehouse setup, s": runMs / 1000,
        "load average (1 min) at end": loadavg()[0]
      }
    } finally {
      clearInterval(sampler)
      child.removeAllListeners("exit")
      child.disconnect()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
