/**
 * Scale-out on BullMQ: 20,000 boards (the recorded Greenhouse boards under distinct `bench-NNNNN` tokens, replayed
 * with 50 ms latency by bench/_ats-replay.ts in its own process) fetched by one greenhouse node, first in-process
 * (fibers, concurrency 16), then by this process as coordinator and 3 `jobsignal worker` processes on a local
 * redis-server (the host group's queue runs 16 at once across the workers; each worker is given its share, 6, 5
 * and 5: one given all 16 takes every slot and leaves the others idle). All on this machine's 2 shared cores, so
 * the ratio says what the coordination costs, not what more machines would give; the CPU seconds of every process
 * and a unit's time on its worker say where the time goes. Reported: both node times and their ratio, CPU per unit
 * of each process, the peak RSS of every process (VmHWM; the coordinator's reset after the in-process run), Redis
 * used_memory at its peak and after the node committed (its units released). `--boards N` (or
 * BULLMQ_BENCH_BOARDS) makes it smaller.
 */
import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { loadavg } from "node:os"
import { join } from "node:path"
import { Redis } from "ioredis"
import type { BenchCase } from "./index.ts"
import { startChildReplay } from "./ats-throughput.ts"
import { releaseReplay } from "./_child.ts"
import { loadDag } from "../pipelines/load.ts"
import { runDag } from "../pipelines/runner.ts"
import { collectingEvents } from "../pipelines/events.ts"
import { runtimeLayer } from "../pipelines/cli/runtime.ts"
import { kinds } from "../app/index.ts"
import { bin, ensureBuilt } from "../test/support/cli.ts"
import { tempDir } from "../test/support/harness.ts"
import { startRedis } from "../test/support/redis.ts"
import { queueName } from "../pipelines/bullmq-queues.ts"

const boardsArg = process.argv.indexOf("--boards")
const BOARDS = Number(boardsArg > 0 ? process.argv[boardsArg + 1] : (process.env.BULLMQ_BENCH_BOARDS ?? 20_000))
const CONCURRENCY = 16
const WORKERS = 3
const MB = 1024 * 1024

/** Peak resident set of a process, MB, from the kernel's high-water mark. */
const peakMb = (pid: number | undefined) => {
  if (pid === undefined) return Number.NaN
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return m ? Number(m[1]) / 1024 : Number.NaN
}

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 10 ms). */
const cpuS = (pid: number | undefined) => {
  if (pid === undefined) return Number.NaN
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** `INFO memory`'s used_memory and used_memory_peak, MB. */
const redisMemory = async (r: Redis) => {
  const info = await r.info("memory")
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, "m").exec(info)?.[1]) / MB
  return { used: field("used_memory"), peak: field("used_memory_peak") }
}

export const bench: BenchCase = {
  name: "bullmq-scaleout",
  run: async () => {
    if (!Number.isInteger(BOARDS) || BOARDS < 1) throw new Error(`--boards takes a positive number, got ${BOARDS}`)
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
    const others = () => [child.pid, redis.pid(), ...workers.map((w) => w.pid)]
    const runOnce = async (file: string, db: string) => {
      const cpu0 = process.cpuUsage()
      const others0 = others().map(cpuS)
      const summary = await Effect.runPromise(
        Effect.scoped(runDag({ dag: loadDag(file, kinds), events: collectingEvents() })).pipe(
          Effect.provide(runtimeLayer(join(dir, db)))
        )
      )
      const cpu = process.cpuUsage(cpu0)
      const [replayCpu, redisCpu, ...workerCpu] = others().map((pid, i) => cpuS(pid) - others0[i])
      const gh = summary.nodes[0]
      if (gh.status !== "success") throw new Error(`bench run not clean: ${gh.status} ${gh.error ?? ""}`)
      return {
        ms: gh.ms,
        rows: gh.rowsOut,
        cpuS: (cpu.user + cpu.system) / 1e6,
        replayCpu,
        redisCpu,
        workersCpu: workerCpu.reduce((a, b) => a + b, 0)
      }
    }
    const workers: ChildProcess[] = []
    const r = new Redis(redis.url)
    try {
      const here = await runOnce(dagFile("in-process", ""), "in-process.duckdb")
      const rssInProcess = peakMb(process.pid)
      // The coordinator's own peak, not the in-process run's: the high-water mark starts again from here.
      writeFileSync("/proc/self/clear_refs", "5")
      // BULLMQ_BENCH_CPU_PROF=DIR writes each worker's CPU profile there (the coordinator's: node --cpu-prof).
      const prof = process.env.BULLMQ_BENCH_CPU_PROF
      for (let i = 0; i < WORKERS; i++)
        workers.push(
          spawn(
            process.execPath,
            [
              ...(prof ? ["--cpu-prof", "--cpu-prof-dir", prof] : []),
              bin,
              "worker",
              "--redis-url",
              redis.url,
              "--concurrency",
              // Shares adding up to the node's 16 (6, 5, 5), as the README says to give them.
              String(Math.floor(CONCURRENCY / WORKERS) + (i < CONCURRENCY % WORKERS ? 1 : 0))
            ],
            { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, JOBSIGNAL_KILL_AT: "" } }
          )
        )
      // Their start (loading the bundle) is not a unit's cost: the run begins once every worker says it started.
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              let err = ""
              w.stderr!.on("data", (d) => {
                err += String(d)
                if (err.includes("started (")) resolve()
              })
              w.once("exit", (code) => reject(new Error(`worker exited (${code}): ${err}`)))
            })
        )
      )
      const redisBefore = await redisMemory(r)
      // Where a unit's time goes: BullMQ stamps each job when a worker takes it and when it finishes. Sampled
      // every second from the latest finished jobs (a committed node's are removed).
      const onWorkerMs: number[] = []
      const seen = new Set<string>()
      const queue = `jobsignal:${queueName({ source: "greenhouse", host: new URL(url).host })}`
      const sampler = setInterval(() => {
        void r
          .zrange(`${queue}:completed`, -20, -1)
          .then((ids) =>
            Promise.all(
              ids
                .filter((id) => !seen.has(id) && seen.add(id))
                .map((id) => r.hmget(`${queue}:${id}`, "processedOn", "finishedOn"))
            )
          )
          .then((stamps) => {
            for (const [start, end] of stamps) if (start && end) onWorkerMs.push(Number(end) - Number(start))
          })
          .catch(() => {})
      }, 1000)
      const bus = await runOnce(
        dagFile("bullmq", `executor: { kind: bullmq, redis_url: "${redis.url}" }`),
        "bullmq.duckdb"
      )
      clearInterval(sampler)
      onWorkerMs.sort((a, b) => a - b)
      const median = onWorkerMs[Math.floor(onWorkerMs.length / 2)] ?? Number.NaN
      if (bus.rows !== here.rows) throw new Error(`rows differ: in-process ${here.rows}, bullmq ${bus.rows}`)
      const redisAfter = await redisMemory(r)
      const jobsLeft = (await r.keys("jobsignal:units-*:u*")).length
      const wall = (ms: number) => ms / 1000
      const perUnit = (s: number) => (s * 1000) / BOARDS
      return {
        boards: BOARDS,
        "rows staged (each executor)": bus.rows,
        "in-process node time, s (fibers, concurrency 16)": wall(here.ms),
        [`bullmq node time, s (1 coordinator + ${WORKERS} workers)`]: wall(bus.ms),
        "ratio in-process/bullmq (same 2 cores)": here.ms / bus.ms,
        "in-process: CPU per board, ms (this process)": perUnit(here.cpuS),
        "in-process: replay server CPU per board, ms": perUnit(here.replayCpu),
        "bullmq: coordinator CPU per unit, ms (enqueue, wait, stage)": perUnit(bus.cpuS),
        [`bullmq: ${WORKERS} workers' CPU per unit, ms (fetch, parse, pack)`]: perUnit(bus.workersCpu),
        "bullmq: redis-server CPU per unit, ms": perUnit(bus.redisCpu),
        "bullmq: replay server CPU per unit, ms": perUnit(bus.replayCpu),
        [`bullmq: a unit on its worker, median ms (${onWorkerMs.length} sampled; taken to finished)`]: median,
        "bullmq: a slot's time per unit, ms (16 slots × node time / units)": (CONCURRENCY * bus.ms) / BOARDS,
        "bullmq: all processes' CPU / node time (of 2 cores)":
          (bus.cpuS + bus.workersCpu + bus.redisCpu + bus.replayCpu) / wall(bus.ms),
        "in-process: all processes' CPU / node time (of 2 cores)": (here.cpuS + here.replayCpu) / wall(here.ms),
        "peak RSS in-process run, MB": rssInProcess,
        "peak RSS coordinator (from the in-process run's end), MB": peakMb(process.pid),
        ...Object.fromEntries(workers.map((w, i) => [`peak RSS worker ${i + 1}, MB`, peakMb(w.pid)])),
        "peak RSS redis-server, MB": peakMb(redis.pid()),
        "redis used_memory before the run, MB": redisBefore.used,
        "redis used_memory peak during the run, MB": redisAfter.peak,
        "redis used_memory after the node committed, MB": redisAfter.used,
        "unit jobs left in redis after the run": jobsLeft,
        "load average (1 min) at end": loadavg()[0]
      }
    } finally {
      r.disconnect()
      for (const w of workers) w.kill("SIGTERM")
      await redis.stop()
      releaseReplay(child)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
