import { mkdirSync, openSync, readFileSync, rmdirSync, statSync, unlinkSync, writeSync, closeSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import { basename, dirname, join } from "node:path"

/**
 * One lock file per node next to the warehouse (`<db>.locks/<node>.lock`, holding the pid), so
 * no node runs twice at once on this machine, whether the second run comes from this process or
 * another one (`jobsignal schedule`, `jobsignal run`). Created with O_EXCL; a lock whose pid is
 * gone (SIGKILL, power loss) is taken over; every lock this process holds is removed on exit.
 */
export interface LockHolder {
  readonly node: string
  readonly pid: number
  readonly host: string
  readonly since: string
  readonly purpose: string
}

export type LockResult =
  | { readonly ok: true; readonly release: () => void; readonly tookOver: ReadonlyArray<LockHolder> }
  | { readonly ok: false; readonly heldBy: LockHolder }

export const lockDirFor = (dbPath: string) =>
  dbPath === ":memory:"
    ? join(tmpdir(), `jobsignal-memory-${process.pid}.locks`)
    : join(dirname(dbPath), `${basename(dbPath)}.locks`)

export const pidAlive = (pid: number) => {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const held = new Set<string>()
let exitHookInstalled = false
const installExitHook = () => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on("exit", () => {
    for (const f of held)
      try {
        unlinkSync(f)
      } catch {
        /* gone already */
      }
  })
}

const safeName = (node: string) => node.replace(/[^A-Za-z0-9_.-]/g, "_")

const readHolder = (file: string): LockHolder | undefined => {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as LockHolder
  } catch {
    return undefined
  }
}

const tryCreate = (file: string, holder: LockHolder): boolean => {
  try {
    const fd = openSync(file, "wx")
    writeSync(fd, JSON.stringify(holder))
    closeSync(fd)
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false
    throw e
  }
}

/** Two processes may find the same dead holder; a mkdir mutex lets only one of them replace it. */
const takeOver = (file: string, stale: LockHolder, holder: LockHolder): boolean => {
  const mutex = `${file}.takeover`
  try {
    mkdirSync(mutex)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
    // A takeover that crashed midway leaves its mutex behind; after a while it is stale too.
    try {
      if (Date.now() - statSync(mutex).mtimeMs > 10_000) rmdirSync(mutex)
    } catch {
      /* raced */
    }
    return false
  }
  try {
    const now = readHolder(file)
    if (now && (now.pid !== stale.pid || now.since !== stale.since)) return false
    try {
      unlinkSync(file)
    } catch {
      /* already gone */
    }
    return tryCreate(file, holder)
  } finally {
    try {
      rmdirSync(mutex)
    } catch {
      /* ignore */
    }
  }
}

const acquireOne = (
  dir: string,
  node: string,
  purpose: string
): { ok: true; file: string; tookOver?: LockHolder } | { ok: false; heldBy: LockHolder } => {
  const file = join(dir, `${safeName(node)}.lock`)
  const me: LockHolder = { node, pid: process.pid, host: hostname(), since: new Date().toISOString(), purpose }
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file, me)) return { ok: true, file }
    const other = readHolder(file)
    // Unreadable: the holder is between create and write; treat it as held.
    if (!other) return { ok: false, heldBy: { node, pid: 0, host: "?", since: "?", purpose: "(being written)" } }
    if (other.pid === process.pid || pidAlive(other.pid) || other.host !== hostname())
      return { ok: false, heldBy: other }
    if (takeOver(file, other, me)) return { ok: true, file, tookOver: other }
  }
  const last = readHolder(file)
  return { ok: false, heldBy: last ?? { node, pid: 0, host: "?", since: "?", purpose: "(contended)" } }
}

/**
 * Takes the locks of every node in `nodes`, or none of them. `purpose` says who holds them
 * (e.g. "schedule greenhouse", "run"); it is what a refused caller is shown.
 */
export const acquireNodeLocks = (dbPath: string, nodes: ReadonlyArray<string>, purpose: string): LockResult => {
  const dir = lockDirFor(dbPath)
  mkdirSync(dir, { recursive: true })
  installExitHook()
  const files: string[] = []
  const tookOver: LockHolder[] = []
  const release = () => {
    for (const f of files.splice(0)) {
      held.delete(f)
      try {
        unlinkSync(f)
      } catch {
        /* gone already */
      }
    }
  }
  for (const node of [...new Set(nodes)].sort()) {
    const r = acquireOne(dir, node, purpose)
    if (!r.ok) {
      release()
      return { ok: false, heldBy: r.heldBy }
    }
    files.push(r.file)
    held.add(r.file)
    if (r.tookOver) tookOver.push(r.tookOver)
  }
  return { ok: true, release, tookOver }
}

export const describeHolder = (h: LockHolder) =>
  `node ${h.node} is locked by pid ${h.pid}${h.host !== hostname() ? ` on ${h.host}` : ""} (${h.purpose}, since ${h.since})`
