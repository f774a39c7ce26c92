/**
 * `npm run bench`: every case in bench/*.ts that exports `bench = { name, run }`, run one after
 * another (they share 2 cores), printing the figures each returns. `npm run bench -- NAME` runs one.
 */
import { readdirSync } from "node:fs"
import { join } from "node:path"

export interface BenchCase {
  readonly name: string
  readonly run: () => Promise<Record<string, number | string>>
}

const only = process.argv.slice(2)
const dir = import.meta.dirname
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "index.ts" && !f.startsWith("_"))
  .sort()
let failed = 0
for (const f of files) {
  const mod = (await import(join(dir, f))) as { bench?: BenchCase }
  if (!mod.bench) continue
  if (only.length > 0 && !only.some((o) => mod.bench!.name.includes(o) || f.includes(o))) continue
  process.stdout.write(`\n== ${mod.bench.name} (${f})\n`)
  const t0 = Date.now()
  try {
    const figures = await mod.bench.run()
    for (const [k, v] of Object.entries(figures))
      process.stdout.write(`  ${k.padEnd(44)} ${typeof v === "number" ? Number(v.toFixed(4)) : v}\n`)
    process.stdout.write(`  ${"(wall time, s)".padEnd(44)} ${((Date.now() - t0) / 1000).toFixed(1)}\n`)
  } catch (e) {
    failed++
    process.stdout.write(`  FAILED: ${e instanceof Error ? e.stack : String(e)}\n`)
  }
}
process.exitCode = failed > 0 ? 1 : 0
