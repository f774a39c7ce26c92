#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx jobsignal` works straight after `npm ci`, with no build step.
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import { constants } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const tsxLoader = pathToFileURL(join(dirname(require.resolve("tsx/package.json")), "dist", "loader.mjs")).href
const main = join(here, "..", "pipelines", "cli", "main.ts")
// tsx's loader in the CLI's own process, not tsx's CLI: that one relays signals to its child and
// SIGKILLs it when the child does not acknowledge within 30 ms, which a busy run easily misses.
// A 64 MB young generation: a fan-out allocates a response body, its parse and its rows per board,
// all short-lived; at Node's default 16 MB the scavenger runs 4× as often and, on 2 cores, competes
// with the fetching (bench/ats-throughput: ratio 0.77 → 0.81). `npm run bench` runs with the same flag.
const child = spawn(process.execPath, ["--max-semi-space-size=64", "--import", tsxLoader, main, ...process.argv.slice(2)], { stdio: "inherit" })
// A supervisor's SIGTERM (or a `kill`) reaches only this process: pass it on so the CLI can stop
// cleanly. Ctrl-C on a terminal already reaches the whole process group, so it is not sent twice.
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"])
  process.on(sig, () => {
    if (sig === "SIGINT" && process.stdin.isTTY) return
    child.kill(sig)
  })
child.on("exit", (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] ?? 0 : 1)))
