import { Effect } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import { DEDUPE_MACROS } from "../../transforms/dedupe/sql.ts"
import { loadEvalSet } from "../dedupe-evalset.ts"
const rows = 1_000_000, distinct = 800000, copies = 200000
const bases = loadEvalSet().filter((p) => p.origin.startsWith("recorded:"))
const path = process.argv[2]
const exprs = process.argv.slice(3)
await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
  const w = yield* Warehouse
  yield* w.exec(`set memory_limit = '1GB'`)
  yield* w.exec("set preserve_insertion_order = false")
  const [{ n }] = yield* w.query<{ n: number }>("select count(*)::int as n from stg_jobs")
  if (n === 0) {
  yield* w.exec("create temp table _base (b integer, source varchar, url varchar, title varchar, company varchar, location varchar, description_text varchar)")
  yield* w.insertRows("_base", bases.map((p, b) => ({ b, source: p.source, url: p.url, title: p.title, company: p.company, location: p.location, description_text: p.description_text?.slice(0, 700) ?? null })))
  const nb = bases.length
  yield* w.exec(`insert into stg_jobs (run_id, node, unit, record_key, fetched_at, source, source_id, url, apply_url, title, company, location, remote, description_text, posted_at)
         select 'scale', 'scale', source, 'g' || j, timestamptz '2026-08-01 00:00:00+00', source, 'g' || j,
                url || case when contains(url, '?') then '&' else '?' end || 'n=' || j, null,
                title, company || ' ' || (j // ${nb}), location, 'unknown',
                (j // ${nb}) || ' ' || description_text, timestamptz '2026-07-01 00:00:00+00' + to_minutes(j % 50000)
         from range(${distinct}) r(j) join _base on b = j % ${nb}`)
  yield* w.exec(`insert into stg_jobs (run_id, node, unit, record_key, fetched_at, source, source_id, url, apply_url, title, company, location, remote, description_text, posted_at)
         select 'scale', 'scale', 'copies', 'd' || k, timestamptz '2026-08-01 00:00:00+00',
                ['remotive', 'remoteok', 'jobicy', 'himalayas', 'linkedin', 'arbeitnow'][1 + k % 6], 'd' || k,
                'https://board.example/jobs/' || k || '?utm_source=feed&ref=x', null,
                case k % 3 when 0 then upper(title) when 1 then replace(title, 'Senior', 'Sr.') else lower(title) end,
                company || ' ' || (j // ${nb}) || case k % 2 when 0 then ', Inc.' else ' LLC' end,
                case when k % 4 = 0 then null else location end, 'unknown',
                left((j // ${nb}) || ' ' || description_text, 500), null
         from (select k, hash(k) % ${distinct} as j from range(${copies}) r(k)) c join _base on b = j % ${nb}`)
  yield* w.exec("checkpoint")
  }
  for (const m of DEDUPE_MACROS) yield* w.exec(m)
  for (const e of exprs) {
    const t = Date.now()
    const r = yield* w.query(e)
    console.log(((Date.now() - t) / 1000).toFixed(2), "s", e.slice(0, 100), JSON.stringify(r).slice(0, 300))
  }
}).pipe(Effect.provide(Warehouse.layer({ path })))))
