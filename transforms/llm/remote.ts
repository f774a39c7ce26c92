import { Effect, Redacted } from "effect"
import { createHash } from "node:crypto"
import { Fatal } from "../../core/errors.ts"
import { decodeError, type TaskQueue, type TaskResult, type UnitExecutor } from "../../pipelines/executor.ts"
import { makeClient } from "./clients.ts"
import type { LlmSettings, ResolvedProvider } from "./config.ts"
import { type Completion, type CompletionRequest, type LlmClient, type LlmError, LlmProviders } from "./provider.ts"

/**
 * One LLM call as a task on the BullMQ executor: the coordinator keeps batching, budget, cache and ledger and puts
 * each call (one `CompletionRequest`, a batch of postings) on a queue per provider; a `jobsignal worker` holding
 * that provider's key in its own environment makes the call and hands back the text and usage. No key is ever put
 * on the queue, and the coordinator needs none.
 */
export const LLM_HANDLER = "llm"

/** What a worker holding `provider`'s key says it can do. */
export const llmCapability = (provider: string) => `llm:${provider}`

export interface LlmCallTask {
  readonly provider: string
  readonly request: CompletionRequest
}

export type RemoteTasks = Required<Pick<UnitExecutor, "runTask" | "capable">>

export const remoteTasksOf = (e: UnitExecutor | undefined): RemoteTasks | undefined =>
  e?.runTask && e.capable ? { runTask: e.runTask, capable: e.capable } : undefined

/** The providers of `names` at least one live worker holds a key for. */
export const providersOnWorkers = (tasks: RemoteTasks, names: ReadonlyArray<string>) =>
  Effect.map(
    Effect.filter(names, (n) => Effect.map(tasks.capable(llmCapability(n)), (c) => c > 0)),
    (held) => new Set(held)
  )

/** One queue per provider: its global concurrency is the LLM calls in flight across every worker. */
const llmQueue = (provider: string, concurrency: number): TaskQueue => ({
  source: "llm",
  host: provider,
  concurrency,
  handler: LLM_HANDLER
})

const isCompletion = (v: unknown): v is Completion => {
  const c = v as Completion | undefined
  return typeof c?.text === "string" && typeof c.truncated === "boolean" && typeof c.usage?.inputTokens === "number"
}

/** A worker's answer as the batcher sees it: the completion, or its error under the same tag. */
export const completionOf =
  (provider: string) =>
  (r: TaskResult): Effect.Effect<Completion, LlmError> => {
    if (r.error) {
      const e = decodeError(r.error)
      return Effect.fail(e._tag === "Skippable" ? new Fatal({ reason: "Internal", message: e.message }) : e)
    }
    if (r.defect !== undefined || !isCompletion(r.value))
      return Effect.fail(
        new Fatal({
          reason: "Internal",
          message: `${provider}: the worker answered no completion (${r.defect ?? "unexpected result"})`
        })
      )
    const lost = (r.attempts ?? 1) - 1
    return Effect.succeed(lost > 0 ? { ...r.value, lostAttempts: lost } : r.value)
  }

/**
 * A provider whose calls go to the workers. The same request asked again in one run (a retry after a 429) is a new
 * task; asked again by a resume, its n-th ask is the first run's n-th, read back from Redis if it finished. The
 * batch API (`mode: batch`) stays here, with this machine's key when it has one.
 */
export const remoteClient = (
  p: ResolvedProvider,
  tasks: RemoteTasks,
  node: string,
  concurrency: number,
  local?: LlmClient
): LlmClient => {
  const asked = new Map<string, number>()
  const complete = (request: CompletionRequest) =>
    Effect.suspend(() => {
      const hash = createHash("sha1")
        .update(JSON.stringify([p.name, request]))
        .digest("hex")
      const n = (asked.get(hash) ?? 0) + 1
      asked.set(hash, n)
      const task: LlmCallTask = { provider: p.name, request }
      return tasks
        .runTask(llmQueue(p.name, concurrency), node, `llm:${hash}:${n}`, task)
        .pipe(Effect.flatMap(completionOf(p.name)))
    })
  return {
    name: p.name,
    kind: p.kind,
    complete,
    ...(local?.batch
      ? { batch: local.batch }
      : p.kind !== "openai_compatible"
        ? { noBatch: "has its key on the workers only, and its batch API is submitted and polled from here" }
        : {})
  }
}

/** The providers of an LLM node on the BullMQ executor: those on workers remote, the others with this machine's key. */
export const remoteProvidersLayer = (
  settings: Pick<LlmSettings, "providers" | "timeoutMs" | "concurrency">,
  tasks: RemoteTasks,
  node: string
) =>
  LlmProviders.layer(settings, (p, timeoutMs) =>
    p.onWorkers
      ? remoteClient(
          p,
          tasks,
          node,
          settings.concurrency,
          Redacted.value(p.apiKey) === "" ? undefined : makeClient(p, timeoutMs)
        )
      : makeClient(p, timeoutMs)
  )
