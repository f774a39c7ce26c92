import { Schema } from "effect"
import { baseSourceOptions, BoardList } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const BambooHROptions = Schema.Struct({ ...baseSourceOptions, boards: Schema.optional(BoardList) })

export type BambooHROptions = typeof BambooHROptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const bamboohrDeclaration: SourceDeclaration<BambooHROptions> = {
  kind: "bamboohr",
  ats: { jobUrl: "[a-z0-9-]+\\.bamboohr\\.com/careers/[0-9]+" },
  description: "BambooHR careers sites (public careers list)",
  options: BambooHROptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
