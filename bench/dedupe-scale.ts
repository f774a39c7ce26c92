/**
 * Dedupe at scale: 1,000,000 postings generated in DuckDB SQL from the recorded ones (the recorded rows
 * of the evaluation set), 80% distinct jobs (company varied per copy of the recorded set) and 20% board
 * copies of them (company suffix, title case / "Sr.", tracking URL, truncated description, another
 * source), then the real dedupe SQL. `DEDUPE_SCALE_ROWS` changes the size.
 */
import { Effect } from "effect"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { Warehouse } from "../sinks/warehouse.ts"
import { dedupeJobs } from "../transforms/dedupe/node.ts"
import { loadEvalSet } from "./dedupe-evalset.ts"
import type { BenchCase } from "./index.ts"
import { tmpdir } from "node:os"
import { ats, migrations } from "../app/index.ts"

const MEMORY_LIMIT = "640MB"

export const runScale = async (rows = Number(process.env.DEDUPE_SCALE_ROWS ?? 1_000_000)) => {
  const distinct = Math.round(rows * 0.8)
  const copies = rows - distinct
  const dir = join(tmpdir(), `jobsignal-dedupe-scale-${process.pid}`)
  const bases = loadEvalSet().filter((p) => p.origin.startsWith("recorded:"))
  let peak = 0
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 50)
  try {
    return await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const w = yield* Warehouse
          yield* w.exec(`set memory_limit = '${MEMORY_LIMIT}'`)
          yield* w.exec("set preserve_insertion_order = false")
          yield* w.exec(
            "create temp table _base (b integer, source varchar, url varchar, title varchar, company varchar, location varchar, description_text varchar)"
          )
          yield* w.insertRows(
            "_base",
            bases.map((p, b) => ({
              b,
              source: p.source,
              url: p.url,
              title: p.title,
              company: p.company,
              location: p.location,
              description_text: p.description_text?.slice(0, 700) ?? null
            }))
          )
          const t0 = Date.now()
          const nb = bases.length
          yield* w.exec(
            `insert into stg_jobs (run_id, node, unit, record_key, fetched_at, source, source_id, url, apply_url, title, company, location, remote, description_text, posted_at)
         select 'scale', 'scale', source, 'g' || j, timestamptz '2026-08-01 00:00:00+00', source, 'g' || j,
                url || case when contains(url, '?') then '&' else '?' end || 'n=' || j, null,
                title, company || ' ' || (j // ${nb}), location, 'unknown',
                (j // ${nb}) || ' ' || description_text, timestamptz '2026-07-01 00:00:00+00' + to_minutes(j % 50000)
         from range(${distinct}) r(j) join _base on b = j % ${nb}`
          )
          yield* w.exec(
            `insert into stg_jobs (run_id, node, unit, record_key, fetched_at, source, source_id, url, apply_url, title, company, location, remote, description_text, posted_at)
         select 'scale', 'scale', 'copies', 'd' || k, timestamptz '2026-08-01 00:00:00+00',
                ['remotive', 'remoteok', 'jobicy', 'himalayas', 'linkedin', 'arbeitnow'][1 + k % 6], 'd' || k,
                'https://board.example/jobs/' || k || '?utm_source=feed&ref=x', null,
                case k % 3 when 0 then upper(title) when 1 then replace(title, 'Senior', 'Sr.') else lower(title) end,
                company || ' ' || (j // ${nb}) || case k % 2 when 0 then ', Inc.' else ' LLC' end,
                case when k % 4 = 0 then null else location end, 'unknown',
                left((j // ${nb}) || ' ' || description_text, 500), null
         from (select k, hash(k) % ${distinct} as j from range(${copies}) r(k)) c join _base on b = j % ${nb}`
          )
          const generateS = (Date.now() - t0) / 1000
          const t1 = Date.now()
          const out = yield* dedupeJobs({
            inputs: [{ node: "scale", runId: "scale", role: "source", kind: "scale" }],
            ats
          })
          const dedupeS = (Date.now() - t1) / 1000
          const [{ jobs, expected }] = yield* w.query<{ jobs: number; expected: number }>(
            `select (select count(*) from jobs)::int as jobs, ${distinct}::int as expected`
          )
          return {
            postings: rows,
            "true duplicates (board copies)": copies,
            "expected jobs": expected,
            "jobs after dedupe": jobs,
            "generate s (SQL insert)": generateS,
            "dedupe wall s": dedupeS,
            "dedupe rows/s": Math.round(rows / dedupeS),
            "peak RSS MB (process, sampled 50ms)": Math.round(peak / 1048576),
            "duckdb memory_limit": MEMORY_LIMIT,
            "merged sightings": Number(out.details?.merged_sightings ?? 0)
          }
        }).pipe(Effect.provide(Warehouse.layer({ path: join(dir, "scale.duckdb"), migrations })))
      )
    )
  } finally {
    clearInterval(sample)
    rmSync(dir, { recursive: true, force: true })
  }
}

export const bench: BenchCase = { name: "dedupe-scale", run: () => runScale() }
