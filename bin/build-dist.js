#!/usr/bin/env node
// Builds the CLI into dist/ (run by `npm ci` through `prepare`, or `npm run build`).
// esbuild (always installed: tsx depends on it) bundles pipelines/cli/main.ts with code splitting, so
// each command's `import()` becomes its own chunk and a command loads only the code it runs. Effect
// and the other pure-JS libraries are bundled too: Node 20 pays ~1 ms per ESM file it loads, and the
// `effect` barrel alone is ~300 files. Native, large or optional-at-run-time packages stay external.
// The chunks are then made CommonJS (bin/commonjs-chunks.js), which bin/compile-cache.js can give a V8 code cache.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { basename, dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { toCommonJs } from "./commonjs-chunks.js"
import { builtStamp, distState, root, sourceInputs } from "./freshness.js"

const EXTERNAL = [
  "@duckdb/*",
  "mongodb",
  "openai",
  "@anthropic-ai/sdk",
  "vite",
  "echarts",
  "preact",
  "preact/*",
  "playwright-core",
  "node-cron"
]

/** Every chunk sits in dist/, one level below the root: `import.meta.dirname` is rewritten so a
 * module's paths (fixtures/, ui/, targets/) resolve as they do from its source file. */
const sourcePaths = {
  name: "source-paths",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      let text = readFileSync(args.path, "utf8")
      if (text.includes("import.meta")) {
        const rel = relative(root, dirname(args.path)).split("\\").join("/")
        const file = relative(root, args.path).split("\\").join("/")
        text = text
          .replaceAll("import.meta.dirname", `(import.meta.dirname + ${JSON.stringify("/../" + rel)})`)
          .replaceAll("import.meta.url", `new URL(${JSON.stringify("../" + file)}, import.meta.url).href`)
      }
      return { contents: text, loader: "ts" }
    })
  }
}

// Node's ESM loader runs cjs-module-lexer over a CommonJS package's entry and every file it
// re-exports, to find export names: for mongodb and @duckdb/node-api that costs more than loading
// them. Reached through require() (the banner's), they load as plain CommonJS.
const CJS_EXTERNAL = /^(@duckdb\/node-api|mongodb|node-cron)$/
const cjsExternals = {
  name: "cjs-externals",
  setup(build) {
    build.onResolve({ filter: CJS_EXTERNAL }, (args) =>
      args.namespace === "cjs-external"
        ? { path: args.path, external: true }
        : { path: args.path, namespace: "cjs-external" }
    )
    build.onLoad({ filter: /.*/, namespace: "cjs-external" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)})`,
      loader: "js"
    }))
  }
}

// Loading a DAG checks each `schedule` with node-cron's validate. Required whole, node-cron brings its task daemon
// and node:child_process with it (15 ms of a `validate`); bundled for pipelines/load.ts alone, only validate and
// what it calls remain. The scheduler's import stays the package, required.
const cronValidate = {
  name: "cron-validate",
  setup(build) {
    build.onResolve({ filter: /^node-cron$/ }, (args) =>
      args.importer === join(root, "pipelines", "load.ts")
        ? { path: fileURLToPath(import.meta.resolve("node-cron")) }
        : undefined
    )
  }
}

// @effect/cli imports yaml, toml and ini for its file-parsing options (`Options.fileParse`), which no command
// uses; bundled, they are ~240 KB that every start compiles and evaluates (bench/cli-startup). Imported from
// @effect/cli, each is a stub requiring the real package the first time its `parse` is called.
const CLI_FILE_PARSERS = /^(yaml|toml|ini)$/
const lazyCliParsers = {
  name: "lazy-cli-parsers",
  setup(build) {
    build.onResolve({ filter: CLI_FILE_PARSERS }, (args) =>
      args.namespace === "lazy-cli-parser"
        ? { path: args.path, external: true }
        : /[\\/]@effect[\\/]cli[\\/]/.test(args.importer)
          ? { path: args.path, namespace: "lazy-cli-parser" }
          : undefined
    )
    build.onLoad({ filter: /.*/, namespace: "lazy-cli-parser" }, (args) => ({
      contents: `export const parse = (...a) => require(${JSON.stringify(args.path)}).parse(...a)`,
      loader: "js"
    }))
  }
}

const ESM_BANNER = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"

export const buildDist = async () => {
  const { build, transform } = await import("esbuild")
  const tmp = join(root, `dist.tmp-${process.pid}`)
  rmSync(tmp, { recursive: true, force: true })
  const result = await build({
    entryPoints: { main: join(root, "pipelines", "cli", "main.ts") },
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outdir: tmp,
    chunkNames: "[name]-[hash]",
    external: EXTERNAL,
    plugins: [cronValidate, cjsExternals, lazyCliParsers, sourcePaths],
    metafile: true,
    write: false,
    legalComments: "none",
    // Less text for V8 to parse on every start; identifiers stay, so stack traces still read.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: "warning"
  })
  const outputs = new Map(result.outputFiles.map((f) => [basename(f.path), f.text]))
  // Bundled CommonJS (yaml, entities…) calls require(): the CommonJS chunks have it, the ESM ones get one.
  const { files, meta } = await toCommonJs(transform, outputs, result.metafile.outputs, ESM_BANNER)
  mkdirSync(tmp, { recursive: true })
  for (const [name, text] of files) writeFileSync(join(tmp, name), text)
  // The package is "type": "module"; in dist/ a .js file is CommonJS, a .mjs one ESM.
  writeFileSync(join(tmp, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`)
  // Which chunk imports what (tests read it to check that a command loads only what it uses).
  writeFileSync(join(tmp, "meta.json"), JSON.stringify(meta))
  writeFileSync(join(tmp, "BUILT"), builtStamp(sourceInputs(Object.keys(result.metafile.inputs))))
  // Swap in the finished build whole, so a CLI starting meanwhile never sees half a dist/.
  const old = join(root, `dist.old-${process.pid}`)
  if (existsSync(join(root, "dist"))) renameSync(join(root, "dist"), old)
  renameSync(tmp, join(root, "dist"))
  rmSync(old, { recursive: true, force: true })
}

/**
 * Builds dist/ unless it is fresh; concurrent callers (test workers) wait for one build. A lock
 * older than a minute is a crashed builder's and is taken over.
 */
export const ensureDist = async () => {
  const lock = join(root, "dist.lock")
  for (;;) {
    if (distState() === "fresh") return
    try {
      mkdirSync(lock)
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 60_000) rmSync(lock, { recursive: true, force: true })
      } catch {
        /* gone meanwhile */
      }
      await new Promise((r) => setTimeout(r, 100))
      continue
    }
    try {
      if (distState() !== "fresh") await buildDist()
    } finally {
      rmSync(lock, { recursive: true, force: true })
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = Date.now()
  await buildDist()
  process.stderr.write(`jobsignal: built dist/ in ${Date.now() - t0} ms\n`)
}
