import { Schema } from "effect"

/** "500ms", "30s", "10m", "2h", "1d" → milliseconds. */
export const parseDuration = (s: string): number | undefined => {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(s.trim())
  if (!m) return undefined
  const n = Number(m[1])
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms"]
}

export const DurationString = Schema.String.pipe(
  Schema.filter(
    (s) => parseDuration(s) !== undefined || `expected a duration like "30s", "10m" or "2h", got ${JSON.stringify(s)}`
  ),
  Schema.annotations({ identifier: "Duration", description: "A duration: 500ms, 30s, 10m, 2h, 1d" })
)

export const RetrySpec = Schema.Struct({
  times: Schema.Int.pipe(Schema.between(0, 20)),
  base: Schema.optional(DurationString),
  cap: Schema.optional(DurationString)
}).annotations({
  identifier: "Retry",
  description: "Retries of a whole node on a retriable failure, with exponential backoff from base up to cap."
})
export type RetrySpec = typeof RetrySpec.Type

export const NodeSpec = Schema.Struct({
  source: Schema.optional(Schema.String.annotations({ description: "A source kind: greenhouse, lever, ..." })),
  transform: Schema.optional(Schema.String.annotations({ description: "A transform kind: dedupe, relevance, ..." })),
  sink: Schema.optional(Schema.String.annotations({ description: "A sink kind: mongo, ..." })),
  description: Schema.optional(Schema.String),
  needs: Schema.optional(Schema.Array(Schema.String)),
  with: Schema.optional(
    Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
      description: "Options of the node's kind; see the kind's section in the README."
    })
  ),
  schedule: Schema.optional(Schema.String.annotations({ description: "A cron expression (5 or 6 fields)." })),
  retry: Schema.optional(RetrySpec),
  timeout: Schema.optional(DurationString),
  concurrency: Schema.optional(Schema.Int.pipe(Schema.between(1, 256))),
  enabled: Schema.optional(Schema.Boolean),
  dq: Schema.optional(
    Schema.Array(Schema.Unknown).annotations({ description: "Data-quality rules checked before a sink writes." })
  )
}).annotations({ identifier: "Node" })
export type NodeSpec = typeof NodeSpec.Type

export const Budgets = Schema.Struct({
  llm: Schema.optional(
    Schema.Struct({
      per_run_usd: Schema.optional(Schema.Number.pipe(Schema.nonNegative())),
      per_week_usd: Schema.optional(Schema.Number.pipe(Schema.nonNegative())),
      /** The intel layers of one job, per run: each layer is estimated first and downgraded or skipped to fit. */
      per_job_usd: Schema.optional(Schema.Number.pipe(Schema.nonNegative()))
    })
  )
})

export const DagSpec = Schema.Struct({
  version: Schema.Literal(1),
  description: Schema.optional(Schema.String),
  profile: Schema.optional(
    Schema.String.annotations({ description: "Path of the candidate profile (YAML), relative to this file." })
  ),
  targets: Schema.optional(
    Schema.String.annotations({
      description:
        "Path of the companies ATS nodes without with.boards fan out over, and signals merges (YAML or JSON; the focus list), relative to this file."
    })
  ),
  universe: Schema.optional(
    Schema.String.annotations({
      description:
        "Path of the full target universe (JSON or YAML; default targets/universe.json): what with.universe: all fans out over, and where every job's board finds its company's display name and domain."
    })
  ),
  defaults: Schema.optional(
    Schema.Struct({
      retry: Schema.optional(RetrySpec),
      timeout: Schema.optional(DurationString),
      concurrency: Schema.optional(Schema.Int.pipe(Schema.between(1, 256))),
      max_parallel_nodes: Schema.optional(Schema.Int.pipe(Schema.between(1, 64)))
    })
  ),
  executor: Schema.optional(
    Schema.Union(
      Schema.Struct({ kind: Schema.Literal("in-process") }),
      Schema.Struct({
        kind: Schema.Literal("bullmq"),
        redis_url: Schema.String.annotations({
          description: "Redis (or Valkey) URL the coordinator and every `jobsignal worker` share, e.g. ${REDIS_URL}."
        }),
        prefix: Schema.optional(
          Schema.String.annotations({ description: "Key prefix of the queues in Redis (default jobsignal)." })
        )
      })
    ).annotations({
      description:
        "Where source fan-out units (one board, feed, search page) run: in-process fibers (default), or BullMQ workers on Redis (`jobsignal worker` on any machine)."
    })
  ),
  budgets: Schema.optional(Budgets),
  llm: Schema.optional(
    Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
      description: "LLM providers, models per tier and prices."
    })
  ),
  schedule: Schema.optional(
    Schema.Struct({
      overlap: Schema.optional(Schema.Literal("skip", "queue")),
      catch_up: Schema.optional(Schema.Literal("none", "one")),
      timezone: Schema.optional(Schema.String)
    })
  ),
  nodes: Schema.Record({ key: Schema.String, value: NodeSpec })
}).annotations({ identifier: "Dag", title: "jobsignal dag.yaml" })
export type DagSpec = typeof DagSpec.Type

export type Role = "source" | "transform" | "sink"

export const roleOf = (n: NodeSpec): { role: Role; kind: string } | undefined =>
  n.source !== undefined
    ? { role: "source", kind: n.source }
    : n.transform !== undefined
      ? { role: "transform", kind: n.transform }
      : n.sink !== undefined
        ? { role: "sink", kind: n.sink }
        : undefined

/**
 * What the loader needs of a node kind: its name and its options Schema. `NodeKind` (node.ts) adds `run`;
 * kept apart so load.ts and node.ts do not import each other.
 */
export interface KindDeclaration {
  readonly role: Role
  readonly kind: string
  readonly description: string
  readonly options: Schema.Schema<any, any, never>
  /** A source kind: the staging table its records land in (`stg_jobs` for job postings). */
  readonly stages?: string
  /** The staging table this kind reads: `needs: [sources.*]` means the enabled source nodes that stage into it. */
  readonly reads?: string
  /** A source kind's job-posting URLs (a regex on the lower-cased URL): the same URL on two boards is one job. */
  readonly jobUrl?: string
  /** Files a node of this kind reads besides dag.yaml (the profile, the targets): `validate` and a run's start check them. */
  readonly files?: (dag: DagSpec, node: string) => ReadonlyArray<FileRead>
}

/** One file a kind reads, named relative to dag.yaml, and what it must decode as. */
export interface FileRead {
  /** The dag.yaml field that names it (where a missing file is reported). */
  readonly field: ReadonlyArray<PropertyKey>
  readonly file: string
  readonly schema: Schema.Schema<any, any, never>
  /** Why the nodes that read it need it, for the message. */
  readonly why: (nodes: ReadonlyArray<string>) => string
  /** An optional file: checked only when present. */
  readonly optional?: boolean
  /** A problem with the decoded content beyond its shape (e.g. an empty list) at a path in the file, or undefined. */
  readonly check?: (value: any) => { readonly path: ReadonlyArray<PropertyKey>; readonly message: string } | undefined
}
