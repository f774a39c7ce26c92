import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** The dashboard's front end: sources in ui/, the bundle (Vite, no CDN at run time) in ui/dist. */
export const uiRoot = fileURLToPath(new URL("../../ui/", import.meta.url))
export const uiDist = join(uiRoot, "dist")

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
    const p = join(dir, e.name)
    return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }, 0)

/** True when ui/dist is missing or older than a source file. */
export const uiStale = () => {
  const index = join(uiDist, "index.html")
  if (!existsSync(index)) return true
  const built = statSync(index).mtimeMs
  return (
    Math.max(
      newest(join(uiRoot, "src")),
      statSync(join(uiRoot, "index.html")).mtimeMs,
      statSync(join(uiRoot, "vite.config.ts")).mtimeMs
    ) > built
  )
}

/**
 * Builds the bundle when it is missing or stale (a fresh clone has none: `serve` and the UI test
 * build it on first use, so `npm ci` needs no extra step).
 */
export const ensureUiBuilt = async (log: (s: string) => void = () => {}) => {
  if (!uiStale()) return { built: false, ms: 0 }
  const t0 = Date.now()
  log(`building the dashboard front end into ${uiDist} ...`)
  const { build } = await import("vite")
  await build({ root: uiRoot, configFile: join(uiRoot, "vite.config.ts"), logLevel: "warn" })
  return { built: true, ms: Date.now() - t0 }
}
