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
  reason: Schema.Literal("NotFound", "Blocked", "BadBody", "InvalidRecord", "BadRequest", "Exhausted", "BodyTooLarge", "BadRedirect"),
  message: Schema.String,
  unit: Schema.optional(Schema.String)
}) {}

export class Fatal extends Schema.TaggedError<Fatal>()("Fatal", {
  reason: Schema.Literal("Config", "Auth", "InvalidRequest", "Budget", "Internal", "Interrupted"),
  message: Schema.String
}) {}

export type SourceError = Retriable | Skippable | Fatal

export const describe = (e: unknown): string => {
  if (e && typeof e === "object" && "_tag" in e && "message" in e) {
    const r = "reason" in e ? `/${String((e as { reason: unknown }).reason)}` : ""
    return `${String((e as { _tag: unknown })._tag)}${r}: ${String((e as { message: unknown }).message)}`
  }
  return e instanceof Error ? e.message : String(e)
}
