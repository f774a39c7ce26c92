import { Effect } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"

const HEX = /^[0-9a-f]+$/

/** Cached results for these content hashes under (prompt version, model). */
export const cachedResults = (promptVersion: string, model: string, hashes: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const out = new Map<string, unknown>()
    const safe = [...new Set(hashes)].filter((h) => HEX.test(h))
    for (let i = 0; i < safe.length; i += 500) {
      // Hashes are our own hex digests (checked above), so listing them inline is safe.
      const list = safe.slice(i, i + 500).map((h) => `'${h}'`).join(",")
      const rows = yield* w.query<{ input_hash: string; result: string }>(
        `select input_hash, result::varchar as result from llm_cache where prompt_version = $1 and model = $2 and input_hash in (${list})`,
        [promptVersion, model]
      )
      for (const r of rows) out.set(r.input_hash, JSON.parse(r.result))
    }
    return out
  })

export const storeResults = (promptVersion: string, model: string, results: ReadonlyArray<{ hash: string; result: unknown }>) =>
  Effect.gen(function* () {
    if (results.length === 0) return
    const w = yield* Warehouse
    const now = new Date().toISOString()
    yield* w.transaction((tx) =>
      Effect.forEach(results, (r) =>
        tx.exec(
          "insert into llm_cache (prompt_version, model, input_hash, result, created_at) values ($1, $2, $3, $4, $5) on conflict do nothing",
          [promptVersion, model, r.hash, JSON.stringify(r.result), now]
        ), { discard: true })
    )
  })
