import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { createServer } from "node:net"
import { tempDir } from "./harness.ts"

/** Debian's redis-server (`.ci/run` installs it); never a downloaded binary. */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? "/usr/bin/redis-server"

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })

export interface LocalRedis {
  readonly url: string
  /** The server's pid (for its peak RSS in /proc). */
  readonly pid: () => number | undefined
  readonly stop: () => Promise<void>
  /** Kills the server (SIGKILL: no save on the way out) and starts it again on the same port and directory. */
  readonly restart: () => Promise<void>
}

/**
 * A redis-server of its own on a free loopback port with a temp directory. `aof` keeps every write in an
 * append-only file fsynced at each command, so a killed server comes back with its queues.
 */
export const startRedis = async (opts: { readonly aof?: boolean } = {}): Promise<LocalRedis> => {
  if (!existsSync(REDIS_SERVER))
    throw new Error(
      `${REDIS_SERVER} not found: the BullMQ tests need Debian's redis-server (.ci/run installs it: apt-get install -y redis-server)`
    )
  const port = await freePort()
  const dir = tempDir("jobsignal-redis-")
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    ...(opts.aof ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"])
  ]
  let child: ChildProcess | undefined
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const c = spawn(REDIS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] })
      child = c
      let out = ""
      const onData = (d: Buffer) => {
        out += String(d)
        if (out.includes("Ready to accept connections")) {
          c.stdout!.off("data", onData)
          resolve()
        }
      }
      c.stdout!.on("data", onData)
      c.once("exit", (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${out}`)))
    })
  const kill = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once("exit", () => resolve())
      child.kill("SIGKILL")
    })
  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: () => child?.pid,
    stop: kill,
    restart: async () => {
      await kill()
      await start()
    }
  }
}
