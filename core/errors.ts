import { Schema } from "effect"

/**
 * Errors are named by what the caller should do with them (after the Singer SDK):
 * retry later, skip this record/page/board and go on, or stop the node.
 */
export class Retriable extends Schema.TaggedError<Retriable>()("Retriable", {
  reason: Schema.Literal("RateLimited", "Overloaded", "ServerError", "Timeout", "Transport"),
  message: Schema.String,
  retryAfterMs: Schema.optional(Schema.Number)
}) {}

export class Skippable extends Schema.TaggedError<Skippable>()("Skippable", {
  reason: Schema.Literal(
    "NotFound",
    "Blocked",
    "BadBody",
    "InvalidRecord",
    "BadRequest",
    "Exhausted",
    "BodyTooLarge",
    "BadRedirect"
  ),
  message: Schema.String,
  unit: Schema.optional(Schema.String)
}) {}

export class Fatal extends Schema.TaggedError<Fatal>()("Fatal", {
  reason: Schema.Literal("Config", "Auth", "InvalidRequest", "Budget", "Internal", "Interrupted"),
  message: Schema.String
}) {}

export type SourceError = Retriable | Skippable | Fatal

const clip = (s: string, n = 2000) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s)

/**
 * One line for a ledger row or a log. Never formats a value it does not know (a defect may be a
 * 100k-deep array: String() of it overflows the stack) and never prints more than a few KB.
 */
export const describe = (e: unknown): string => {
  try {
    if (e && typeof e === "object" && "_tag" in e && "message" in e) {
      const r = "reason" in e ? `/${String((e as { reason: unknown }).reason)}` : ""
      const m = (e as { message: unknown }).message
      return clip(
        `${String((e as { _tag: unknown })._tag)}${r}: ${typeof m === "string" ? m : "(unprintable message)"}`
      )
    }
    if (e instanceof Error) return clip(e.message)
    if (Array.isArray(e)) return `a defect: an array of ${e.length}`
    return clip(String(e))
  } catch {
    return "a defect that cannot be printed"
  }
}
