import { createRequire } from "node:module"

/**
 * A package required through Node the first time it is used, not when the module naming it loads (and not bundled
 * into dist/: a non-literal require is left alone by esbuild). Commands that never reach the code using it — `validate`,
 * `plan`, `sql` know every source but fetch nothing — never pay for undici, cheerio, DuckDB or the MongoDB driver.
 */
export const lazyRequire = <T>(from: string, id: string): (() => T) => {
  let mod: T | undefined
  return () => (mod ??= createRequire(from)(id) as T)
}
