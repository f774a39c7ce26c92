import { Effect, Stream } from "effect"
import type { Schema } from "effect"
import type { Fatal, Skippable, SourceError } from "../core/errors.ts"
import type { Posting } from "../model/posting.ts"
import type { HostLimits, Http, HttpRequest, HttpResponse } from "./http.ts"
import type { Target, WorkdayBoard } from "../targets/universe.ts"
import type { RecordRow, Table } from "../sinks/table.ts"

/** One fan-out task of a source: a board, a search, a feed. Plain data, so any executor can run it. */
export interface SourceUnit {
  readonly key: string
  readonly [field: string]: unknown
}

export interface SourceContext {
  readonly node: string
  readonly runId: string
  /** `with.base_url`, else the source's default. No trailing slash. */
  readonly baseUrl: string
  /** Backfill window (ISO dates); empty on a normal run. */
  readonly window: { readonly since?: string; readonly until?: string }
  /** `--as-of` (YYYY-MM-DD): the run's "now"; absent means today. */
  readonly asOf?: string
  /** Last committed high-water mark of this node, if any. */
  readonly cursor: string | null
  /** Count one skipped record or page. Nothing is dropped without passing through here. */
  readonly skip: (e: Skippable) => Effect.Effect<void>
  readonly log: (message: string) => Effect.Effect<void>
  /**
   * The node cannot do its work for this reason (no API key): said once, and a node that then lists no unit ends
   * `skipped` with it, not a green success.
   */
  readonly cannotRun?: (reason: string) => Effect.Effect<void>
  /**
   * The companies an ATS node given no `with.boards` fans out over, loaded on first use: dag.yaml `targets:` (the
   * focus list), or `universe:` when the node says `with.universe: all`.
   */
  readonly targets: () => ReadonlyArray<Target>
  /** The candidate profile dag.yaml names (`profile:`, default profile.yaml), resolved; absent outside a DAG. */
  readonly profilePath?: string
  /**
   * The display name and domain the universe gives a board it lists (Workday: the tenant's company), so a job from a
   * board named in `with.boards` carries the company's name and not its token. Absent or unreadable universe: none.
   */
  readonly companyOf?: (ats: string, board: string | WorkdayBoard) => CompanyIdentity | undefined
  /**
   * On the BullMQ executor, for a source whose units run here (they share state): one request made by a worker
   * instead (a search page), on the queue of `group`. Absent: every request goes from this process.
   */
  readonly sendElsewhere?: (group: PageGroup, req: HttpRequest) => Effect.Effect<HttpResponse, SourceError>
}

/** The queue a request sent elsewhere waits in: one per name (a site) and host, paced at `perSecond` across all workers. */
export interface PageGroup {
  readonly name: string
  readonly perSecond?: number
}

export type { Target }

export interface CompanyIdentity {
  /** Null when the universe only made the name from the slug: the provider's own answer names it better. */
  readonly name: string | null
  readonly domain: string | null
}

/**
 * How a source node finds its targets (wired by app/: the node engine does not read the universe itself): for a
 * DAG and the node's decoded options, `targets` and `companyOf` of the node's SourceContext.
 */
export type TargetsHook = (
  dag: { readonly spec: { readonly targets?: string; readonly universe?: string }; resolvePath(p: string): string },
  opts: Record<string, unknown>
) => Pick<SourceContext, "targets" | "companyOf">

/**
 * Where a source's records land: one staging table (declared once with `stagingTable`; its migrations and the
 * columns the node inserts and checks come from it), tagged by the engine with run, node and unit.
 */
export interface StagingOutput<Rec, T extends Table = Table> {
  readonly table: T
  /** The record as a row of `table`: every record column (the engine adds run_id, node, unit, record_key, fetched_at). */
  readonly toRow: (r: Rec) => RecordRow<T>
  /** Primary key of the record within its source (unique per run). */
  readonly key: (r: Rec) => string
  /** The value an incremental cursor tracks (ISO date), if the record has one. */
  readonly cursorValue?: (r: Rec) => string | null | undefined
  /** The record's date on the source's time dimension, which a backfill window filters on (default: cursorValue). */
  readonly timeValue?: (r: Rec) => string | null | undefined
}

/** A recorded response the replay server serves at `/{kind}{path}` (query ignored unless `query` is set). */
export interface FixtureRoute {
  readonly method?: "GET" | "POST"
  readonly path: string
  readonly query?: Readonly<Record<string, string>>
  /** Path under `fixtures/`. */
  readonly file?: string
  readonly status?: number
  readonly contentType?: string
  /** For responses a file alone cannot give (pages past the end, bodies out of a VCR cassette). */
  readonly handler?: (req: {
    url: URL
    body: string
  }) => { status?: number; body: string; contentType?: string; headers?: Record<string, string> } | undefined
}

/**
 * What one unit yields: a Stream, or an Effect of all its records — or of a Stream for the rest,
 * when its first response shows there is more (a paged listing). Running a Stream costs about
 * 0.3 ms more per unit than an Effect (bench/ats-throughput), more than decoding a 3-job board.
 */
export type UnitRecords<Rec> =
  | Stream.Stream<Rec, SourceError, Http>
  | Effect.Effect<ReadonlyArray<Rec> | Stream.Stream<Rec, SourceError, Http>, SourceError, Http>

/** The records of an Effect-form unit: an array, or the Stream the rest of it comes in. */
export const isRecordArray = <Rec>(
  r: ReadonlyArray<Rec> | Stream.Stream<Rec, SourceError, Http>
): r is ReadonlyArray<Rec> => Array.isArray(r)

/** A unit's records as a Stream, whichever form the source gave them in. */
export const unitStream = <Rec>(records: UnitRecords<Rec>): Stream.Stream<Rec, SourceError, Http> =>
  Effect.isEffect(records)
    ? Stream.unwrap(Effect.map(records, (r) => (isRecordArray(r) ? Stream.fromIterable(r) : r)))
    : records

/**
 * A source connector: what it takes (options schema), how its work splits (units), how one unit
 * becomes records (fetch), and the recorded responses it is tested and demoed against.
 */
export interface Source<Opts = any, Rec = any> {
  readonly kind: string
  readonly description: string
  readonly defaultBaseUrl: string
  readonly options: Schema.Schema<Opts, any, never>
  readonly hostLimits?: HostLimits
  readonly output: StagingOutput<Rec>
  readonly units: (opts: Opts, ctx: SourceContext) => Effect.Effect<ReadonlyArray<SourceUnit>, Fatal, never>
  readonly fetch: (unit: SourceUnit, opts: Opts, ctx: SourceContext) => UnitRecords<Rec>
  readonly fixtures: ReadonlyArray<FixtureRoute>
  /** Options (minus base_url) that make this source read every recorded fixture; used by the demo and conformance suite. */
  readonly replayOptions: Record<string, unknown>
  /**
   * For a source whose node names what it watches (companies, tickers): the replay options for that node's
   * own `with`, keeping what has recordings, and a note naming what has none (never a silent swap).
   */
  readonly replayFor?: (nodeWith: Record<string, unknown>) => {
    readonly options: Record<string, unknown>
    readonly note?: string
  }
  /** Whether a backfill window means anything to this source. */
  readonly timeDimension?: "posted_at" | "filed_at" | "published_at" | "none"
  /**
   * Set (to the reason) when the units of one node share state while they run, so they are not plain tasks: they
   * run in the coordinator's process whatever dag.yaml `executor:` says.
   */
  readonly unitsShareState?: string
  /**
   * Set on an applicant-tracking system: its kind becomes a provider of the target universe (`ats:` in
   * companies.yaml), and `jobUrl` — a regex (RE2, on the lower-cased URL) of its job-posting URLs — makes the
   * same URL seen on two boards one job in dedupe.
   */
  readonly ats?: { readonly jobUrl: string }
}

/**
 * What dag.yaml, `validate` and `plan` know of a source without loading its connector: each source folder's
 * declaration.ts. The connector (index.ts) spreads it and is loaded on a node's first run (app/connectors.ts).
 */
export interface SourceDeclaration<Opts = any>
  extends Pick<Source<Opts>, "kind" | "description" | "options" | "ats" | "timeDimension"> {
  /** The staging table its records land in: the connector's `output.table`. */
  readonly table: Table
}

/** A registered source (app/connectors.ts): its declaration, and its connector imported on first use. */
export interface Connector<Opts = any> extends SourceDeclaration<Opts> {
  readonly load: () => Promise<Source<Opts>>
}

export type JobSource<Opts = any> = Source<Opts, Posting>

export type { Posting }
export type { SourceError }
