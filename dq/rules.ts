/**
 * Data-quality rules as dag.yaml declares them under a sink node's `dq:` list. Each rule names a
 * check, a severity (`block` fails the node and writes nothing, `quarantine` parks the failing rows,
 * `warn` only counts them) and the collection it guards (default `level-2`).
 */
import { Either, ParseResult, Schema } from "effect"
import { parseDuration } from "../core/spec.ts"

export const Severity = Schema.Literal("block", "quarantine", "warn")
export type Severity = typeof Severity.Type

export const RULE_KINDS = ["schema", "required", "url", "not_future", "salary_range", "enum", "sql"] as const
export type RuleKind = (typeof RULE_KINDS)[number]

const Field = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: () => "a field name: letters, digits and _" })
)
const Fields = Schema.Array(Field).pipe(Schema.minItems(1))

const common = {
  name: Schema.optional(Schema.String.pipe(Schema.minLength(1))).annotations({
    description: "Name in reports and `quarantine replay --rule`; derived from the rule when absent."
  }),
  severity: Severity,
  collection: Schema.optional(Schema.String.pipe(Schema.minLength(1))).annotations({
    description: "Collection the rule guards (default level-2)."
  }),
  description: Schema.optional(Schema.String)
}

const SchemaRule = Schema.Struct({ rule: Schema.Literal("schema"), ...common })
const RequiredRule = Schema.Struct({ rule: Schema.Literal("required"), fields: Fields, ...common })
const UrlRule = Schema.Struct({ rule: Schema.Literal("url"), fields: Fields, ...common })
const NotFutureRule = Schema.Struct({
  rule: Schema.Literal("not_future"),
  fields: Fields,
  tolerance: Schema.optional(
    Schema.String.pipe(
      Schema.filter((s) => parseDuration(s) !== undefined || `expected a duration like "1d", got ${JSON.stringify(s)}`)
    )
  ),
  ...common
})
const SalaryRangeRule = Schema.Struct({
  rule: Schema.Literal("salary_range"),
  min: Schema.optional(Field),
  max: Schema.optional(Field),
  ...common
})
const EnumRule = Schema.Struct({
  rule: Schema.Literal("enum"),
  field: Field,
  values: Schema.Array(Schema.Union(Schema.String, Schema.Number, Schema.Boolean)).pipe(Schema.minItems(1)),
  ...common
})
const SqlRule = Schema.Struct({
  rule: Schema.Literal("sql"),
  expect: Schema.String.pipe(
    Schema.minLength(1),
    Schema.filter((s) => !/;/.test(s) || "one boolean SQL expression, without ';'")
  ).annotations({ description: "A boolean DuckDB expression over the document's fields, true for a good row." }),
  ...common
})

const byKind = {
  schema: SchemaRule,
  required: RequiredRule,
  url: UrlRule,
  not_future: NotFutureRule,
  salary_range: SalaryRangeRule,
  enum: EnumRule,
  sql: SqlRule
} as const

/** One rule as written in dag.yaml. */
export const RuleSpec = Schema.Union(
  SchemaRule,
  RequiredRule,
  UrlRule,
  NotFutureRule,
  SalaryRangeRule,
  EnumRule,
  SqlRule
).annotations({ identifier: "DqRule" })
export type RuleSpec = typeof RuleSpec.Type

/** A decoded rule with its resolved name and collection. */
export type Rule = RuleSpec & { readonly name: string; readonly collection: string }

export const DEFAULT_COLLECTION = "level-2"

const defaultName = (r: RuleSpec): string => {
  switch (r.rule) {
    case "schema":
      return "schema"
    case "required":
      return `required(${r.fields.join(",")})`
    case "url":
      return `url(${r.fields.join(",")})`
    case "not_future":
      return `not_future(${r.fields.join(",")})`
    case "salary_range":
      return `salary_range(${r.min ?? "salary_min"},${r.max ?? "salary_max"})`
    case "enum":
      return `enum(${r.field})`
    case "sql":
      return `sql(${r.expect.length > 40 ? r.expect.slice(0, 37) + "..." : r.expect})`
  }
}

export interface RuleProblem {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

/**
 * Decodes a `dq:` list rule by rule (so one bad rule is reported by its own index and field, not as
 * a union mismatch), and checks that names are unique within the node.
 */
export const decodeRules = (raw: unknown): { rules: Rule[]; problems: RuleProblem[] } => {
  const problems: RuleProblem[] = []
  const rules: Rule[] = []
  const at: number[] = []
  if (!Array.isArray(raw)) return { rules, problems: [{ path: [], message: "expected a list of rules" }] }
  raw.forEach((item, i) => {
    const kind = item && typeof item === "object" ? (item as { rule?: unknown }).rule : undefined
    if (typeof kind !== "string" || !(RULE_KINDS as ReadonlyArray<string>).includes(kind)) {
      problems.push({
        path: [i, "rule"],
        message: `${kind === undefined ? "is required" : `unknown rule ${JSON.stringify(kind)}`}; one of: ${RULE_KINDS.join(", ")}`
      })
      return
    }
    const decoded = Schema.decodeUnknownEither(byKind[kind as RuleKind] as Schema.Schema<RuleSpec, unknown>, {
      errors: "all",
      onExcessProperty: "error"
    })(item)
    if (Either.isLeft(decoded)) {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(decoded.left).filter(
        (x) => !x.message.startsWith("Expected undefined, actual")
      )
      // A literal union fails once per member: one line "expected one of ..." reads better.
      const byPath = new Map<string, typeof issues>()
      for (const x of issues) byPath.set(JSON.stringify(x.path), [...(byPath.get(JSON.stringify(x.path)) ?? []), x])
      for (const group of byPath.values()) {
        const issue = group[0]
        const literals = group.map((x) => /^Expected (".*"|\S+), actual (.*)$/.exec(x.message))
        const message =
          issue._tag === "Missing"
            ? `is required (for rule ${kind})`
            : issue._tag === "Unexpected"
              ? `is not a field of rule ${kind}`
              : group.length > 1 && literals.every(Boolean)
                ? `expected one of ${literals.map((m) => m![1]).join(", ")}; got ${literals[0]![2]}`
                : issue.message
        problems.push({ path: [i, ...issue.path], message })
      }
      return
    }
    const r = decoded.right
    rules.push({ ...r, name: r.name ?? defaultName(r), collection: r.collection ?? DEFAULT_COLLECTION } as Rule)
    at.push(i)
  })
  const seen = new Map<string, number>()
  rules.forEach((r, i) => {
    const key = `${r.collection}/${r.name}`
    if (seen.has(key))
      problems.push({
        path: [at[i], "name"],
        message: `two rules are named ${JSON.stringify(r.name)} for ${r.collection}; give one a name:`
      })
    seen.set(key, i)
  })
  return { rules, problems }
}

/** Problems of a node's `dq:` list, for `jobsignal validate` (paths relative to the list). */
export const dqProblems = (raw: unknown, role: string): RuleProblem[] =>
  role !== "sink"
    ? [{ path: [], message: "data-quality rules guard writes: only sink nodes take dq:" }]
    : decodeRules(raw).problems
