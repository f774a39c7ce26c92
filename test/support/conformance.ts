/**
 * The connector conformance suite (after the Singer SDK's): every source of a composition (app/index.ts, or a
 * test's own built from it) is run through the real runner against the replay server with its `replayOptions`,
 * and must decode its fixtures cleanly, give unique and stable canonical ids, stop paging, respect `max_records`
 * and never move its cursor backwards. A new source gets these checks by being registered. The checks are
 * generic over `src.output`, so signal sources and other staging tables get the ones that apply.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { join } from "node:path"
import type { Composition } from "../../app/index.ts"
import { startReplayServer, type ReplayServer } from "../../sources/replay.ts"
import { sightingId } from "../../model/posting.ts"
import { Warehouse } from "../../sinks/warehouse.ts"
import { dagFrom, run, tempDir, withDb } from "./harness.ts"
import type { Source } from "../../sources/source.ts"

/** Registers the suite for every source of `comp` that `only` keeps. */
export const conformanceSuite = (comp: Composition, only: (s: Source) => boolean = () => true) => {
  let replay: ReplayServer
  beforeAll(async () => {
    replay = await startReplayServer(comp.sources.filter(only))
  })
  afterAll(() => replay.close())

  /** More requests than this for one run of recorded fixtures means a pager that does not stop. */
  const MAX_REQUESTS = 500

  interface RunResult {
    readonly runId: string
    readonly status: string
    readonly keys: ReadonlyArray<string>
    readonly details: Record<string, any>
    readonly requests: number
    readonly cursor: string | null
    readonly error?: string
  }

  const runOnce = (src: Source, dbPath: string, extra: Record<string, unknown> = {}) => {
    const dag = dagFrom(
      `version: 1
defaults: { retry: { times: 0 } }
nodes:
  subject: { source: ${src.kind}, timeout: 60s }
`,
      tempDir(),
      comp.kinds
    )
    const before = replay.requests.length
    return withDb(
      dbPath,
      Effect.gen(function* () {
        const { summary } = yield* run({
          dag,
          sourceOverrides: (kind) =>
            kind === src.kind ? { ...src.replayOptions, base_url: replay.baseUrlFor(kind), ...extra } : undefined
        })
        const w = yield* Warehouse
        const node = summary.nodes.find((n) => n.node === "subject")!
        const keys =
          node.status === "failed"
            ? []
            : (yield* w.query<{ k: string }>(
                `select record_key as k from "${src.output.table.name}" where run_id = $1 and node = 'subject'`,
                [summary.runId]
              )).map((r) => r.k)
        const nr = yield* w.query<{ details: string | null }>(
          "select details from node_runs where run_id = $1 and node = 'subject'",
          [summary.runId]
        )
        const cur = yield* w.query<{ value: string }>("select value from cursors where node = 'subject'")
        return {
          runId: summary.runId,
          status: node.status,
          error: node.error,
          keys,
          details: nr[0]?.details ? JSON.parse(nr[0].details) : {},
          requests: replay.requests.slice(before).filter((r) => r.path.startsWith(`/${src.kind}/`)).length,
          cursor: cur[0]?.value ?? null
        } satisfies RunResult
      })
    )
  }

  const setCursor = (dbPath: string, value: string) =>
    withDb(
      dbPath,
      Effect.flatMap(Warehouse, (w) =>
        w.exec(
          "insert into cursors (node, value, run_id, updated_at) values ('subject', $1, 'conformance', now()) on conflict (node) do update set value = excluded.value",
          [value]
        )
      )
    )

  for (const src of comp.sources.filter(only)) {
    describe(`conformance: ${src.kind}`, () => {
      const db = join(tempDir(`conformance-${src.kind}-`), "w.duckdb")
      let first: RunResult
      let second: RunResult

      beforeAll(async () => {
        first = await runOnce(src, db)
        second = await runOnce(src, db)
      }, 120_000)

      it("decodes its recorded fixtures: records staged, none skipped, no unit failed", () => {
        expect(first.error, first.error).toBeUndefined()
        expect(first.status).toBe("success")
        expect(first.keys.length).toBeGreaterThan(0)
        expect(first.details.skipped_records).toBe(0)
        expect(first.details.failed_units ?? []).toEqual([])
      })

      it("gives canonical ids unique within a run and stable across runs", () => {
        const ids = first.keys.map((k) => sightingId(src.kind, k))
        expect(new Set(ids).size).toBe(ids.length)
        expect(first.keys.every((k) => typeof k === "string" && k.length > 0)).toBe(true)
        expect([...second.keys].sort()).toEqual([...first.keys].sort())
        expect(second.runId).not.toBe(first.runId)
      })

      it("stops paging: a bounded number of requests, the same on every run", () => {
        expect(first.requests).toBeGreaterThan(0)
        expect(first.requests).toBeLessThanOrEqual(MAX_REQUESTS)
        expect(second.requests).toBe(first.requests)
      })

      it("respects max_records", async () => {
        const limit = Math.max(1, Math.min(2, first.keys.length - 1))
        const limited = await runOnce(src, join(tempDir(`conformance-${src.kind}-max-`), "w.duckdb"), {
          max_records: limit
        })
        expect(limited.status).toBe("success")
        expect(limited.keys.length).toBe(limit)
        expect(limited.requests).toBeLessThanOrEqual(first.requests)
      }, 60_000)

      it("never moves its cursor backwards", async () => {
        if (first.cursor !== null) expect(Date.parse(second.cursor!)).toBeGreaterThanOrEqual(Date.parse(first.cursor))
        // A cursor already ahead of everything recorded stays where it is after another run.
        const ahead = "2999-01-01T00:00:00.000Z"
        await setCursor(db, ahead)
        const third = await runOnce(src, db)
        expect(third.status).toBe("success")
        expect(Date.parse(third.cursor!)).toBe(Date.parse(ahead))
      }, 60_000)
    })
  }
}
