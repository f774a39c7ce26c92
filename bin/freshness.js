// Whether dist/ was built from the sources now in the checkout. Only a development checkout (one
// with .git) is checked: an installed package's dist/ comes from its own `prepare` and never moves.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

export const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const SOURCE_DIRS = ["app", "core", "model", "pipelines", "sources", "transforms", "sinks", "dq", "targets"]

const newestIn = (dir) => {
  let m = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) m = Math.max(m, newestIn(join(dir, e.name)))
    else if (e.name.endsWith(".ts")) m = Math.max(m, statSync(join(dir, e.name)).mtimeMs)
  }
  return m
}

/** The newest mtime of a TypeScript source the CLI is built from. */
export const newestSource = () =>
  Math.max(
    0,
    ...SOURCE_DIRS.map((d) => join(root, d))
      .filter(existsSync)
      .map(newestIn)
  )

export const isDevCheckout = () => existsSync(join(root, ".git"))

/** "missing", "stale" or "fresh"; an installed package (no .git) is fresh once built. */
export const distState = () => {
  const built = join(root, "dist", "BUILT")
  if (!existsSync(built) || !existsSync(join(root, "dist", "main.js"))) return "missing"
  if (!isDevCheckout()) return "fresh"
  return Number(readFileSync(built, "utf8")) >= newestSource() ? "fresh" : "stale"
}
