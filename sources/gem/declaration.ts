import { Schema } from "effect"
import { baseSourceOptions, BoardList } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const GemOptions = Schema.Struct({ ...baseSourceOptions, boards: Schema.optional(BoardList) })

export type GemOptions = typeof GemOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const gemDeclaration: SourceDeclaration<GemOptions> = {
  kind: "gem",
  ats: { jobUrl: "jobs\\.gem\\.com/[^/]+/[A-Za-z0-9_-]{8,}" },
  description: "Gem job boards (public job board API)",
  options: GemOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
