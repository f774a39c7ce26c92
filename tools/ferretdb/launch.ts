/**
 * Builds (once, cached by the Go module's hash) and starts the embedded FerretDB of main.go: a real
 * MongoDB wire-protocol server on a free loopback port, SQLite files in a temp dir.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { createHash } from "node:crypto"
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync
} from "node:fs"
import { createServer } from "node:net"
import { homedir, tmpdir } from "node:os"
import { join, resolve } from "node:path"

const moduleDir = resolve(import.meta.dirname)

/**
 * `~/.cache/jobsignal/ferretdb/<sha of go.sum, go.mod and main.go>/ferretdb` ($JOBSIGNAL_CACHE_DIR overrides the root):
 * outside the checkout, so fresh clones on the same machine reuse it; a new FerretDB version or launcher is a new binary.
 */
export const binaryPath = () => {
  const h = createHash("sha256")
  for (const f of ["go.sum", "go.mod", "main.go"]) h.update(readFileSync(join(moduleDir, f)))
  const cache = process.env.JOBSIGNAL_CACHE_DIR ?? join(homedir(), ".cache", "jobsignal")
  return join(cache, "ferretdb", h.digest("hex").slice(0, 16), "ferretdb")
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Builds the binary unless cached; concurrent callers wait on one lock file instead of building twice. */
export const ensureBinary = async (
  log: (s: string) => void = () => {}
): Promise<{ path: string; builtMs?: number }> => {
  const path = binaryPath()
  if (existsSync(path)) return { path }
  mkdirSync(join(path, ".."), { recursive: true })
  const lock = `${path}.lock`
  for (;;) {
    try {
      closeSync(openSync(lock, "wx"))
      break
    } catch {
      // A lock older than 20 minutes is from a build that died.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 20 * 60_000) rmSync(lock, { force: true })
      await sleep(500)
      if (existsSync(path)) return { path }
    }
  }
  try {
    if (existsSync(path)) return { path }
    log(
      `building FerretDB (tools/ferretdb, CGO_ENABLED=0) into ${path}; the first build downloads modules and takes a few minutes`
    )
    const t0 = Date.now()
    const tmp = `${path}.${process.pid}.tmp`
    const r = spawnSync("go", ["build", "-trimpath", "-o", tmp, "."], {
      cwd: moduleDir,
      env: { ...process.env, CGO_ENABLED: "0" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"]
    })
    if (r.error) throw new Error(`cannot run go to build FerretDB (is Go installed?): ${r.error.message}`)
    if (r.status !== 0) throw new Error(`building FerretDB failed (go build in tools/ferretdb):\n${r.stderr}`)
    renameSync(tmp, path)
    return { path, builtMs: Date.now() - t0 }
  } finally {
    rmSync(lock, { force: true })
  }
}

export const freePort = () =>
  new Promise<number>((res, rej) => {
    const s = createServer()
    s.once("error", rej)
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port
      s.close(() => res(port))
    })
  })

export interface RunningFerretDB {
  readonly uri: string
  readonly port: number
  readonly dataDir: string
  readonly pid: number
  /** Stops the server and removes its data dir. */
  readonly stop: () => Promise<void>
}

/** Starts FerretDB and resolves once it prints its URI and accepts connections. */
export const startFerretDB = async (
  opts: { port?: number; dataDir?: string; keepData?: boolean } = {}
): Promise<RunningFerretDB> => {
  const { path } = await ensureBinary((s) => process.stderr.write(s + "\n"))
  const port = opts.port ?? (await freePort())
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "jobsignal-ferretdb-"))
  const child: ChildProcess = spawn(path, ["-listen", `127.0.0.1:${port}`, "-data", dataDir], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stderr = ""
  child.stderr!.on("data", (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000)
  })
  const exited = new Promise<void>((r) => child.once("exit", () => r()))
  const uri = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`FerretDB did not start within 30s:\n${stderr}`)), 30_000)
    let out = ""
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString()
      const line = out.split("\n").find((l) => l.startsWith("mongodb://"))
      if (line) {
        clearTimeout(timer)
        res(line.trim())
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      rej(new Error(`FerretDB exited (${code}) before listening:\n${stderr}`))
    })
  })
  await waitUntilAnswers(port)
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM")
      await Promise.race([exited, sleep(5000)])
      if (child.exitCode === null) child.kill("SIGKILL")
    }
    if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true })
  }
  return { uri, port, dataDir, pid: child.pid!, stop }
}

/** Polls with a real `ping` through the driver: listening is not the same as answering. */
const waitUntilAnswers = async (port: number) => {
  const { MongoClient } = await import("mongodb")
  const deadline = Date.now() + 30_000
  for (;;) {
    const c = new MongoClient(`mongodb://127.0.0.1:${port}/`, { serverSelectionTimeoutMS: 1000 })
    try {
      await c.connect()
      await c.db("admin").command({ ping: 1 })
      return
    } catch (e) {
      if (Date.now() > deadline)
        throw new Error(`FerretDB on port ${port} does not answer ping: ${(e as Error).message}`)
      await sleep(200)
    } finally {
      await c.close().catch(() => undefined)
    }
  }
}
