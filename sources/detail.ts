import { Effect } from "effect"
import { type Fatal, Skippable, type SourceError } from "../core/errors.ts"
import type { SourceContext } from "./source.ts"

/**
 * A per-posting detail request whose failure must not cost the posting: anything short of Fatal
 * is counted through `ctx.skip` (so it lands in source_errors, naming the posting) and the
 * posting is kept with what the listing had.
 */
export const detailOrNull = <A, R>(
  fetchDetail: Effect.Effect<A, SourceError, R>,
  label: string,
  unit: string,
  ctx: Pick<SourceContext, "skip">
): Effect.Effect<A | null, Fatal, R> =>
  fetchDetail.pipe(
    Effect.catchAll((e) =>
      e._tag === "Fatal"
        ? Effect.fail(e)
        : ctx
            .skip(
              new Skippable({
                reason: e._tag === "Skippable" ? e.reason : "Exhausted",
                unit,
                message: `${label}: detail unavailable, posting kept without it: ${e.message}`
              })
            )
            .pipe(Effect.as(null))
    )
  )
