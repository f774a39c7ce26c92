/**
 * The collections the MongoDB sink writes, built from warehouse tables. `level-2` keeps the field
 * names of the user's existing store (title, company, job_url, job_description, fit_score, tier, ...).
 * Fields that change on every sighting (last_seen, run ids) stay out of the documents, so an
 * unchanged job is an unchanged document and a rerun writes nothing.
 */
import { Effect, Schema } from "effect"
import { createHash } from "node:crypto"
import type { DocShape, Doc } from "../../dq/check.ts"
import type { Queries, WarehouseError } from "../warehouse.ts"

/** Bump when the mapping below changes, so every document is delivered again. */
export const DOC_VERSION = "1"

export interface Candidate {
  readonly id: string
  readonly doc: Doc
  readonly hash: string
  readonly inputKey: string | null
}

export interface IndexDef {
  readonly name: string
  readonly key: Readonly<Record<string, 1 | -1>>
  readonly unique?: boolean
}

export interface CollectionDef {
  readonly name: string
  /** Embedded-warehouse table standing in for the collection when there is no MONGODB_URI. */
  readonly table: string
  readonly shape: DocShape
  /** Written only when the document is first inserted (`$setOnInsert`). */
  readonly setOnInsert: ReadonlyArray<string>
  /** ISO strings in the outbox, BSON dates in MongoDB. */
  readonly dateFields: ReadonlyArray<string>
  readonly indexes: ReadonlyArray<IndexDef>
  /** Documents whose content differs from what the outbox last queued for `target`. */
  readonly changed: (q: Queries, target: string) => Effect.Effect<Candidate[], WarehouseError>
}

export const docHash = (doc: Doc) =>
  createHash("sha256").update(DOC_VERSION).update(JSON.stringify(doc)).digest("hex").slice(0, 32)

const TS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}(:?\d{2})?)?$/
/** DuckDB renders timestamps as "2026-11-21 20:47:45.79+00"; documents carry ISO-8601. */
export const isoOf = (v: string): string => {
  if (!TS.test(v)) return v
  const s = v.replace(" ", "T").replace(/([+-]\d{2})$/, "$1:00")
  const d = new Date(/[+-]\d{2}:?\d{2}$/.test(s) ? s : s + "Z")
  return Number.isNaN(d.getTime()) ? v : d.toISOString()
}

const parseJson = (v: unknown) => {
  if (typeof v !== "string") return v
  try {
    return JSON.parse(v)
  } catch {
    return v
  }
}

/** Drops nulls (MongoDB `$set` would otherwise clobber fields other layers wrote) and normalizes values. */
const compact = (row: Record<string, unknown>, json: ReadonlyArray<string>, drop: ReadonlyArray<string> = []): Doc => {
  const doc: Doc = {}
  for (const [k, raw] of Object.entries(row)) {
    if (drop.includes(k) || raw === null || raw === undefined) continue
    const v = json.includes(k) ? parseJson(raw) : typeof raw === "string" ? isoOf(raw) : raw
    if (v !== null) doc[k] = v
  }
  return doc
}

const hasColumn = (q: Queries, table: string, column: string) =>
  q
    .query<{ n: number }>(
      "select count(*)::int as n from information_schema.columns where table_name = $1 and column_name = $2",
      [table, column]
    )
    .pipe(Effect.map(([r]) => r.n > 0))

const finish = (
  rows: ReadonlyArray<Record<string, unknown>>,
  toDoc: (r: Record<string, unknown>) => Doc
): Candidate[] => {
  const out: Candidate[] = []
  for (const r of rows) {
    const { prev_hash, input_key, ...rest } = r
    const doc = toDoc(rest)
    const hash = docHash(doc)
    if (hash !== prev_hash) out.push({ id: String(doc.id), doc, hash, inputKey: (input_key as string | null) ?? null })
  }
  return out
}

const Iso = Schema.String.pipe(
  Schema.filter((s) => !Number.isNaN(Date.parse(s)) || `${JSON.stringify(s)} is not an ISO date`)
)
const NonEmpty = Schema.String.pipe(Schema.filter((s) => s.trim().length > 0 || "is empty"))
const opt = <S extends Schema.Schema.Any>(s: S) => Schema.optional(s)

/** job_intel columns that become level-2 fields as they are (JSON and text). */
const INTEL_JSON = [
  "extracted_jd",
  "pain_points",
  "strategic_needs",
  "risks_if_unfilled",
  "success_metrics",
  "company_research",
  "role_research",
  "primary_contacts",
  "secondary_contacts",
  "outreach_packages",
  "cv_bullets"
] as const
const INTEL_TEXT = ["why_now", "cv_text", "cv_reasoning", "dossier_path"] as const

export const LevelTwoDoc = Schema.Struct({
  id: NonEmpty,
  title: NonEmpty,
  company: NonEmpty,
  company_key: opt(Schema.String),
  location: opt(Schema.String),
  job_url: NonEmpty,
  apply_url: opt(Schema.String),
  job_description: opt(Schema.String),
  source: NonEmpty,
  sources: opt(Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown }))),
  posted_at: opt(Iso),
  remote: Schema.Literal("remote", "hybrid", "onsite", "unknown"),
  salary_min: opt(Schema.Number),
  salary_max: opt(Schema.Number),
  salary_currency: opt(Schema.String),
  salary_period: opt(Schema.Literal("year", "month", "week", "day", "hour")),
  employment_type: opt(Schema.String),
  department: opt(Schema.String),
  first_seen: Iso,
  fit_score: opt(Schema.Int.pipe(Schema.between(0, 100))),
  fit_rationale: opt(Schema.String),
  fit_category: opt(Schema.Literal("exceptional", "strong", "good", "moderate", "weak")),
  tier: opt(Schema.Literal("A", "B", "C", "D")),
  relevant: opt(Schema.Boolean),
  // The per-job intelligence layers (transforms/layers), under the user's field names.
  ...Object.fromEntries(INTEL_JSON.map((f) => [f, opt(Schema.Unknown)])),
  ...Object.fromEntries(INTEL_TEXT.map((f) => [f, opt(Schema.String)]))
}).annotations({ identifier: "LevelTwoDocument" })

const levelTwoColumns = {
  id: "VARCHAR",
  title: "VARCHAR",
  company: "VARCHAR",
  company_key: "VARCHAR",
  location: "VARCHAR",
  job_url: "VARCHAR",
  apply_url: "VARCHAR",
  job_description: "VARCHAR",
  source: "VARCHAR",
  posted_at: "TIMESTAMPTZ",
  remote: "VARCHAR",
  salary_min: "DOUBLE",
  salary_max: "DOUBLE",
  salary_currency: "VARCHAR",
  salary_period: "VARCHAR",
  employment_type: "VARCHAR",
  department: "VARCHAR",
  first_seen: "TIMESTAMPTZ",
  fit_score: "INTEGER",
  fit_rationale: "VARCHAR",
  fit_category: "VARCHAR",
  tier: "VARCHAR",
  relevant: "BOOLEAN",
  ...Object.fromEntries(INTEL_JSON.map((f) => [f, "JSON"])),
  ...Object.fromEntries(INTEL_TEXT.map((f) => [f, "VARCHAR"]))
}

/** Sightings without their moving `last_seen`, so a re-sighting alone does not rewrite the job. */
const stableSources = (v: unknown) =>
  Array.isArray(v)
    ? v.map((s) =>
        s && typeof s === "object"
          ? Object.fromEntries(
              Object.entries(s)
                .filter(([k, x]) => !/^last_/.test(k) && x !== null)
                .map(([k, x]) => [k, typeof x === "string" ? isoOf(x) : x])
            )
          : s
      )
    : undefined

const levelTwo: CollectionDef = {
  name: "level-2",
  table: "mongo_level_2",
  shape: { schema: LevelTwoDoc, columns: levelTwoColumns },
  setOnInsert: ["first_seen"],
  dateFields: ["posted_at", "first_seen"],
  indexes: [
    { name: "id_unique", key: { id: 1 }, unique: true },
    { name: "fit_score", key: { fit_score: -1 } },
    { name: "tier", key: { tier: 1 } },
    { name: "company", key: { company: 1 } },
    { name: "posted_at", key: { posted_at: -1 } }
  ],
  changed: (q, target) =>
    Effect.gen(function* () {
      // With the dedupe's content hash, unchanged jobs are skipped in SQL before any document is built.
      const withContentHash = yield* hasColumn(q, "jobs", "content_hash")
      const inputKey = withContentHash
        ? "case when j.content_hash is null then null else md5(concat_ws('|', j.content_hash, s.fit_score, s.fit_category, s.tier, s.fit_rationale, s.relevant, i.updated_at)) end"
        : "null"
      const rows = yield* q.query(
        `select j.id, j.title, j.company, j.company_key, j.location, j.url as job_url, j.apply_url,
                j.description_text as job_description, j.source, j.sources, j.posted_at, j.remote,
                j.salary_min, j.salary_max, j.salary_currency, j.salary_period, j.employment_type, j.department, j.first_seen,
                -- A per-job fit (Layer 4) replaces the batch score when there is one.
                coalesce(i.fit_score, s.fit_score) as fit_score, coalesce(i.fit_rationale, s.fit_rationale) as fit_rationale,
                coalesce(i.fit_category, s.fit_category) as fit_category, coalesce(i.tier, s.tier) as tier, s.relevant,
                ${[...INTEL_JSON, ...INTEL_TEXT].map((f) => `i.${f}`).join(", ")},
                o.doc_hash as prev_hash, ${inputKey} as input_key
         from jobs j
         left join job_scores s on s.job_id = j.id
         left join job_intel i on i.job_id = j.id
         left join mongo_outbox o on o.target = $1 and o.collection = 'level-2' and o.doc_id = j.id
         where ${withContentHash ? `o.input_key is null or (${inputKey}) is null or o.input_key <> ${inputKey}` : "true"}
         order by j.id`,
        [target]
      )
      return finish(rows, (r) => {
        const d = compact(r, ["sources", ...INTEL_JSON])
        const sources = stableSources(d.sources)
        if (sources) d.sources = sources
        else delete d.sources
        return d
      })
    })
}

const fromTable = (
  name: string,
  table: string,
  key: string,
  opts: {
    drop: string[]
    json: string[]
    dates: string[]
    indexes: IndexDef[]
    schema: DocShape["schema"]
    columns: DocShape["columns"]
  }
): CollectionDef => ({
  name,
  table: `mongo_${name.replace(/[^a-z0-9]/gi, "_")}`,
  shape: { schema: opts.schema, columns: opts.columns },
  setOnInsert: ["first_seen"],
  dateFields: opts.dates,
  indexes: [{ name: "id_unique", key: { id: 1 }, unique: true }, ...opts.indexes],
  changed: (q, target) =>
    Effect.gen(function* () {
      const rows = yield* q.query(
        `select t.${key} as id, t.*, o.doc_hash as prev_hash, null as input_key from ${table} t
         left join mongo_outbox o on o.target = $1 and o.collection = $2 and o.doc_id = t.${key}
         order by t.${key}`,
        [target, name]
      )
      return finish(rows, (r) => compact(r, opts.json, opts.drop))
    })
})

const companies = fromTable("companies", "companies", "company_key", {
  drop: ["last_seen", "run_id"],
  json: [],
  dates: ["first_seen"],
  indexes: [
    { name: "name", key: { name: 1 } },
    { name: "domain", key: { domain: 1 } }
  ],
  schema: Schema.Struct({
    id: NonEmpty,
    company_key: NonEmpty,
    name: NonEmpty,
    domain: opt(Schema.String),
    first_seen: opt(Iso)
  }),
  columns: {
    id: "VARCHAR",
    company_key: "VARCHAR",
    name: "VARCHAR",
    domain: "VARCHAR",
    ats: "VARCHAR",
    industry: "VARCHAR",
    team_size: "INTEGER",
    is_hiring: "BOOLEAN",
    first_seen: "TIMESTAMPTZ"
  }
})

const signals = fromTable("signals", "signals", "signal_id", {
  drop: ["last_seen", "run_id"],
  json: ["sources", "details"],
  dates: ["first_seen", "signal_date"],
  indexes: [
    { name: "company_date", key: { company_key: 1, signal_date: -1 } },
    { name: "type", key: { type: 1 } }
  ],
  schema: Schema.Struct({
    id: NonEmpty,
    signal_id: NonEmpty,
    company_key: NonEmpty,
    type: NonEmpty,
    signal_date: opt(Iso),
    source_url: opt(Schema.String),
    first_seen: opt(Iso)
  }),
  columns: {
    id: "VARCHAR",
    signal_id: "VARCHAR",
    company_key: "VARCHAR",
    company_name: "VARCHAR",
    type: "VARCHAR",
    signal_date: "DATE",
    title: "VARCHAR",
    source_url: "VARCHAR",
    amount: "DOUBLE",
    currency: "VARCHAR",
    confidence: "DOUBLE",
    first_seen: "TIMESTAMPTZ"
  }
})

export const COLLECTIONS: ReadonlyArray<CollectionDef> = [levelTwo, companies, signals]
export const collectionNamed = (name: string) => COLLECTIONS.find((c) => c.name === name)
