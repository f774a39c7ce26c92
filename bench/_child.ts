import { type ChildProcess, fork } from "node:child_process"
import { join } from "node:path"

/**
 * Starts a bench replay script (bench/_*.ts) in its own process, so its servers' CPU is not counted as the engine's,
 * and resolves with the first message it sends once it listens; `what` names it in the error if it dies first.
 */
export const forkReplay = <M>(script: string, env: Record<string, string>, what: string) =>
  new Promise<{ child: ChildProcess; ready: M }>((ok, fail) => {
    const child = fork(join(import.meta.dirname, script), [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    child.once("error", fail)
    child.once("exit", (code) => fail(new Error(`${what} exited (${code}) before listening`)))
    child.once("message", (m) => ok({ child, ready: m as M }))
  })

/** Lets a replay process go: it exits once its IPC channel closes (its exit is no longer an error). */
export const releaseReplay = (child: ChildProcess) => {
  child.removeAllListeners("exit")
  child.disconnect()
}

/**
 * This process's peak RSS, sampled every `everyMs`. memoryUsage.rss() alone: the full memoryUsage() walks the heap
 * spaces, on the engine's thread.
 */
export const rssSampler = (everyMs: number) => {
  const before = process.memoryUsage.rss()
  let peak = before
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, everyMs)
  return { before, peak: () => peak, stop: () => clearInterval(timer) }
}
