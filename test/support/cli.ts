import { execFile } from "node:child_process"
import { join } from "node:path"
// @ts-expect-error plain JavaScript, no declarations
import { ensureDist } from "../../bin/build-dist.js"

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export const bin = join(import.meta.dirname, "..", "..", "bin", "jobsignal.js")

let built: Promise<void> | undefined
/** The tests run the built binary, as `npx jobsignal` does after `npm ci`: build dist/ once if the sources moved. */
export const ensureBuilt = (): Promise<void> => (built ??= ensureDist())

/** Runs the real `jobsignal` binary (as `npx jobsignal` would) without blocking the test's event loop. */
export const cli = async (
  args: ReadonlyArray<string>,
  env: Record<string, string> = {},
  cwd?: string
): Promise<CliResult> => {
  await ensureBuilt()
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...env, NO_COLOR: "1" }, timeout: 120_000, cwd },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === "number"
            ? (err as { code: number }).code
            : 1
          : 0
        resolve({ code, stdout: String(stdout), stderr: String(stderr) })
      }
    )
  })
}
