/**
 * `npx tsx scripts/lock-platforms.ts`: the npm registry reachable here serves only this machine's platform
 * builds of packages like @duckdb/node-bindings-*, @rollup/rollup-* and msgpackr-extract, so `npm install`
 * writes a package-lock.json without the other platforms' optional packages and `npm ci` then refuses it
 * ("Missing: … from lock file"). This adds those entries, marked optional with their os/cpu/libc, so
 * `npm ci` skips them on platforms they are not for. Run it after any `npm install` that changes the lock.
 */
import { readFileSync, writeFileSync } from "node:fs"

const OS = ["darwin", "linux", "win32", "android", "freebsd", "openbsd", "openharmony", "netbsd", "sunos", "aix"]
const CPU: Record<string, string> = {
  arm64: "arm64",
  x64: "x64",
  ia32: "ia32",
  arm: "arm",
  loong64: "loong64",
  ppc64: "ppc64",
  riscv64: "riscv64",
  s390x: "s390x"
}

const platformOf = (name: string) => {
  const parts = name.split("/").pop()!.split("-")
  const os = parts.find((p) => OS.includes(p))
  const cpu = parts.map((p) => CPU[p]).find(Boolean)
  if (!os || !cpu) return undefined
  const libc =
    os === "linux"
      ? parts.some((p) => p.startsWith("musl"))
        ? "musl"
        : parts.some((p) => p.startsWith("gnu"))
          ? "glibc"
          : undefined
      : undefined
  return { os: [os], cpu: [cpu], ...(libc ? { libc: [libc] } : {}) }
}

const file = "package-lock.json"
const lock = JSON.parse(readFileSync(file, "utf8")) as { packages: Record<string, Record<string, any>> }
let added = 0
for (const [path, pkg] of Object.entries(lock.packages)) {
  for (const [dep, spec] of Object.entries<string>(pkg.optionalDependencies ?? {})) {
    const key = `${path ? path + "/" : ""}node_modules/${dep}`
    const hoisted = `node_modules/${dep}`
    if (lock.packages[key] || lock.packages[hoisted]) continue
    const platform = platformOf(dep)
    if (!platform || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) continue
    lock.packages[hoisted] = { version: spec, optional: true, ...platform }
    added++
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b)))
)
writeFileSync(file, JSON.stringify(lock, null, 2) + "\n")
console.log(`added ${added} platform-specific optional package entries to ${file}`)
