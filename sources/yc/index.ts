import { Effect, Schema } from "effect"
import { Fatal } from "../../core/errors.ts"
import { fetchRecords } from "../decode.ts"
import type { FixtureRoute, Source, StagingOutput } from "../source.ts"
import { type YcOptions, stgYcCompanies, ycDeclaration } from "./declaration.ts"

/** Without `with.lists`: the user's industries. */
const DEFAULT_LISTS = ["industries/healthcare-it", "industries/fintech"]

/** One company in the yc-oss API (https://yc-oss.github.io/api): fields we read. */
export const YcCompany = Schema.Struct({
  id: Schema.Number,
  name: Schema.String.pipe(Schema.minLength(1)),
  slug: Schema.optional(Schema.String),
  former_names: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  website: Schema.optional(Schema.NullOr(Schema.String)),
  one_liner: Schema.optional(Schema.NullOr(Schema.String)),
  team_size: Schema.optional(Schema.NullOr(Schema.Number)),
  industry: Schema.optional(Schema.NullOr(Schema.String)),
  subindustry: Schema.optional(Schema.NullOr(Schema.String)),
  tags: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  isHiring: Schema.optional(Schema.NullOr(Schema.Boolean)),
  batch: Schema.optional(Schema.NullOr(Schema.String)),
  status: Schema.optional(Schema.NullOr(Schema.String)),
  stage: Schema.optional(Schema.NullOr(Schema.String)),
  all_locations: Schema.optional(Schema.NullOr(Schema.String)),
  url: Schema.optional(Schema.NullOr(Schema.String))
})
export type YcCompany = typeof YcCompany.Type

export interface YcRecord {
  /** The yc-oss list it was read from: a company can sit in a batch list and an industry list. */
  readonly list: string
  readonly yc_id: number
  readonly name: string
  readonly slug: string | null
  readonly former_names: ReadonlyArray<string>
  readonly website: string | null
  readonly one_liner: string | null
  readonly team_size: number | null
  readonly industry: string | null
  readonly subindustry: string | null
  readonly tags: ReadonlyArray<string>
  readonly is_hiring: boolean | null
  readonly batch: string | null
  readonly status: string | null
  readonly stage: string | null
  readonly locations: string | null
  readonly url: string | null
}

export const ycStaging: StagingOutput<YcRecord, typeof stgYcCompanies> = {
  table: stgYcCompanies,
  toRow: (r) => ({ ...r, former_names: [...r.former_names], tags: [...r.tags] }),
  key: (r) => `${r.list}:${r.yc_id}`
}

export const toYcRecord = (list: string, c: YcCompany): YcRecord => ({
  list,
  yc_id: c.id,
  name: c.name.trim(),
  slug: c.slug ?? null,
  former_names: c.former_names ?? [],
  website: c.website || null,
  one_liner: c.one_liner ?? null,
  team_size: c.team_size ?? null,
  industry: c.industry ?? null,
  subindustry: c.subindustry ?? null,
  tags: c.tags ?? [],
  is_hiring: c.isHiring ?? null,
  batch: c.batch ?? null,
  status: c.status ?? null,
  stage: c.stage ?? null,
  locations: c.all_locations ?? null,
  url: c.url ?? null
})

const fixtures: ReadonlyArray<FixtureRoute> = [
  { path: "/batches/fall-2025.json", file: "yc/yc-oss-batches-fall-2025.json" },
  { path: "/industries/healthcare-it.json", file: "yc/yc-oss-industries-healthcare-it.json" },
  { path: "/meta.json", file: "yc/yc-oss-meta.json" }
]

/** The YC company directory as the yc-oss project republishes it: one list (batch, industry, all) per unit. */
export const yc: Source<YcOptions, YcRecord> = {
  ...ycDeclaration,
  defaultBaseUrl: "https://yc-oss.github.io/api",
  hostLimits: { concurrency: 4, perSecond: 5 },
  output: ycStaging,
  units: (opts) =>
    (opts.lists ?? DEFAULT_LISTS).length > 0
      ? Effect.succeed((opts.lists ?? DEFAULT_LISTS).map((l) => ({ key: l.replace(/\.json$/, "") })))
      : Effect.fail(
          new Fatal({
            reason: "Config",
            message: "yc needs with.lists: yc-oss list paths such as [companies/all] or [industries/healthcare-it]"
          })
        ),
  fetch: (unit, _opts, ctx) => {
    const req = { url: `${ctx.baseUrl}/${unit.key}.json`, unit: `yc list ${unit.key}` }
    return fetchRecords({
      req,
      body: Schema.Array(Schema.Unknown),
      list: (items) => items,
      record: YcCompany,
      normalize: (c) => toYcRecord(String(unit.key), c),
      ctx
    })
  },
  fixtures,
  replayOptions: { lists: ["batches/fall-2025", "industries/healthcare-it"] }
}
