import { Schema } from "effect"

/** Options every HTTP source takes. `base_url` points it at a proxy, a mirror or the replay server. */
export const baseSourceOptions = {
  base_url: Schema.optional(Schema.String.pipe(Schema.pattern(/^https?:\/\//, { message: () => "base_url must start with http:// or https://" }))),
  max_records: Schema.optional(Schema.Int.pipe(Schema.positive())),
  concurrency: Schema.optional(Schema.Int.pipe(Schema.between(1, 64))),
  per_second: Schema.optional(Schema.Number.pipe(Schema.positive()))
}

export const BoardList = Schema.Array(Schema.String.pipe(Schema.minLength(1)))
