import { Effect } from "effect"
import { Warehouse } from "./sinks/warehouse.ts"
import { DEDUPE_MACROS } from "./transforms/dedupe/sql.ts"
import { loadEvalSet } from "./bench/dedupe-evalset.ts"
const ps = loadEvalSet().filter((p) => /lemon/i.test(p.company))
const prog = Effect.gen(function* () {
  const w = yield* Warehouse
  for (const m of DEDUPE_MACROS) yield* w.exec(m)
  for (const p of ps) for (const q of ps) if (p !== q && p.description_text && q.description_text) {
    const [r] = yield* w.query(`select desc_containment(word_pair_set(desc_words($1)), word_pair_set(desc_words($2))) c, len(word_pair_set(desc_words($1))) n1, len(word_pair_set(desc_words($2))) n2`, [p.description_text, q.description_text])
    console.log(p.source_id, q.source_id, JSON.stringify(r))
  }
})
await Effect.runPromise(Effect.scoped(prog.pipe(Effect.provide(Warehouse.layer({ path: ":memory:" })))))
