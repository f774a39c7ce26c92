import { Effect } from "effect"
import { Warehouse } from "./sinks/warehouse.ts"
import { DEDUPE_MACROS } from "./transforms/dedupe/sql.ts"
import { stageInput, linkNew, writeSightings, writeJobs } from "./transforms/dedupe/match.ts"
import { loadEvalSet } from "./bench/dedupe-evalset.ts"
const bases = loadEvalSet().filter((p) => p.origin.startsWith("recorded:"))
const prog = Effect.gen(function* () {
  const w = yield* Warehouse
  yield* w.exec("create temp table _base (b integer, source varchar, url varchar, title varchar, company varchar, location varchar, description_text varchar)")
  yield* w.insertRows("_base", bases.map((p, b) => ({ b, source: p.source, url: p.url, title: p.title, company: p.company, location: p.location, description_text: p.description_text?.slice(0, 700) ?? null })))
  yield* w.exec(`insert into stg_jobs (run_id, node, unit, record_key, fetched_at, source, source_id, url, title, company, location, remote, description_text)
    select 's','s',source,'g'||j, now(), source, 'g'||j, url||'?n='||j, title, company||' '||(j//62), location, 'unknown', description_text from range(20000) r(j) join _base on b = j % 62`)
  for (const m of DEDUPE_MACROS) yield* w.exec(m)
  const stmts = [...stageInput("(node = 's')"), ...linkNew, writeSightings, ...writeJobs]
  for (const s of stmts) { const t = Date.now(); yield* w.exec(s); console.log(((Date.now() - t) / 1000).toFixed(2), s.replace(/\s+/g, " ").slice(0, 70)) }
})
await Effect.runPromise(Effect.scoped(prog.pipe(Effect.provide(Warehouse.layer({ path: ":memory:" })))))
