import { Schema } from "effect"

/** Options every HTTP source takes. `base_url` points it at a proxy, a mirror or the replay server. */
export const baseSourceOptions = {
  base_url: Schema.optional(
    Schema.String.pipe(
      Schema.pattern(/^https?:\/\//, { message: () => "base_url must start with http:// or https://" })
    )
  ),
  max_records: Schema.optional(Schema.Int.pipe(Schema.positive())),
  concurrency: Schema.optional(Schema.Int.pipe(Schema.between(1, 64))),
  per_second: Schema.optional(Schema.Number.pipe(Schema.positive())),
  /** Caps on one response, checked as it streams (default 64 MB each): on the wire, and after decompression. */
  max_body_mb: Schema.optional(Schema.Number.pipe(Schema.positive())),
  max_decoded_mb: Schema.optional(Schema.Number.pipe(Schema.positive())),
  /** Longest `Retry-After` waited for (default 120 s); a longer one gives the unit up, counted. */
  max_retry_after_s: Schema.optional(Schema.Number.pipe(Schema.nonNegative()))
}

export const BoardList = Schema.Array(Schema.String.pipe(Schema.minLength(1)))
