import { execFile } from "node:child_process"
import { join } from "node:path"

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const bin = join(import.meta.dirname, "..", "..", "bin", "jobsignal.js")

/** Runs the real `jobsignal` binary (as `npx jobsignal` would) without blocking the test's event loop. */
export const cli = (args: ReadonlyArray<string>, env: Record<string, string> = {}, cwd?: string): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env, NO_COLOR: "1" }, timeout: 120_000, cwd }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0
      resolve({ code, stdout: String(stdout), stderr: String(stderr) })
    })
  })
