/**
 * Scale-out on BullMQ: 20,000 boards (the recorded Greenhouse boards under distinct `bench-NNNNN` tokens, replayed
 * with 50 ms latency by bench/_ats-replay.ts in its own process) fetched by one greenhouse node, first in-process
 * (fibers, concurrency 16), then by this process as coordinator and 3 `jobsignal worker` processes on a local
 * redis-server (the host group's queue runs 16 at once across the workers; each worker takes a third of them: one given all 16
 * takes every slot and leaves the others idle). All on this machine's 2 shared
 * cores, so the ratio says what the coordination costs, not what more machines would give. Reported: both node
 * times and their ratio, the coordinator's CPU per unit, and the peak RSS of every process (VmHWM).
 * `BULLMQ_BENCH_BOARDS` makes it smaller.
 */
import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { loadavg } from "node:os"
import { join } from "node:path"
import type { BenchCase } from "./index.ts"
import { startChildReplay } from "./ats-throughput.ts"
import { loadDag } from "../pipelines/load.ts"
import { runDag } from "../pipelines/runner.ts"
import { collectingEvents } from "../pipelines/events.ts"
import { runtimeLayer } from "../pipelines/cli/runtime.ts"
import { kinds } from "../app/index.ts"
import { bin, ensureBuilt } from "../test/support/cli.ts"
import { tempDir } from "../test/support/harness.ts"
import { startRedis } from "../test/support/redis.ts"

const BOARDS = Number(process.env.BULLMQ_BENCH_BOARDS ?? 20_000)
const CONCURRENCY = 16
const WORKERS = 3

/** Peak resident set of a process, MB, from the kernel's high-water mark. */
const peakMb = (pid: number | undefined) => {
  if (pid === undefined) return Number.NaN
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return m ? Number(m[1]) / 1024 : Number.NaN
}

export const bench: BenchCase = {
  name: "bullmq-scaleout",
  run: async () => {
    const [{ child, url }, redis] = await Promise.all([startChildReplay(), startRedis(), ensureBuilt()])
    const dir = tempDir("jobsignal-bench-bullmq-")
    const tokens = Array.from({ length: BOARDS }, (_, i) => `bench-${String(i).padStart(5, "0")}`)
    const node = {
      concurrency: CONCURRENCY,
      per_second: 100_000,
      base_url: `${url}/greenhouse`,
      boards: tokens,
      details: false
    }
    const dagFile = (name: string, executor: string) => {
      const f = join(dir, `${name}.yaml`)
      writeFileSync(
        f,
        `version: 1\ndefaults: { retry: { times: 0 }, timeout: 2h }\n${executor}\nnodes:\n  gh: { source: greenhouse, with: ${JSON.stringify(node)} }\n`
      )
      return f
    }
    const runOnce = async (file: string, db: string) => {
      const cpu0 = process.cpuUsage()
      const summary = await Effect.runPromise(
        Effect.scoped(runDag({ dag: loadDag(file, kinds), events: collectingEvents() })).pipe(
          Effect.provide(runtimeLayer(join(dir, db)))
        )
      )
      const cpu = process.cpuUsage(cpu0)
      const gh = summary.nodes[0]
      if (gh.status !== "success") throw new Error(`bench run not clean: ${gh.status} ${gh.error ?? ""}`)
      return { ms: gh.ms, rows: gh.rowsOut, cpuMs: (cpu.user + cpu.system) / 1000 }
    }
    const workers: ChildProcess[] = []
    try {
      const here = await runOnce(dagFile("in-process", ""), "in-process.duckdb")
      const rssInProcess = peakMb(process.pid)
      for (let i = 0; i < WORKERS; i++)
        workers.push(
          spawn(
            process.execPath,
            [bin, "worker", "--redis-url", redis.url, "--concurrency", String(Math.ceil(CONCURRENCY / WORKERS))],
            {
              stdio: ["ignore", "ignore", "inherit"],
              env: { ...process.env, JOBSIGNAL_KILL_AT: "" }
            }
          )
        )
      const bus = await runOnce(
        dagFile("bullmq", `executor: { kind: bullmq, redis_url: "${redis.url}" }`),
        "bullmq.duckdb"
      )
      if (bus.rows !== here.rows) throw new Error(`rows differ: in-process ${here.rows}, bullmq ${bus.rows}`)
      const workerPeaks = workers.map((w) => peakMb(w.pid))
      return {
        boards: BOARDS,
        "rows staged (each executor)": bus.rows,
        "in-process node time, s (fibers, concurrency 16)": here.ms / 1000,
        [`bullmq node time, s (1 coordinator + ${WORKERS} workers)`]: bus.ms / 1000,
        "ratio in-process/bullmq (same 2 cores)": here.ms / bus.ms,
        "in-process CPU per board, ms": here.cpuMs / BOARDS,
        "coordinator CPU per unit, ms (enqueue, wait, stage)": bus.cpuMs / BOARDS,
        "peak RSS in-process run, MB": rssInProcess,
        "peak RSS coordinator (same process, after both runs), MB": peakMb(process.pid),
        ...Object.fromEntries(workerPeaks.map((mb, i) => [`peak RSS worker ${i + 1}, MB`, mb])),
        "peak RSS redis-server, MB": peakMb(redis.pid()),
        "load average (1 min) at end": loadavg()[0]
      }
    } finally {
      for (const w of workers) w.kill("SIGTERM")
      await redis.stop()
      child.removeAllListeners("exit")
      child.disconnect()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
