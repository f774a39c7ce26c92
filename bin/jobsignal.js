#!/usr/bin/env node
// Runs the built CLI (dist/, made by `npm ci` through `prepare`) in this very process: no tsx, no
// child, so a supervisor's SIGTERM reaches the CLI itself.
import { createRequire } from "node:module"
import { setFlagsFromString } from "node:v8"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { installCompileCache } from "./compile-cache.js"
import { distState, root } from "./freshness.js"

// A 64 MB young generation: a fan-out allocates a response body, its parse and its rows per board,
// all short-lived; at Node's default 16 MB the scavenger runs 4× as often and, on 2 cores, competes
// with the fetching (bench/ats-throughput: ratio 0.77 → 0.81). Set before anything allocates much:
// V8 reads the semi-space limit when the young generation next grows, so it applies to this heap.
setFlagsFromString("--max-semi-space-size=64")
// And a 16 MB floor: start-up (loading and validating) would otherwise scavenge a 1 MB nursery dozens of times
// (bench/cli-startup: validate 486 → 452 ms).
setFlagsFromString("--min-semi-space-size=16")

// `jobsignal sql … | head` closes the pipe early: that is the reader being done, not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(0)
    throw e
  })

const state = distState()
if (state === "fresh") {
  // The cache is per command (`--help` and an unknown word show the help); see compile-cache.js.
  const args = process.argv.slice(2)
  const help = args.length === 0 || args.includes("--help") || args.includes("-h") || !/^[a-z]{2,16}$/.test(args[0])
  installCompileCache(join(root, "dist"), help ? "help" : args[0])
  createRequire(import.meta.url)(join(root, "dist", "main.js"))
} else {
  // A development checkout whose sources moved on since the last build: run the sources through
  // tsx's in-process loader (slower to start, always current) and say how to get the fast start back.
  // Rebuilding here instead would race the other CLIs a test suite starts at the same moment.
  process.stderr.write(
    `jobsignal: dist/ is ${state === "missing" ? "missing" : "older than the sources"}; running the TypeScript through tsx (slow start). \`npm run build\` makes it fast again.\n`
  )
  const { register } = await import("tsx/esm/api")
  register()
  await import(pathToFileURL(join(root, "pipelines", "cli", "main.ts")).href)
}
