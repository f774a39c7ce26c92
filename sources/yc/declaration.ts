import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stagingTable } from "../../sinks/table.ts"
import type { SourceDeclaration } from "../source.ts"

/** YC companies as `transform: signals` reads them. Source nodes created it at start until migration 0452 did. */
export const stgYcCompanies = stagingTable({
  name: "stg_yc_companies",
  createdBy: "0452_stg_yc_companies",
  columns: {
    list: "VARCHAR",
    yc_id: "BIGINT",
    name: "VARCHAR",
    slug: "VARCHAR",
    former_names: "VARCHAR[]",
    website: "VARCHAR",
    one_liner: "VARCHAR",
    team_size: "INTEGER",
    industry: "VARCHAR",
    subindustry: "VARCHAR",
    tags: "VARCHAR[]",
    is_hiring: "BOOLEAN",
    batch: "VARCHAR",
    status: "VARCHAR",
    stage: "VARCHAR",
    locations: "VARCHAR",
    url: "VARCHAR"
  }
})

export const YcOptions = Schema.Struct({
  ...baseSourceOptions,
  /** yc-oss lists: "companies/all", "batches/fall-2025", "industries/healthcare-it", "tags/..." (".json" optional). */
  lists: Schema.optional(
    Schema.Array(
      Schema.String.pipe(
        Schema.pattern(/^[a-z0-9/_-]+(\.json)?$/, { message: () => "a yc-oss list path like industries/healthcare-it" })
      )
    )
  )
})

export type YcOptions = typeof YcOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const ycDeclaration: SourceDeclaration<YcOptions> = {
  kind: "yc",
  description: "Y Combinator company directory (yc-oss JSON API)",
  options: YcOptions,
  table: stgYcCompanies,
  timeDimension: "none"
}
