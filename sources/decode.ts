import { Effect, Either, ParseResult, Schema } from "effect"
import { Skippable } from "../pipelines/errors.ts"
import type { SourceContext } from "./source.ts"

const label = (item: unknown, index: number) => {
  if (item && typeof item === "object") {
    const o = item as Record<string, unknown>
    const name = o.title ?? o.name ?? o.text ?? o.id
    if (name !== undefined) return `record #${index} (${JSON.stringify(String(name).slice(0, 60))})`
  }
  return `record #${index}`
}

// One decoder per schema, built once: the per-board cost stays the per-record parse.
const decoders = new WeakMap<object, (u: unknown) => Either.Either<unknown, ParseResult.ParseError>>()
const decoderFor = <A, I>(schema: Schema.Schema<A, I>) => {
  let d = decoders.get(schema)
  if (!d) {
    d = Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" }) as (u: unknown) => Either.Either<unknown, ParseResult.ParseError>
    decoders.set(schema, d)
  }
  return d as (u: unknown) => Either.Either<A, ParseResult.ParseError>
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
  Effect.gen(function* () {
    const decode = decoderFor(schema)
    const out: A[] = []
    for (let i = 0; i < items.length; i++) {
      const r = decode(items[i])
      if (Either.isRight(r)) out.push(r.right)
      else
        yield* ctx.skip(new Skippable({
          reason: "InvalidRecord",
          unit,
          message: `${unit}: ${label(items[i], i)} skipped: ${ParseResult.TreeFormatter.formatErrorSync(r.left).replace(/\n\s*/g, " ")}`
        }))
    }
    return out
  })
