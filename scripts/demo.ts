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

const program = Effect.gen(function* () {
  const summary = yield* runDag({
    dag,
    events: consoleEvents("text"),
    sourceOverrides: replayOverrides(sources, replay, dag.spec.nodes, (line) => console.error(`demo: ${line}`))
  })
  yield* printSummary(summary, db)
  const w = yield* Warehouse
  const top = yield* w.query(
    "select company, count(*)::int as jobs, count(*) filter (where remote = 'remote')::int as remote from jobs group by 1 order by 2 desc limit 10"
  )
  process.stdout.write(`\njobs by company:\n${formatTable(top)}\n`)
  process.stdout.write(`\n${yield* relevanceEvalSummary(dag)}\n`)
  process.stdout.write(
    `\nwarehouse: ${db}\ntry: npx jobsignal sql "select title, company, location from jobs limit 10" --db ${db}\n`
  )
  // The queue's "now" is the newest first_seen. The replay stamps first_seen with the run's date, so today
  // this is the run date, not the recordings' posting dates (see the branch notes: not done yet).
  const [{ as_of }] = yield* w.query<{ as_of: string | null }>(
    "select strftime(max(first_seen), '%Y-%m-%d') as as_of from jobs"
  )
  const asOf = as_of ?? new Date().toISOString().slice(0, 10)
  const queue = yield* queueAsOf(asOf, 20)
  process.stdout.write(
    `\ntoday's queue as of ${asOf} (newest first_seen; npx jobsignal today --as-of ${asOf} --db ${db}):\n${formatTable(queueRows(queue))}\n`
  )
  return summary
})

const summary = await Effect.runPromise(program.pipe(Effect.provide(runtimeLayer(db)))).finally(() => replay.close())
process.exitCode = summary.status === "success" ? 0 : 1
