import { Schema } from "effect"
import { DurationString } from "../../core/spec.ts"
import { COLLECTIONS } from "./collections.ts"
import type { NodeKindDeclaration } from "../../pipelines/node.ts"

export const MongoSinkOptions = Schema.Struct({
  database: Schema.optional(Schema.String.pipe(Schema.pattern(/^[^/\\. "$]{1,63}$/))).annotations({
    description: "Database name (default jobsignal)."
  }),
  collections: Schema.optional(
    Schema.Array(Schema.Literal(...(COLLECTIONS.map((c) => c.name) as [string, ...string[]])))
  ).annotations({ description: "Which collections to write (default all: level-2, companies, signals)." }),
  batch_size: Schema.optional(Schema.Int.pipe(Schema.between(1, 100_000))).annotations({
    description: "Documents per bulkWrite (default 1000)."
  }),
  connect_timeout: Schema.optional(DurationString).annotations({
    description: "How long to wait for the server (default 10s)."
  }),
  write_timeout: Schema.optional(DurationString).annotations({
    description:
      "How long one write may wait for the server's answer before its batch counts as unacknowledged (default 60s)."
  })
})
export type MongoSinkOptions = typeof MongoSinkOptions.Type

/** What dag.yaml, `validate` and `plan` know of this kind; its implementation loads on a node's first run. */
export const mongoSinkDeclaration: NodeKindDeclaration<MongoSinkOptions> = {
  role: "sink",
  kind: "mongo",
  description:
    "Upsert jobs (level-2), companies and signals into MongoDB behind data-quality gates; embedded warehouse without MONGODB_URI",
  options: MongoSinkOptions
}
