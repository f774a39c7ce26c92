/**
 * Evaluates data-quality rules over documents about to be written. Field rules run in TypeScript;
 * `sql` expectations run in DuckDB over a temp table of the documents, one boolean per row.
 */
import { Effect, ParseResult, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Fatal } from "../core/errors.ts"
import { parseDuration } from "../core/spec.ts"
import type { Queries, WarehouseError } from "../sinks/warehouse.ts"
import type { Rule, Severity } from "./rules.ts"

export type Doc = Record<string, unknown>

/** What the checker needs to know about a collection. */
export interface DocShape {
  readonly schema: Schema.Schema<any, any, never>
  /** DuckDB column types of the fields a `sql` rule may name. */
  readonly columns: Readonly<Record<string, string>>
}

export interface Failure {
  readonly rule: string
  readonly severity: Severity
  readonly reason: string
}

export interface RuleResult {
  readonly rule: string
  readonly severity: Severity
  readonly collection: string
  readonly checked: number
  readonly passed: number
  readonly failed: number
  /** A few failing ids with their reasons, for messages. */
  readonly samples: ReadonlyArray<string>
}

export interface CheckResult {
  readonly results: ReadonlyArray<RuleResult>
  /** Failures by document id; documents absent here passed every rule. */
  readonly failures: ReadonlyMap<string, ReadonlyArray<Failure>>
}

const present = (v: unknown) => v !== null && v !== undefined && !(typeof v === "string" && v.trim() === "")

const badUrl = (v: unknown): string | undefined => {
  if (typeof v !== "string") return `is ${typeof v}, not a URL string`
  try {
    const u = new URL(v)
    if (u.protocol !== "http:" && u.protocol !== "https:") return `${JSON.stringify(v)} is not http(s)`
    if (!u.hostname.includes(".") && u.hostname !== "localhost" && !/^\d+\.\d+\.\d+\.\d+$/.test(u.hostname))
      return `${JSON.stringify(v)} has no real host`
    return undefined
  } catch {
    return `${JSON.stringify(v.length > 80 ? v.slice(0, 77) + "..." : v)} is not a well-formed URL`
  }
}

const dateOf = (v: unknown): number | undefined =>
  v instanceof Date ? v.getTime() : typeof v === "string" || typeof v === "number" ? new Date(v).getTime() : undefined

/** A reason the document fails a field rule, or undefined when it passes. */
const fieldCheck = (rule: Rule, doc: Doc, shape: DocShape | undefined, now: number): string | undefined => {
  switch (rule.rule) {
    case "schema": {
      if (!shape) return `no schema is known for collection ${rule.collection}`
      const r = Schema.decodeUnknownEither(shape.schema, { errors: "first" })(doc)
      if (r._tag === "Right") return undefined
      const [issue] = ParseResult.ArrayFormatter.formatErrorSync(r.left)
      return `${issue.path.join(".") || "(document)"}: ${issue._tag === "Missing" ? "is required" : issue.message}`
    }
    case "required": {
      const missing = rule.fields.filter((f) => !present(doc[f]))
      return missing.length ? `missing ${missing.join(", ")}` : undefined
    }
    case "url": {
      for (const f of rule.fields) {
        if (!present(doc[f])) continue
        const bad = badUrl(doc[f])
        if (bad) return `${f} ${bad}`
      }
      return undefined
    }
    case "not_future": {
      const limit = now + (rule.tolerance ? parseDuration(rule.tolerance)! : 0)
      for (const f of rule.fields) {
        if (!present(doc[f])) continue
        const t = dateOf(doc[f])
        if (t === undefined || Number.isNaN(t)) return `${f} ${JSON.stringify(doc[f])} is not a date`
        if (t > limit) return `${f} ${new Date(t).toISOString()} is in the future`
      }
      return undefined
    }
    case "salary_range": {
      const [fMin, fMax] = [rule.min ?? "salary_min", rule.max ?? "salary_max"]
      const [lo, hi] = [doc[fMin], doc[fMax]]
      for (const [f, v] of [
        [fMin, lo],
        [fMax, hi]
      ] as const)
        if (present(v) && (typeof v !== "number" || !Number.isFinite(v) || v < 0))
          return `${f} ${JSON.stringify(v)} is not a non-negative number`
      if (typeof lo === "number" && typeof hi === "number" && lo > hi) return `${fMin} ${lo} > ${fMax} ${hi}`
      return undefined
    }
    case "enum": {
      const v = doc[rule.field]
      if (!present(v)) return undefined
      return rule.values.includes(v as never)
        ? undefined
        : `${rule.field} ${JSON.stringify(v)} is not one of ${rule.values.map((x) => JSON.stringify(x)).join(", ")}`
    }
    case "sql":
      return undefined
  }
}

/** Ids of the documents whose `expect` is not true (false or null), evaluated in DuckDB. */
const sqlFailures = (
  q: Queries,
  rules: ReadonlyArray<Rule & { rule: "sql" }>,
  docs: ReadonlyArray<{ id: string; doc: Doc }>,
  shape: DocShape,
  node: string
): Effect.Effect<Map<string, Set<string>>, Fatal | WarehouseError> =>
  Effect.gen(function* () {
    const out = new Map<string, Set<string>>()
    if (rules.length === 0 || docs.length === 0) return out
    const table = `_dq_${randomUUID().replace(/-/g, "").slice(0, 12)}`
    const file = join(tmpdir(), `jobsignal-dq-${randomUUID()}.ndjson`)
    const cols = { _dq_id: "VARCHAR", ...shape.columns }
    writeFileSync(file, docs.map(({ id, doc }) => JSON.stringify({ ...doc, _dq_id: id })).join("\n"))
    const spec = Object.entries(cols)
      .map(([k, t]) => `'${k}': '${t}'`)
      .join(", ")
    yield* Effect.acquireUseRelease(
      q.exec(
        `create temp table ${table} as select * from read_json('${file}', format = 'newline_delimited', columns = {${spec}}, maximum_object_size = 67108864)`
      ),
      () =>
        Effect.forEach(rules, (rule) =>
          q.query<{ id: string }>(`select _dq_id as id from ${table} where not coalesce((${rule.expect}), false)`).pipe(
            Effect.catchTag("WarehouseError", (e) =>
              Effect.fail(
                new Fatal({
                  reason: "Config",
                  message: `nodes.${node}.dq rule ${JSON.stringify(rule.name)}: the expectation is not valid SQL over ${Object.keys(shape.columns).join(", ")}: ${e.message}`
                })
              )
            ),
            Effect.map((rows) => void out.set(rule.name, new Set(rows.map((r) => r.id))))
          )
        ),
      () =>
        q
          .exec(`drop table if exists ${table}`)
          .pipe(Effect.orDie, Effect.zipRight(Effect.sync(() => rmSync(file, { force: true }))))
    )
    return out
  })

/** Checks every document of one collection against the rules that guard it. */
export const checkDocs = (args: {
  readonly q: Queries
  readonly node: string
  readonly collection: string
  readonly rules: ReadonlyArray<Rule>
  readonly docs: ReadonlyArray<{ id: string; doc: Doc }>
  readonly shape?: DocShape
  readonly now?: number
}): Effect.Effect<CheckResult, Fatal | WarehouseError> =>
  Effect.gen(function* () {
    const rules = args.rules.filter((r) => r.collection === args.collection)
    const now = args.now ?? Date.now()
    const sqlRules = rules.filter((r): r is Rule & { rule: "sql" } => r.rule === "sql")
    if (sqlRules.length > 0 && !args.shape)
      return yield* Effect.fail(
        new Fatal({
          reason: "Config",
          message: `nodes.${args.node}.dq: sql rules need a known collection; ${args.collection} has no columns`
        })
      )
    const bySql = yield* sqlFailures(args.q, sqlRules, args.docs, args.shape!, args.node)
    const failures = new Map<string, Failure[]>()
    const results = rules.map((rule): RuleResult => {
      let failed = 0
      const samples: string[] = []
      for (const { id, doc } of args.docs) {
        const reason =
          rule.rule === "sql"
            ? bySql.get(rule.name)?.has(id)
              ? `expected ${rule.expect}`
              : undefined
            : fieldCheck(rule, doc, args.shape, now)
        if (reason === undefined) continue
        failed++
        if (samples.length < 3) samples.push(`${id}: ${reason}`)
        const list = failures.get(id) ?? []
        list.push({ rule: rule.name, severity: rule.severity, reason })
        failures.set(id, list)
      }
      return {
        rule: rule.name,
        severity: rule.severity,
        collection: args.collection,
        checked: args.docs.length,
        passed: args.docs.length - failed,
        failed,
        samples
      }
    })
    return { results, failures }
  })
