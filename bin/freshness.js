// Whether dist/ was built from the sources now in the checkout. Only a development checkout (one
// with .git) is checked: an installed package's dist/ comes from its own `prepare` and never moves.
import { existsSync, readFileSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

export const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const SOURCE_DIRS = ["app", "core", "model", "pipelines", "sources", "transforms", "sinks", "dq", "targets"]

/** The project's TypeScript files among a build's inputs (esbuild metafile paths, relative to the root). */
export const sourceInputs = (inputs) =>
  inputs.filter((f) => f.endsWith(".ts") && SOURCE_DIRS.includes(f.split("/")[0])).sort()

/**
 * dist/BUILT: the newest mtime of the sources dist/ was built from, then those sources, one a line. Checking
 * them alone (a stat each) is what keeps the check cheap: walking the folders cost a start 25 ms. A new file
 * counts once one of them imports it, which changes that one.
 */
export const builtStamp = (files) =>
  `${Math.max(0, ...files.map((f) => statSync(join(root, f)).mtimeMs))}\n${files.join("\n")}\n`

export const isDevCheckout = () => existsSync(join(root, ".git"))

/** "missing", "stale" or "fresh"; an installed package (no .git) is fresh once built. */
export const distState = () => {
  const built = join(root, "dist", "BUILT")
  if (!existsSync(built) || !existsSync(join(root, "dist", "main.js"))) return "missing"
  if (!isDevCheckout()) return "fresh"
  const [stamp, ...files] = readFileSync(built, "utf8").trim().split("\n")
  const at = Number(stamp)
  for (const f of files)
    if (!((statSync(join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? Infinity) <= at)) return "stale"
  return files.length > 0 ? "fresh" : "stale"
}
