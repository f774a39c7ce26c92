import { Schema } from "effect"

/**
 * A proxy URL, or a `${NAME}` the run replaces from the environment (and checks then); its text is never
 * echoed in an error (it may carry credentials).
 */
const ProxyUrl = Schema.Redacted(
  Schema.String.pipe(
    Schema.pattern(/^(\$\{[A-Za-z_][A-Za-z0-9_]*\}|(https?:\/\/)?([^\s/@]+@)?[^\s/@:]+:\d{1,5}\/?)$/, {
      message: () => "not a proxy URL: http://[user:pass@]host:port (the value is not shown: it may hold credentials)"
    })
  )
)

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
  max_retry_after_s: Schema.optional(Schema.Number.pipe(Schema.nonNegative())),
  /**
   * HTTP proxies taken in turn, one per request (JobSpy's `proxies`): `http://[user:pass@]host:port`, or
   * `user:pass@host:port`. Secrets: write `${PROXY_URL}`; only host:port is ever printed.
   */
  proxies: Schema.optional(Schema.Array(ProxyUrl))
}

export const BoardList = Schema.Array(Schema.String.pipe(Schema.minLength(1)))
