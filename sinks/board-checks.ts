import { Effect } from "effect"
import type { Migration } from "./migrations.ts"
import type { Warehouse } from "./warehouse.ts"

/**
 * What `jobsignal targets check` last saw of each board: alive (it answered, with its job count), dead (404/410),
 * moved (it redirected elsewhere), blocked (401/403/429), error (anything else: a timeout, a body that is not JSON).
 * One row a board (`source` = the ATS kind, `unit_key` = the connector's unit key), replaced at every check, so a
 * check killed half-way resumes from what it wrote; ATS nodes leave out the boards recorded dead until rechecked.
 */
export const boardChecksMigration: Migration = {
  id: "0095_board_checks",
  sql: `
create table board_checks (
  source varchar not null,
  unit_key varchar not null,
  board varchar not null,
  company varchar,
  status varchar not null check (status in ('alive', 'dead', 'moved', 'blocked', 'error')),
  jobs integer,
  detail varchar,
  checked_at varchar not null, -- ISO 8601 UTC, as written
  primary key (source, unit_key)
);
`
}

export type BoardStatus = "alive" | "dead" | "moved" | "blocked" | "error"

export interface BoardCheck {
  readonly source: string
  readonly unit_key: string
  readonly board: string
  readonly company: string | null
  readonly status: BoardStatus
  readonly jobs: number | null
  readonly detail: string
  readonly checked_at: string
}

type W = Effect.Effect.Success<typeof Warehouse>

/**
 * Many checks in one statement: an insert a board held a check slot for as long as the warehouse took, and 20,000
 * of them one by one cost more than the requests (bench/universe-fanout). A board twice in one batch keeps its last.
 */
export const recordBoardChecks = (w: W, checks: ReadonlyArray<BoardCheck>) => {
  const last = new Map(checks.map((c) => [`${c.source} ${c.unit_key}`, c]))
  if (last.size === 0) return Effect.void
  const rows = [...last.values()]
  return w.exec(
    `insert or replace into board_checks (source, unit_key, board, company, status, jobs, detail, checked_at) values ${rows
      .map((_, i) => `(${Array.from({ length: 8 }, (_, j) => `$${i * 8 + j + 1}`).join(", ")})`)
      .join(", ")}`,
    rows.flatMap((c) => [c.source, c.unit_key, c.board, c.company, c.status, c.jobs, c.detail, c.checked_at])
  )
}

/** Every recorded check, keyed `source unit_key` (what a resumed check does not ask again while fresh). */
export const boardChecks = (w: W) =>
  w
    .query<BoardCheck>("select source, unit_key, board, company, status, jobs, detail, checked_at from board_checks")
    .pipe(Effect.map((rows) => new Map(rows.map((r) => [`${r.source} ${r.unit_key}`, r]))))

/** The unit keys of one source's boards recorded dead (an ATS node skips them until a check finds them again). */
export const deadBoards = (w: W, source: string) =>
  Effect.gen(function* () {
    // A warehouse built without this migration (a test's) has no checks: nothing is left out.
    const [{ n }] = yield* w.query<{ n: number }>(
      "select count(*)::int as n from information_schema.tables where table_name = 'board_checks'"
    )
    if (n === 0) return new Set<string>()
    const rows = yield* w.query<{ unit_key: string }>(
      "select unit_key from board_checks where source = $1 and status = 'dead'",
      [source]
    )
    return new Set(rows.map((r) => r.unit_key))
  })
