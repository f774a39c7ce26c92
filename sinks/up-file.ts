/**
 * How the CLI finds a running `jobsignal up` that owns a warehouse: a small file beside the warehouse
 * (`<db>.up.json`, mode 0600: it holds the server's request token) with its pid, URL and token. Commands that need the
 * warehouse send their SQL there instead of opening the file DuckDB lets only one process write.
 */
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { Effect } from "effect"

export interface UpInfo {
  readonly pid: number
  readonly url: string
  /** The server's per-start request token (mutations carry it in x-jobsignal-token). */
  readonly requestToken: string
  readonly startedAt: string
}

export const upFilePath = (db: string) => `${resolve(db)}.up.json`

export const writeUpFile = (db: string, info: UpInfo) => {
  const file = upFilePath(db)
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(info)}\n`, { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, file)
}

/** Removes the file if it is still this process's (a newer `up` may have replaced it). */
export const removeUpFile = (db: string) => {
  const info = readUpFile(db)
  if (info?.pid === process.pid) rmSync(upFilePath(db), { force: true })
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const readUpFile = (db: string): UpInfo | undefined => {
  try {
    const v = JSON.parse(readFileSync(upFilePath(db), "utf8")) as Partial<UpInfo>
    return typeof v.pid === "number" && typeof v.url === "string" && typeof v.requestToken === "string"
      ? (v as UpInfo)
      : undefined
  } catch {
    return undefined
  }
}

/** The `up` that owns this warehouse, if one is running (a file left by a killed one is ignored). */
export const liveUp = (db: string): UpInfo | undefined => {
  if (db === ":memory:") return undefined
  const info = readUpFile(db)
  return info && info.pid !== process.pid && alive(info.pid) ? info : undefined
}

/** Writes the up file for this process in the current scope, and removes it when the scope closes. */
export const publishUp = (db: string, info: Omit<UpInfo, "startedAt">) =>
  Effect.acquireRelease(
    Effect.sync(() => writeUpFile(db, { ...info, startedAt: new Date().toISOString() })),
    () => Effect.sync(() => removeUpFile(db))
  )
