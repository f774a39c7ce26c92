import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { bin } from "./cli.ts"

const root = join(import.meta.dirname, "..", "..")

/** A `jobsignal worker` process and what it has written to stderr so far. */
export interface WorkerProcess {
  readonly child: ChildProcess
  stderr: string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * `jobsignal worker` as a user starts it on another machine: its own process, the built binary (build it first with
 * ensureBuilt), a 2 s lock so a killed worker's unit is taken again quickly. `env` is added to this process's own.
 */
export const spawnWorker = (redisUrl: string, concurrency: number, env: Record<string, string>): WorkerProcess => {
  const child = spawn(
    process.execPath,
    [bin, "worker", "--redis-url", redisUrl, "--lock", "2s", "--concurrency", String(concurrency)],
    { cwd: root, env: { ...process.env, JOBSIGNAL_KILL_AT: "", ...env }, stdio: ["ignore", "ignore", "pipe"] }
  )
  const w: WorkerProcess = {
    child,
    stderr: "",
    exited: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })))
  }
  child.stderr!.on("data", (d) => {
    w.stderr += String(d)
  })
  return w
}

/** SIGTERM to every worker still running; resolves with how each one exited. */
export const stopWorkers = async (list: ReadonlyArray<WorkerProcess>) => {
  for (const w of list) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGTERM")
  return Promise.all(list.map((w) => w.exited))
}

/** Resolves once the worker has joined at least one queue (it watches the coordinator's list of host groups). */
export const workerStarted = (w: WorkerProcess) =>
  new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (w.stderr.includes("started (")) {
        clearInterval(t)
        resolve()
      } else if (w.child.exitCode !== null) {
        clearInterval(t)
        reject(new Error(`worker exited: ${w.stderr}`))
      }
    }, 100)
  })
