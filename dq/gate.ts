/**
 * Applies severities to checked documents: `block` stops the write, `quarantine` parks the failing
 * documents, `warn` lets them through. Every rule's counts go to `dq_results`, every parked document
 * to `quarantine`, so nothing is dropped without a row saying why.
 */
import { Effect } from "effect"
import { createHash } from "node:crypto"
import type { Queries, WarehouseError } from "../sinks/warehouse.ts"
import type { CheckResult, Doc, Failure, RuleResult } from "./check.ts"
import type { Migration } from "../sinks/migrations.ts"

/** Quarantine rows say which collection a parked document was bound for, so replay can send it there. */
export const dqMigration: Migration = {
  id: "0401_dq_quarantine_collection",
  sql: `
alter table quarantine add column collection varchar;
create index quarantine_status on quarantine (status, node)
`
}

export interface ParkedDoc {
  readonly id: string
  readonly doc: Doc
  readonly failures: ReadonlyArray<Failure>
}

export interface GateOutcome {
  /** Rules of severity block that failed rows; non-empty means write nothing. */
  readonly blocking: ReadonlyArray<RuleResult>
  readonly pass: ReadonlyArray<{ id: string; doc: Doc }>
  readonly parked: ReadonlyArray<ParkedDoc>
  /** Per rule, with the quarantined count (0 when blocked: nothing is parked then). */
  readonly report: ReadonlyArray<RuleResult & { quarantined: number }>
}

export const applySeverities = (docs: ReadonlyArray<{ id: string; doc: Doc }>, check: CheckResult): GateOutcome => {
  const blocking = check.results.filter((r) => r.severity === "block" && r.failed > 0)
  const blocked = blocking.length > 0
  const pass: Array<{ id: string; doc: Doc }> = []
  const parked: ParkedDoc[] = []
  for (const d of docs) {
    const f = check.failures.get(d.id) ?? []
    if (f.some((x) => x.severity === "quarantine")) parked.push({ ...d, failures: f })
    else pass.push(d)
  }
  const report = check.results.map((r) => ({
    ...r,
    quarantined: blocked || r.severity !== "quarantine" ? 0 : r.failed
  }))
  return { blocking, pass: blocked ? [] : pass, parked: blocked ? [] : parked, report }
}

export const recordResults = (
  q: Queries,
  runId: string,
  node: string,
  report: ReadonlyArray<RuleResult & { quarantined: number }>
): Effect.Effect<void, WarehouseError> =>
  q
    .insertRows(
      "dq_results",
      report.map((r) => ({
        run_id: runId,
        node,
        rule: r.collection === "level-2" ? r.rule : `${r.collection}:${r.rule}`,
        severity: r.severity,
        checked: r.checked,
        passed: r.passed,
        failed: r.failed,
        quarantined: r.quarantined,
        checked_at: new Date().toISOString()
      }))
    )
    .pipe(Effect.asVoid)

/**
 * Parks documents in `quarantine` (one row per document, named by its first quarantine rule, the
 * reason listing every rule it failed). An earlier parked copy of the same document is superseded.
 */
export const parkDocs = (
  q: Queries,
  runId: string,
  node: string,
  collection: string,
  parked: ReadonlyArray<ParkedDoc>
): Effect.Effect<number, WarehouseError> =>
  Effect.gen(function* () {
    if (parked.length === 0) return 0
    yield* supersede(
      q,
      node,
      collection,
      parked.map((p) => p.id),
      runId
    )
    const now = new Date().toISOString()
    return yield* q.insertRows(
      "quarantine",
      parked.map((p) => ({
        quarantine_id: createHash("sha256")
          .update(`${runId}\0${node}\0${collection}\0${p.id}`)
          .digest("hex")
          .slice(0, 16),
        run_id: runId,
        node,
        collection,
        rule: p.failures.find((f) => f.severity === "quarantine")!.rule,
        reason: p.failures.map((f) => `${f.rule}: ${f.reason}`).join("; "),
        record_key: p.id,
        record: p.doc,
        status: "parked",
        parked_at: now
      }))
    )
  })

/** Marks parked copies of these documents as superseded by a newer version (passed or re-parked). */
export const supersede = (q: Queries, node: string, collection: string, ids: ReadonlyArray<string>, runId: string) =>
  ids.length === 0
    ? Effect.void
    : q.exec(
        `update quarantine set status = 'superseded', resolved_at = now(), resolved_run_id = $3
         where status = 'parked' and node = $1 and collection = $2 and record_key in (select unnest(from_json($4, '["VARCHAR"]')))`,
        [node, collection, runId, JSON.stringify(ids)]
      )
