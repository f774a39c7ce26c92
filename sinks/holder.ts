/**
 * Who holds a warehouse file open for writing. DuckDB lets one process write a file and names a refused opener's
 * rival only as "/usr/bin/node (PID …)"; each writer leaves `<db>.holder.json` (pid and command) while it has the file,
 * so the refusal can say "held by jobsignal up on http://127.0.0.1:8787 (pid 4242)".
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { liveUp } from "./up-file.ts"

interface Holder {
  readonly pid: number
  readonly command: string
}

const holderFile = (db: string) => `${resolve(db)}.holder.json`

/** Records this process as the writer; `command` says what it is ("jobsignal run --only hn"). */
export const claimHolder = (db: string, command: string) => {
  if (db === ":memory:") return
  try {
    writeFileSync(holderFile(db), `${JSON.stringify({ pid: process.pid, command })}\n`)
  } catch {
    // A read-only directory: the refusal message just names less.
  }
}

export const releaseHolder = (db: string) => {
  if (db === ":memory:") return
  try {
    const h = JSON.parse(readFileSync(holderFile(db), "utf8")) as Holder
    if (h.pid === process.pid) rmSync(holderFile(db), { force: true })
  } catch {
    // Not ours or already gone.
  }
}

/** What this process is, for the holder file: `jobsignal` and its command (never option values: a URL may hold a key). */
export const thisCommand = () => {
  const [cmd, sub] = process.argv.slice(2)
  return ["jobsignal", cmd, sub && /^[a-z]+$/.test(sub) ? sub : undefined].filter(Boolean).join(" ")
}

/** DuckDB's "Could not set lock" message with the holder named, when it left its file; other messages as they are. */
export const explainLock = (db: string, message: string): string => {
  if (!/Could not set lock/i.test(message)) return message
  const up = liveUp(db)
  if (up)
    return `the warehouse ${db} is owned by jobsignal up on ${up.url} (pid ${up.pid}): start runs from its dashboard, or stop it first (queries such as jobsignal sql go through it)`
  try {
    const h = JSON.parse(readFileSync(holderFile(db), "utf8")) as Holder
    process.kill(h.pid, 0)
    return `the warehouse ${db} is held by \`${h.command}\` (pid ${h.pid}); DuckDB lets one process write a file: wait for it, stop it, or run this with --db OTHER_FILE`
  } catch {
    return message
  }
}
