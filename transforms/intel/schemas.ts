/**
 * What the model is asked for per layer (the `*Answer` schemas, decoded and re-asked when invalid)
 * and what is stored under the user's field names. Limits the user's layers state are schema
 * filters, so an over-long draft is a decode failure that the batcher re-asks, never a cut.
 */
import { JSONSchema, Schema } from "effect"
import { boilerplateIn, wordCount } from "./rules.ts"

const Text = Schema.String.pipe(Schema.minLength(1))
const Line = (max: number) => Schema.String.pipe(Schema.minLength(1), Schema.maxLength(max))
const Lines = (min: number, max: number, chars = 300) =>
  min > 0
    ? Schema.Array(Line(chars)).pipe(Schema.minItems(min), Schema.maxItems(max))
    : Schema.Array(Line(chars)).pipe(Schema.maxItems(max))

/** The user's 8 role categories, plus `other` for postings outside them (e.g. sales leadership). */
export const RoleCategory = Schema.Literal(
  "engineering_manager",
  "staff_principal",
  "director_of_engineering",
  "head_of_engineering",
  "vp_engineering",
  "cto",
  "tech_lead",
  "senior_engineer",
  "other"
)
export const SeniorityLevel = Schema.Literal("senior", "staff", "principal", "director", "vp", "c_level")

const Weight = Schema.Int.pipe(Schema.between(0, 100))
export const CompetencyWeights = Schema.Struct({
  delivery: Weight,
  process: Weight,
  architecture: Weight,
  leadership: Weight
}).pipe(
  Schema.filter(
    (w) =>
      w.delivery + w.process + w.architecture + w.leadership === 100 ||
      `competency_weights must sum to 100, got ${w.delivery + w.process + w.architecture + w.leadership}`
  )
)

/** Layer 1.4: what needs judgement; the rest of extracted_jd is extracted deterministically. */
export const JdAnswer = Schema.Struct({
  role_category: RoleCategory,
  seniority_level: SeniorityLevel,
  competency_weights: CompetencyWeights,
  responsibilities: Lines(1, 10),
  qualifications: Lines(0, 12),
  nice_to_haves: Lines(0, 10),
  technical_skills: Lines(0, 20, 60),
  soft_skills: Lines(0, 10, 60),
  implied_pain_points: Lines(0, 8),
  success_metrics: Lines(0, 8),
  top_keywords: Lines(5, 15, 60),
  industry_background: Schema.NullOr(Line(120)),
  education_requirements: Schema.NullOr(Line(200))
})
export type JdAnswer = typeof JdAnswer.Type

const NotBoilerplate = Schema.String.pipe(
  Schema.minLength(8),
  Schema.maxLength(300),
  Schema.filter((s) => {
    const b = boilerplateIn(s)
    return b === undefined || `boilerplate rejected: "${b}" says nothing specific about this role`
  })
)
export const AnalysisItem = Schema.Struct({
  text: NotBoilerplate,
  /** A verbatim quote from the posting (checked against it). */
  evidence: Line(300),
  confidence: Schema.Literal("high", "medium", "low")
})
export type AnalysisItem = typeof AnalysisItem.Type

/** Layer 2. */
export const PainAnswer = Schema.Struct({
  pain_points: Schema.Array(AnalysisItem).pipe(Schema.minItems(2), Schema.maxItems(6)),
  strategic_needs: Schema.Array(AnalysisItem).pipe(Schema.minItems(2), Schema.maxItems(5)),
  risks_if_unfilled: Schema.Array(AnalysisItem).pipe(Schema.minItems(2), Schema.maxItems(5)),
  success_metrics: Schema.Array(AnalysisItem).pipe(Schema.minItems(2), Schema.maxItems(6)),
  why_now: Schema.NullOr(Line(400)),
  reasoning_summary: Line(600)
})
export type PainAnswer = typeof PainAnswer.Type

export const CompanyType = Schema.Literal("employer", "recruitment_agency", "unknown")

/** Layer 3: the model summarizes and picks from our signals by id; it never supplies a signal itself. */
export const CompanyAnswer = Schema.Struct({
  summary: Line(800),
  company_type: CompanyType,
  relevant_signal_ids: Schema.Array(Text).pipe(Schema.maxItems(10))
})
export type CompanyAnswer = typeof CompanyAnswer.Type

export const CompanySignal = Schema.Struct({
  type: Schema.String,
  description: Schema.String,
  date: Schema.String,
  /** Every signal keeps the URL it came from. */
  source: Text
})
export const CompanyResearch = Schema.Struct({
  summary: Schema.String,
  signals: Schema.Array(CompanySignal),
  url: Schema.NullOr(Schema.String),
  company_type: CompanyType,
  company_key: Schema.NullOr(Schema.String),
  researched_at: Schema.String
})
export type CompanyResearch = typeof CompanyResearch.Type

/** Layer 3.5. */
export const RoleAnswer = Schema.Struct({
  summary: Line(800),
  business_impact: Lines(3, 5),
  why_now: Line(400)
})
export type RoleAnswer = typeof RoleAnswer.Type

/** Layer 4: the model's half; the annotation half and the blend are computed. */
export const FitAnswer = Schema.Struct({
  score: Schema.Int.pipe(Schema.between(0, 100)),
  rationale: Line(1200),
  star_ids: Schema.Array(Text).pipe(Schema.minItems(1), Schema.maxItems(5)),
  gaps: Lines(0, 6)
})
export type FitAnswer = typeof FitAnswer.Type

const Words = (min: number, max: number) =>
  Schema.String.pipe(
    Schema.filter((s) => {
      const n = wordCount(s)
      return (n >= min && n <= max) || `must be ${min}-${max} words, got ${n}`
    })
  )

/** Layer 5's limits, per message kind. */
export const OutreachAnswer = Schema.Struct({
  linkedin_connection_message: Schema.String.pipe(Schema.minLength(20), Schema.maxLength(300)),
  linkedin_inmail_subject: Schema.String.pipe(Schema.minLength(25), Schema.maxLength(30)),
  linkedin_inmail: Schema.String.pipe(Schema.minLength(400), Schema.maxLength(600)),
  email_subject: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100)),
  email_body: Words(95, 205),
  reasoning: Line(600),
  already_applied_frame: Schema.Literal("adding_context", "value_add", "specific_interest")
})
export type OutreachAnswer = typeof OutreachAnswer.Type

export const ContactType = Schema.Literal("hiring_manager", "recruiter", "vp_director", "executive", "peer")
export type ContactType = typeof ContactType.Type

export const Bullet = Schema.Struct({
  text: Words(20, 35),
  source_text: Text,
  source_metric: Schema.NullOr(Schema.String),
  jd_keyword_used: Schema.NullOr(Schema.String),
  pain_point_addressed: Schema.NullOr(Schema.String)
})
export type Bullet = typeof Bullet.Type

/** Layer 6v2, one role. */
export const RoleBulletsAnswer = Schema.Struct({
  bullets: Schema.Array(Bullet).pipe(Schema.minItems(3), Schema.maxItems(5))
})
export type RoleBulletsAnswer = typeof RoleBulletsAnswer.Type

export const HeaderAnswer = Schema.Struct({
  headline: Line(140),
  summary: Line(700),
  key_skills: Lines(3, 12, 60)
})
export type HeaderAnswer = typeof HeaderAnswer.Type

type Json = Record<string, unknown>
const inline = (node: unknown, defs: Json): unknown => {
  if (Array.isArray(node)) return node.map((n) => inline(n, defs))
  if (!node || typeof node !== "object") return node
  const { $ref, title: _t, ...rest } = node as Json
  const base = typeof $ref === "string" ? (inline(defs[$ref.replace("#/$defs/", "")], defs) as Json) : {}
  const out: Json = { ...base }
  for (const [k, v] of Object.entries(rest))
    out[k] =
      k === "properties"
        ? Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, inline(s, defs)]))
        : inline(v, defs)
  return out
}

/** The JSON Schema properties of an answer schema, `$ref`s inlined, for `LlmTask.itemJsonProps`. */
export const jsonProps = (s: Schema.Schema<any, any>): Record<string, unknown> => {
  const js = JSONSchema.make(s) as unknown as Json
  const full = inline(js, (js.$defs ?? {}) as Json) as Json
  return (full.properties ?? {}) as Record<string, unknown>
}
