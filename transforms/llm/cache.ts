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
      const list = safe
        .slice(i, i + 500)
        .map((h) => `'${h}'`)
        .join(",")
      const rows = yield* w.query<{ input_hash: string; result: string }>(
        `select input_hash, result::varchar as result from llm_cache where prompt_version = $1 and model = $2 and input_hash in (${list})`,
        [promptVersion, model]
      )
      for (const r of rows) out.set(r.input_hash, JSON.parse(r.result))
    }
    return out
  })

export const storeResults = (
  promptVersion: string,
  model: string,
  results: ReadonlyArray<{ hash: string; result: unknown }>
) =>
  Effect.gen(function* () {
    if (results.length === 0) return
    const w = yield* Warehouse
    const now = new Date().toISOString()
    // One bulk insert per batch: a row at a time costs more than the model call at 10,000 jobs.
    yield* w.transaction((tx) =>
      Effect.gen(function* () {
        yield* tx.exec("create or replace temp table _llm_cache_in as select * from llm_cache limit 0")
        yield* tx.insertRows(
          "_llm_cache_in",
          results.map((r) => ({
            prompt_version: promptVersion,
            model,
            input_hash: r.hash,
            result: r.result,
            created_at: now
          }))
        )
        yield* tx.exec("insert into llm_cache select * from _llm_cache_in on conflict do nothing")
        yield* tx.exec("drop table _llm_cache_in")
      })
    )
  })
