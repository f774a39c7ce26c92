import type { Effect, Schema, Scope } from "effect"
import type { Fatal, Retriable, Skippable } from "../core/errors.ts"
import type { Warehouse, WarehouseError } from "../sinks/warehouse.ts"
import type { Http } from "../sources/http.ts"
import type { KindDeclaration, NodeSpec, Role } from "../core/spec.ts"
import type { LoadedDag } from "./load.ts"
import type { Events } from "./events.ts"
import type { UnitExecutor } from "./executor.ts"

/** A node this one needs, and the run whose committed output it reads. */
export interface NodeInput {
  readonly node: string
  readonly role: Role
  readonly kind: string
  readonly runId: string
}

export interface NodeContext {
  readonly runId: string
  readonly node: string
  readonly spec: NodeSpec
  readonly dag: LoadedDag
  readonly mode: "run" | "backfill" | "resume"
  /** Started by `jobsignal schedule` / `up`, not waited on by anyone: LLM nodes default to batch mode. */
  readonly scheduled?: boolean
  readonly window: { readonly since?: string; readonly until?: string }
  /** `--as-of` (YYYY-MM-DD): the "now" windows are computed from; absent means today. */
  readonly asOf?: string
  readonly inputs: ReadonlyArray<NodeInput>
  /** Last committed cursor of this node. */
  readonly cursor: string | null
  readonly events: Events
  /** The node's timeout, given to kinds that end themselves at it (`ownsTimeout`). */
  readonly timeoutMs?: number
  /**
   * Where fan-out units run when not in this process (dag.yaml `executor:`), with the node's `with` as written
   * (placeholders unfilled) for the workers to fill from their own environment.
   */
  readonly remote?: { readonly executor: UnitExecutor; readonly options: Record<string, unknown> }
}

export interface NodeOutcome {
  readonly rowsIn: number
  readonly rowsOut: number
  /** New high-water mark; the runner never moves a cursor backwards. */
  readonly cursor?: string | null
  /** Some units failed (counted in `source_errors`), the rest committed. */
  readonly partial?: boolean
  /** Said once, e.g. "no MONGODB_URI: writing to the embedded warehouse". */
  readonly notes?: ReadonlyArray<string>
  readonly details?: Record<string, unknown>
  /**
   * The node did none of its work, for this reason ("no LLM provider key …"): it ends `skipped`, not a green
   * success, and its downstream still runs on what is committed.
   */
  readonly skipped?: string
}

export type NodeError = Retriable | Skippable | Fatal | WarehouseError
export type NodeServices = Warehouse | Http | Scope.Scope

/** A node kind as dag.yaml names it (`source: greenhouse`), resolved in the kinds app/kinds.ts hands to `loadDag`. */
export interface NodeKind<Opts = any> extends KindDeclaration {
  readonly role: Role
  readonly kind: string
  readonly description: string
  readonly options: Schema.Schema<Opts, any, never>
  /**
   * The node stops its own work at `ctx.timeoutMs` and commits what finished (a source keeps the boards
   * that answered); the runner's timeout then only backs it up, `OWN_TIMEOUT_GRACE_MS` later.
   */
  readonly ownsTimeout?: boolean
  readonly run: (opts: Opts, ctx: NodeContext) => Effect.Effect<NodeOutcome, NodeError, NodeServices>
}

/** A kind as `validate` and `plan` know it, without its implementation: all but `run` (see pipelines/lazy-kind.ts). */
export type NodeKindDeclaration<Opts = any> = Omit<NodeKind<Opts>, "run">
