import { Effect, Either, ParseResult, type Schema } from "effect"
import { type Fatal, type Retriable, Skippable } from "../core/errors.ts"
import { decoderFor, fetchJson, type Http, type HttpRequest } from "./http.ts"
import type { SourceContext } from "./source.ts"

const label = (item: unknown, index: number) => {
  if (item && typeof item === "object") {
    const o = item as Record<string, unknown>
    const name = o.title ?? o.name ?? o.text ?? o.id
    // Only a string or number is printed: String() of a hostile 100k-deep array overflows the stack.
    if (typeof name === "string" || typeof name === "number")
      return `record #${index} (${JSON.stringify(String(name).slice(0, 60))})`
  }
  return `record #${index}`
}

/**
 * The schema's complaint, at most 4,000 characters. Formatting prints the offending value,
 * which for a 100k-deep one overflows the stack: then only that the value was too deep to print.
 */
export const describeParseError = (e: ParseResult.ParseError) => {
  try {
    const text = ParseResult.TreeFormatter.formatErrorSync(e).replace(/\n\s*/g, " ")
    return text.length > 4000 ? `${text.slice(0, 4000)}…` : text
  } catch {
    return "does not match the schema (the value is too deeply nested to print)"
  }
}

/**
 * Decodes each record on its own: a record of the wrong shape is counted through `ctx.skip`
 * with the unit, its position and the offending field, and the others go on.
 */
export const decodeEach = <A, I>(
  schema: Schema.Schema<A, I>,
  items: ReadonlyArray<unknown>,
  unit: string,
  ctx: Pick<SourceContext, "skip">
): Effect.Effect<ReadonlyArray<A>> =>
  Effect.suspend(() => {
    const decode = decoderFor(schema)
    const out: A[] = []
    const skips: Skippable[] = []
    for (let i = 0; i < items.length; i++) {
      const r = decode(items[i])
      if (Either.isRight(r)) out.push(r.right)
      else
        skips.push(
          new Skippable({
            reason: "InvalidRecord",
            unit,
            message: `${unit}: ${label(items[i], i)} skipped: ${describeParseError(r.left)}`
          })
        )
    }
    return skips.length === 0 ? Effect.succeed(out) : Effect.as(Effect.forEach(skips, ctx.skip, { discard: true }), out)
  })

/**
 * One request whose body holds a list of records (a board, a feed page): the body is decoded with
 * `body`, the list it holds record by record (a bad record is counted, not fatal), then normalized.
 */
export const fetchRecords = <B, BI, A, AI, O>(spec: {
  readonly req: HttpRequest & { readonly unit: string }
  readonly body: Schema.Schema<B, BI>
  readonly list: (body: B) => ReadonlyArray<unknown>
  readonly record: Schema.Schema<A, AI>
  readonly normalize: (record: A, body: B) => O
  readonly ctx: Pick<SourceContext, "skip">
}): Effect.Effect<ReadonlyArray<O>, Retriable | Skippable | Fatal, Http> =>
  Effect.gen(function* () {
    const body = yield* fetchJson(spec.req, spec.body)
    const records = yield* decodeEach(spec.record, spec.list(body), spec.req.unit, spec.ctx)
    return records.map((r) => spec.normalize(r, body))
  })
