import { Schema } from "effect"
import { baseSourceOptions, BoardList } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const AshbyOptions = Schema.Struct({ ...baseSourceOptions, boards: Schema.optional(BoardList) })

export type AshbyOptions = typeof AshbyOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const ashbyDeclaration: SourceDeclaration<AshbyOptions> = {
  kind: "ashby",
  ats: { jobUrl: "ashbyhq\\.com/[^/]+/[0-9a-f-]{20,}" },
  description: "Ashby job boards (public posting API, with compensation)",
  options: AshbyOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
