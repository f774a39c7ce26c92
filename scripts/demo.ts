/**
 * `npm run demo`: the default DAG, offline. A loopback server replays the recorded responses in
 * fixtures/, every source node is pointed at it (with the boards that have recordings), and the
 * run lands in the warehouse ($JOBSIGNAL_DB or data/jobsignal.duckdb).
 */
import { Effect } from "effect"
import { resolve } from "node:path"
import { replayOverrides, startReplayServer } from "../sources/replay.ts"
import { consoleEvents } from "../pipelines/console.ts"
import { loadDag } from "../pipelines/load.ts"
import { runDag } from "../pipelines/runner.ts"
import { printSummary } from "../pipelines/cli/run.ts"
import { runtimeLayer } from "../pipelines/cli/runtime.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { formatTable } from "../pipelines/console.ts"
import { kinds, sources } from "../app/index.ts"
import { relevanceEvalSummary } from "../transforms/relevance-eval/summary.ts"
import { queueAsOf, queueRows } from "../transforms/queue/store.ts"

const db = resolve(process.env.JOBSIGNAL_DB ?? "data/jobsignal.duckdb")
const dag = loadDag(process.argv[2] ?? "dag.yaml", kinds)
const replay = await startReplayServer(sources)
console.error(`demo: replaying recorded responses from fixtures/ on ${replay.url}`)

/**
 * The demo's "now": the day the recordings end (the newest posting date a recorded source states, LinkedIn's
 * guest search of 2026-09-21), so every window (signals, velocity, open jobs, the queue's freshness) is the one
 * a person running it that day would have seen. Workday's relative "Posted N days ago" dates count from
 * the run's clock, so its postings fall after it and stay out of the queue.
 */
const AS_OF = process.env.JOBSIGNAL_DEMO_AS_OF ?? "2026-09-21"

const program = Effect.gen(function* () {
  const summary = yield* runDag({
    dag,
    asOf: AS_OF,
    events: consoleEvents("text"),
    sourceOverrides: replayOverrides(sources, replay, dag.spec.nodes, (line) => console.error(`demo: ${line}`))
  })
  yield* printSummary(summary, db)
  const w = yield* Warehouse
  // Companies come from the universe (targets/universe.json) or the provider's answer. One recording kept no
  // company at all (its replay board is named `tenant-not-recorded`, sources/workday/fixtures.ts): its jobs are
  // counted, not shown under a made-up name.
  const unrecorded = "source_id like 'tenant-not-recorded/%'"
  const top = yield* w.query(
    `select company, count(*)::int as jobs, count(*) filter (where remote = 'remote')::int as remote from jobs where not (${unrecorded}) group by 1 order by 2 desc, 1 limit 10`
  )
  const [{ n }] = yield* w.query<{ n: number }>(`select count(*)::int as n from jobs where ${unrecorded}`)
  process.stdout.write(
    `\njobs by company:\n${formatTable(top)}\n${n > 0 ? `(${n} jobs of a recorded Workday listing that kept no company name are not shown)\n` : ""}`
  )
  process.stdout.write(`\n${yield* relevanceEvalSummary(dag)}\n`)
  process.stdout.write(
    `\nwarehouse: ${db}\ntry: npx jobsignal sql "select title, company, location from jobs limit 10" --db ${db}\n`
  )
  const queue = yield* queueAsOf(AS_OF, 20)
  const leads = yield* w.query("select company, signal_type, why_now from leads_as_of($1::date) limit 5", [AS_OF])
  process.stdout.write(
    `\nleads as of ${AS_OF} (npx jobsignal leads --as-of ${AS_OF} --db ${db}): ${leads.length === 0 ? "none: no recorded company signal falls in the 30 days before it at a company with open roles" : `\n${formatTable(leads)}`}\n`
  )
  process.stdout.write(
    `\ntoday's queue as of ${AS_OF}, the day the recordings end (npx jobsignal today --as-of ${AS_OF} --db ${db}):\n${formatTable(queueRows(queue))}\n`
  )
  if (queue.length > 0)
    process.stdout.write(`open one: npx jobsignal jobs ${queue[0].job_key.slice(0, 8)} --db ${db}\n`)
  return summary
})

const summary = await Effect.runPromise(program.pipe(Effect.provide(runtimeLayer(db)))).finally(() => replay.close())
process.exitCode = summary.status === "success" ? 0 : 1
