import { Effect } from "effect"
import { Fatal, Retriable, Skippable, type SourceError } from "../core/errors.ts"
import type { SourceUnit } from "../sources/source.ts"

/**
 * One unit of a source node as plain data, so a worker on another machine can run it: the worker rebuilds the
 * source by `kind` from its own composition root. `options` is the node's `with` as dag.yaml wrote it, placeholders
 * not filled in: each worker reads provider keys from its own environment, and no key is ever put on the queue.
 */
export interface SourceUnitJob {
  readonly kind: string
  readonly node: string
  readonly runId: string
  readonly unit: SourceUnit
  readonly options: Record<string, unknown>
  readonly window: { readonly since?: string; readonly until?: string }
  readonly asOf?: string
  readonly cursor: string | null
}

/** An error as it crosses the queue: the same tag, reason and message on both sides. */
export type EncodedError =
  | {
      readonly _tag: "Retriable"
      readonly reason: Retriable["reason"]
      readonly message: string
      readonly retryAfterMs?: number
    }
  | {
      readonly _tag: "Skippable"
      readonly reason: Skippable["reason"]
      readonly message: string
      readonly unit?: string
    }
  | { readonly _tag: "Fatal"; readonly reason: Fatal["reason"]; readonly message: string }

/** What a unit run elsewhere gives back: its records, the records or pages it skipped, what it logged. */
export interface UnitResult {
  readonly records: ReadonlyArray<unknown>
  readonly skips: ReadonlyArray<EncodedError & { readonly _tag: "Skippable" }>
  readonly logs: ReadonlyArray<string>
  readonly requests: number
  /** Set when the unit failed: the records above are then empty. */
  readonly error?: EncodedError
  /** A defect in the worker (a connector throwing): the coordinator treats it as that unit's bad body. */
  readonly defect?: string
}

/** A unit a worker cannot run as asked (no such source, options it cannot read): fails it as Fatal/Config. */
export const configFailure = (message: string): UnitResult => ({
  records: [],
  skips: [],
  logs: [],
  requests: 0,
  error: { _tag: "Fatal", reason: "Config", message }
})

/** The queue a unit waits in, and the politeness every worker taking from it keeps between them. */
export interface HostGroup {
  /** The source kind whose units these are: its declared limits are the group's. */
  readonly source: string
  /** The host the node's requests go to (its base URL's): one queue per host group. */
  readonly host: string
  /** Units of this group in flight across all workers at once. */
  readonly concurrency: number
  /** Units started per second across all workers, when the source or node sets a rate. */
  readonly perSecond?: number
}

/**
 * A queue of plain tasks other than source units (one LLM call): the workers that take from it run the handler it
 * names, and only workers able to (holding the provider's key) take from it at all.
 */
export interface TaskQueue extends HostGroup {
  readonly handler: string
}

/** What a task run elsewhere gives back: its value, or its error with the same tag on both sides. */
export interface TaskResult {
  readonly value?: unknown
  readonly error?: EncodedError
  readonly defect?: string
  /** Times a worker started it: more than 1 when a worker stopped mid-task and another ran it again. */
  readonly attempts?: number
  /** HTTP requests it made, retries included (a page task). */
  readonly requests?: number
}

/** A worker's side of a task queue: what it can do (advertised in Redis while it lives) and how it runs a task. */
export interface TaskHandler {
  readonly name: string
  /** What this worker can run (e.g. `llm:openai`: it holds that provider's key), said to coordinators. */
  readonly capabilities: ReadonlyArray<string>
  readonly accepts: (queue: TaskQueue) => boolean
  readonly run: (payload: unknown, attempts: number) => Promise<TaskResult>
}

/**
 * Runs the fan-out units of source nodes somewhere other than the node's own fibers. Absent (the default), a node
 * runs its units in-process; `executor: { kind: bullmq }` in dag.yaml gives the run the BullMQ one.
 */
export interface UnitExecutor {
  readonly name: string
  readonly runSourceUnit: (job: SourceUnitJob, group: HostGroup) => Effect.Effect<UnitResult, Retriable | Fatal>
  /**
   * The node's output is committed (staged, its cursor moved), so no `--resume` needs its units again: what the
   * executor kept of them can go. Never fails the run: what it cannot remove expires on its own.
   */
  readonly release: (node: string) => Effect.Effect<void>
  /** One task of `node` on its queue; `key` is the same for the same task in a run and its resumes. */
  readonly runTask?: (
    queue: TaskQueue,
    node: string,
    key: string,
    payload: unknown
  ) => Effect.Effect<TaskResult, Retriable | Fatal>
  /** How many live workers said they can run `capability`. */
  readonly capable?: (capability: string) => Effect.Effect<number>
  /** Ends the run's use of the executor, after the releases it started. */
  readonly close: Effect.Effect<void>
}

export const encodeError = (e: SourceError): EncodedError =>
  e._tag === "Retriable"
    ? {
        _tag: e._tag,
        reason: e.reason,
        message: e.message,
        ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {})
      }
    : e._tag === "Skippable"
      ? { _tag: e._tag, reason: e.reason, message: e.message, ...(e.unit !== undefined ? { unit: e.unit } : {}) }
      : { _tag: e._tag, reason: e.reason, message: e.message }

export const decodeError = (e: EncodedError): SourceError =>
  e._tag === "Retriable" ? new Retriable(e) : e._tag === "Skippable" ? new Skippable(e) : new Fatal(e)

/** A unit result's outcome as the node sees it: its records, or its own error, or a defect. */
export const unitOutcome = (r: UnitResult): Effect.Effect<ReadonlyArray<unknown>, SourceError> =>
  r.error
    ? Effect.fail(decodeError(r.error))
    : r.defect !== undefined
      ? Effect.die(new Error(r.defect))
      : Effect.succeed(r.records)
