// A V8 code cache for dist/'s CommonJS chunks, kept between runs: compiling Effect's 1 MB chunk and the rest
// is the largest part of a start (bench/cli-startup). Node 20 has no module.enableCompileCache() (Node 22), so
// each chunk is compiled here through vm.Script with the bytes the last run of the same command left, and the
// bytes are written when a command first runs, at its exit: by then they hold the functions it called too.
// Any cache error is ignored: the command runs as it would without one.
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import Module from "node:module"
import { homedir } from "node:os"
import { basename, dirname, join } from "node:path"
import { Script } from "node:vm"
import { ESM_IMPORT } from "./commonjs-chunks.js"

/** Outside the package, which may be read-only: `$XDG_CACHE_HOME/jobsignal/v8`, else `~/.cache/jobsignal/v8`. */
export const compileCacheDir = (env = process.env) =>
  join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "jobsignal", "v8")

const STALE_MS = 30 * 24 * 3600_000

/** `mkdir -p` one level at a time: Node 20's recursive mkdirSync never returns on some paths (under /proc). */
const makeDirs = (dir) => {
  if (existsSync(dir)) return
  makeDirs(dirname(dir))
  mkdirSync(dir)
}

/** A require() for code compiled outside Node's loader, as Node gives each module (lib/internal/modules/helpers). */
const requireFor = (mod) => {
  const require = (id) => mod.require(id)
  require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options)
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod)
  require.main = process.mainModule
  require.extensions = Module._extensions
  require.cache = Module._cache
  return require
}

/**
 * What a rebuild left behind, removed when a run writes caches: in this dist/'s folder, those of chunks dist/ no
 * longer has and older bytes of the files being written (main.js keeps its name); other dist/s' folders not
 * written to for a month (a deleted checkout's).
 */
const prune = (cacheRoot, dir, codeDir, unsaved) => {
  const chunks = new Set(readdirSync(codeDir))
  const replaced = new Set(unsaved.map(({ file }) => basename(file).replace(/\.[0-9a-f]+\./, ".")))
  for (const f of readdirSync(dir))
    if (!chunks.has(`${f.split(".")[0]}.js`) || replaced.has(f.replace(/\.[0-9a-f]+\./, ".")))
      rmSync(join(dir, f), { force: true })
  for (const d of readdirSync(cacheRoot))
    if (join(cacheRoot, d) !== dir && Date.now() - statSync(join(cacheRoot, d)).mtimeMs > STALE_MS)
      rmSync(join(cacheRoot, d), { recursive: true, force: true })
}

/**
 * Compiles every CommonJS file directly in `codeDir` with a code cache. `command` keys the cache: each command
 * calls other functions of the shared chunks, and a cache holds the ones its first run compiled.
 */
export const installCompileCache = (codeDir, command, cacheRoot = compileCacheDir()) => {
  // One folder per dist/ (checkouts on one machine share the cache root): a rebuild prunes its own folder only.
  const dir = join(cacheRoot, createHash("sha1").update(codeDir).digest("hex").slice(0, 12))
  const unsaved = []
  const runtime = [process.version, process.arch, ...process.execArgv, process.env.NODE_OPTIONS ?? ""].join("\0")
  const compile = Module.prototype._compile
  Module.prototype._compile = function (content, filename, format) {
    if (format === "module" || dirname(filename) !== codeDir || basename(filename) === ESM_IMPORT)
      return compile.call(this, content, filename, format)
    // V8 checks only a cache's source length and its flags: the content hash tells two builds apart, and Node's
    // options are in the key so that a run with other flags (rejected bytes) does not overwrite the usual cache.
    const hash = createHash("sha1").update(runtime).update(content).digest("hex").slice(0, 20)
    const file = join(dir, `${basename(filename, ".js")}.${hash}.${command}.v8`)
    let cachedData
    try {
      cachedData = readFileSync(file)
    } catch {
      /* the first run of this command on this build */
    }
    const script = new Script(Module.wrap(content), { filename, cachedData })
    if (cachedData === undefined || script.cachedDataRejected) unsaved.push({ file, script })
    const wrapper = script.runInThisContext({ displayErrors: true })
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, dirname(filename))
  }
  process.once("exit", () => {
    if (unsaved.length === 0) return
    try {
      makeDirs(dir)
      prune(cacheRoot, dir, codeDir, unsaved)
      for (const { file, script } of unsaved) {
        // Written whole, then renamed: a CLI starting meanwhile reads the old bytes or the new, never half.
        const tmp = `${file}.${process.pid}.tmp`
        writeFileSync(tmp, script.createCachedData())
        renameSync(tmp, file)
      }
    } catch {
      /* a read-only or full disk: the next run compiles again */
    }
  })
}
