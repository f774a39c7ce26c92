import { Schema } from "effect"
import { baseSourceOptions, BoardList } from "../options.ts"
import { stgJobs } from "../../sinks/stg-jobs.ts"
import type { SourceDeclaration } from "../source.ts"

export const WorkableOptions = Schema.Struct({ ...baseSourceOptions, boards: Schema.optional(BoardList) })

export type WorkableOptions = typeof WorkableOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const workableDeclaration: SourceDeclaration<WorkableOptions> = {
  kind: "workable",
  ats: { jobUrl: "workable\\.com/(j|.+/j)/[0-9a-z]{6,}" },
  description: "Workable accounts (public widget API)",
  options: WorkableOptions,
  table: stgJobs,
  timeDimension: "posted_at"
}
