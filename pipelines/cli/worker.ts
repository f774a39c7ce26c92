import { Command, Options } from "@effect/cli"
import { Effect, Option, Redacted, Runtime } from "effect"
import { Http } from "../../sources/http.ts"
import { parseDuration } from "../../core/spec.ts"
import { sources } from "../../app/index.ts"
import { sourceTargets } from "../../app/targets.ts"
import { llmTaskHandler } from "../../transforms/llm/remote-worker.ts"
import { DEFAULT_PREFIX } from "../bullmq-queues.ts"
import { startUnitWorkers } from "../bullmq-worker.ts"
import { expandEnv } from "../env.ts"
import { pageTaskHandler } from "../page-task.ts"
import { unitRunner } from "../unit-run.ts"
import { dagOption, fail, printErr } from "./shared.ts"
import { loadDagEffect } from "./load-dag.ts"

const stamp = () => new Date().toISOString().slice(11, 19)

export const workerCommand = Command.make(
  "worker",
  {
    dag: dagOption,
    concurrency: Options.integer("concurrency").pipe(
      Options.withDefault(8),
      Options.withDescription("Units each queue runs at once in this process (default 8)")
    ),
    redisUrl: Options.text("redis-url").pipe(
      Options.optional,
      Options.withDescription(
        "Redis to take units from (default: dag.yaml executor.redis_url, filled in from $REDIS_URL)"
      )
    ),
    lock: Options.text("lock").pipe(
      Options.withDefault("30s"),
      Options.withDescription(
        "How long a unit stays claimed by a worker that stopped answering before another worker runs it (default 30s)"
      )
    ),
    grace: Options.text("grace").pipe(
      Options.withDefault("30s"),
      Options.withDescription(
        "On SIGINT/SIGTERM, how long the units in hand may finish before the worker lets them go (default 30s)"
      )
    )
  },
  ({ dag, concurrency, redisUrl, lock, grace }) =>
    Effect.gen(function* () {
      const d = yield* loadDagEffect(dag)
      const lockMs = parseDuration(lock)
      if (lockMs === undefined || lockMs < 1000)
        return yield* Effect.fail(
          new Error(`--lock takes a duration of at least 1s like 30s or 2m, got ${JSON.stringify(lock)}`)
        )
      const graceMs = parseDuration(grace)
      if (graceMs === undefined)
        return yield* Effect.fail(new Error(`--grace takes a duration like 30s or 2m, got ${JSON.stringify(grace)}`))
      if (concurrency < 1)
        return yield* Effect.fail(new Error(`--concurrency takes a positive number, got ${concurrency}`))
      const executor = d.spec.executor?.kind === "bullmq" ? d.spec.executor : undefined
      const raw = Option.getOrElse(redisUrl, () => expandEnv(executor?.redis_url ?? "${REDIS_URL}"))
      if (typeof raw !== "string" || raw === "")
        return yield* Effect.fail(
          new Error(
            `no Redis to take units from: give --redis-url, or set REDIS_URL (${d.path} executor.redis_url: ${executor?.redis_url ?? "not set"})`
          )
        )
      const log = (line: string) => void process.stderr.write(`${stamp()} worker ${process.pid}: ${line}\n`)
      const runtime = yield* Effect.runtime<Http>()
      const run = unitRunner({ sources, targetsOf: sourceTargets, dag: d })
      // The first signal interrupts this command (NodeRuntime), whose release below drains the units in hand; a
      // second one stops at once.
      let signals = 0
      let now = () => {}
      const stopNow = new Promise<void>((resolve) => {
        now = resolve
      })
      const onSignal = (sig: string) => {
        if (++signals === 2) {
          log(`${sig} again: stopping now`)
          now()
        }
      }
      const llm = yield* llmTaskHandler(d, process.env)
      yield* Effect.acquireRelease(
        Effect.promise(async () => {
          process.on("SIGINT", onSignal)
          process.on("SIGTERM", onSignal)
          const w = await startUnitWorkers({
            url: Redacted.make(raw),
            prefix: executor?.prefix ?? DEFAULT_PREFIX,
            concurrency,
            lockMs,
            run: (job) => Runtime.runPromise(runtime)(run(job)),
            handlers: [llm, pageTaskHandler(sources, Runtime.runPromise(runtime))],
            log
          })
          log(
            `started (${concurrency} units per queue); provider keys come from this machine's environment; LLM calls for: ${llm.capabilities.map((c) => c.replace(/^llm:/, "")).join(", ") || "none (no LLM provider key here)"}; SIGTERM gives the units in hand ${grace} to finish`
          )
          return w
        }),
        (w) =>
          Effect.promise(async () => {
            const { unfinished } = await w.close({ graceMs, now: stopNow })
            // NodeRuntime ends an interrupted command with 0: a unit let go unfinished is worth saying in the code.
            if (unfinished > 0) process.exit(1)
          })
      )
      return yield* Effect.never
    }).pipe(
      Effect.scoped,
      Effect.provide(Http.layer({ timeoutMs: 30_000 })),
      Effect.catchAll((e) =>
        printErr(`error: ${(e as { message?: string }).message ?? String(e)}`).pipe(Effect.zipRight(fail(2)))
      )
    )
).pipe(
  Command.withDescription(
    "Run the fan-out units (boards, feeds, EDGAR days, search pages, LLM calls for the providers whose keys are here) that coordinators put on Redis, until SIGINT/SIGTERM."
  )
)
