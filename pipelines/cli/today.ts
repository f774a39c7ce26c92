import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import type { QueueStatus, StatusRecord } from "../../transforms/queue/rank.ts"
import { actOnJob, type QueueAction } from "../../transforms/queue/act.ts"
import { liveUp, type UpInfo } from "../../sinks/up-file.ts"
import { postToUp } from "./up-client.ts"
import { QUEUE_SQL, QUEUE_STATUSES, queueFromRows, queueRows } from "../../transforms/queue/store.ts"
import { writeLevelTwoStatus } from "../../sinks/mongo/status.ts"
import { formatTable } from "../console.ts"
import { dbOption, fail, print, printErr } from "./shared.ts"
import { withWarehouseFile } from "./sql.ts"
import { expandJobId } from "./job-card.ts"
import { runtimeLayer } from "./runtime.ts"

const isoDay = /^\d{4}-\d{2}-\d{2}$/

const asOfOption = Options.text("as-of").pipe(
  Options.optional,
  Options.withDescription("The day the queue is computed for, YYYY-MM-DD (default today)")
)
const limitOption = Options.integer("limit").pipe(
  Options.withDefault(20),
  Options.withDescription("At most N items (default 20)")
)
const untilOption = Options.text("until").pipe(
  Options.optional,
  Options.withDescription("For snooze: the day the job comes back, YYYY-MM-DD")
)
const actionArg = Args.choice(
  QUEUE_STATUSES.map((s) => [s, s] as const),
  { name: "ACTION" }
).pipe(Args.withDescription("applied | dismiss | snooze | interested: what you did with JOB_ID"), Args.optional)
const jobArg = Args.text({ name: "JOB_ID" }).pipe(
  Args.withDescription("The job (jobs.id) the action is on"),
  Args.optional
)

/** With MONGODB_URI, the action also goes into the MongoDB level-2 document (database `jobsignal`). */
const mongoStatus = (jobId: string, status: string, at: Date) =>
  Effect.tryPromise({
    try: async () => {
      const uri = process.env.MONGODB_URI
      if (!uri) return null
      const { MongoClient } = await import("mongodb")
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 })
      try {
        await client.connect()
        return await writeLevelTwoStatus(client.db(process.env.MONGODB_DATABASE ?? "jobsignal"), jobId, status, at)
      } finally {
        await client.close()
      }
    },
    // The URI may hold a password: the message never repeats it.
    catch: () => new Error("MongoDB did not take the status (check MONGODB_URI); the warehouse has it")
  })

/** A running `jobsignal up` owns the warehouse: the action goes through its API (POST /api/queue/:id/status). */
const actThroughUp = (up: UpInfo, jobId: string, status: string, until: string | null) =>
  Effect.tryPromise({
    try: () =>
      postToUp<QueueAction>(up, `/api/queue/${encodeURIComponent(jobId)}/status`, {
        status,
        ...(until ? { until } : {}),
        confirm: true
      }),
    catch: (e) => e as Error
  })

const act = (db: string, action: QueueStatus, jobId: string, until: Option.Option<string>) =>
  Effect.gen(function* () {
    const at = new Date()
    const up = liveUp(db)
    const r = up
      ? yield* actThroughUp(up, jobId, action, Option.getOrNull(until))
      : yield* actOnJob(jobId, action, {
          until: Option.getOrNull(until),
          at: at.toISOString().slice(0, 19)
        }).pipe(Effect.provide(runtimeLayer(db)))
    const mongo = yield* mongoStatus(jobId, action, at)
    yield* print(
      `${r.job_id}: ${r.status}${r.until ? ` until ${r.until}` : ""} (warehouse queue_status${r.level2 ? ", level-2 status in mongo_level_2" : ""}${mongo === true ? ", MongoDB level-2 status" : mongo === false ? "; not in MongoDB level-2 yet" : ""})`
    )
  })

export const todayCommand = Command.make(
  "today",
  { asOf: asOfOption, limit: limitOption, until: untilOption, db: dbOption, action: actionArg, jobId: jobArg },
  ({ asOf, limit, until, db, action, jobId }) =>
    Effect.gen(function* () {
      if (Option.isSome(action)) {
        if (Option.isNone(jobId))
          return yield* Effect.fail(new Error(`today ${action.value} needs the JOB_ID it is on`))
        const id = yield* withWarehouseFile(db, false, (q) => expandJobId(q, jobId.value))
        return yield* act(db, action.value, id, until)
      }
      const day = Option.getOrElse(asOf, () => new Date().toISOString().slice(0, 10))
      if (!isoDay.test(day)) return yield* Effect.fail(new Error(`--as-of ${JSON.stringify(day)}: expected YYYY-MM-DD`))
      const { jobs, statuses } = yield* withWarehouseFile(db, false, (q) =>
        Effect.all({
          jobs: q(QUEUE_SQL, [day]),
          statuses: q(
            "select job_key, status, content_hash, strftime(snooze_until, '%Y-%m-%d') as until from queue_status"
          ).pipe(Effect.orElseSucceed(() => []))
        })
      )
      const queue = queueFromRows(
        jobs,
        new Map<string, StatusRecord>(
          statuses.map((r) => [
            String(r.job_key),
            { status: r.status as QueueStatus, content_hash: String(r.content_hash), until: r.until as string | null }
          ])
        ),
        { asOf: day, limit }
      )
      yield* print(`Today's queue as of ${day}: ${queue.length} item(s)`)
      yield* print(formatTable(queueRows(queue)))
    }).pipe(Effect.catchAll((e) => printErr(`error: ${(e as Error).message}`).pipe(Effect.zipRight(fail(1)))))
).pipe(
  Command.withDescription(
    "Today's queue: relevant jobs ranked by fit, freshness, company signals and boards; or record an action on one job."
  )
)
