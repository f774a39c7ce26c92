import { Chunk, Effect, Option, Stream } from "effect"
import { Skippable } from "../core/errors.ts"
import type { SourceContext } from "./source.ts"

export interface Page<A> {
  readonly items: ReadonlyArray<A>
  /** Records on the page as served, before per-record decoding skipped any: paging decides on this. */
  readonly served: number
  /** What the server says the whole listing holds, when it says. */
  readonly total?: number | null
  /** Identity of the page's first record, to notice a server that ignores the offset. */
  readonly firstKey?: string | null
}

interface State {
  readonly offset: number
  readonly page: number
  readonly total: number | null
  readonly firstKey: string | null
}

/**
 * Offset/limit paging (Lever skip/limit, SmartRecruiters offset/limit, Workday offset/limit):
 * stops at an empty or short page, at the total the first page reported (Workday sends it only
 * there), when a page repeats the previous one, or after `maxPages` — the last two counted as
 * skips naming the unit, so a runaway listing is visible rather than endless.
 *
 * The first page decides the form: a listing that fits in it is an array (most boards: no Stream
 * to run, see `UnitRecords`), a longer one a Stream that goes on from the second page.
 */
export const offsetPaged = <A, E, R>(args: {
  readonly pageSize: number
  readonly maxPages: number
  readonly unit: string
  readonly ctx: Pick<SourceContext, "skip">
  readonly fetchPage: (offset: number) => Effect.Effect<Page<A>, E, R>
}): Effect.Effect<ReadonlyArray<A> | Stream.Stream<A, E, R>, E, R> => {
  const step = (s: State) =>
    Effect.gen(function* () {
      const p = yield* args.fetchPage(s.offset)
      if (s.page > 0 && p.firstKey != null && p.firstKey === s.firstKey) {
        yield* args.ctx.skip(
          new Skippable({
            reason: "Exhausted",
            unit: args.unit,
            message: `${args.unit}: page at offset ${s.offset} repeats the previous page (offset ignored by the server?); paging stopped`
          })
        )
        return [Chunk.empty<A>(), Option.none<State>()] as const
      }
      const total = s.total ?? (p.total != null && p.total > 0 ? p.total : null)
      const next = s.offset + p.served
      let more = p.served > 0 && p.served >= args.pageSize && (total == null || next < total)
      if (more && s.page + 1 >= args.maxPages) {
        yield* args.ctx.skip(
          new Skippable({
            reason: "Exhausted",
            unit: args.unit,
            message: `${args.unit}: stopped after ${args.maxPages} pages (${next} records${total != null ? ` of ${total}` : ""}); raise max_pages to read further`
          })
        )
        more = false
      }
      const chunk = Chunk.fromIterable(p.items)
      return [
        chunk,
        more
          ? Option.some<State>({ offset: next, page: s.page + 1, total, firstKey: p.firstKey ?? null })
          : Option.none<State>()
      ] as const
    })
  return Effect.map(step({ offset: 0, page: 0, total: null, firstKey: null }), ([chunk, next]) =>
    Option.isNone(next)
      ? Chunk.toReadonlyArray(chunk)
      : Stream.concat(Stream.fromChunk(chunk), Stream.paginateChunkEffect<State, A, E, R>(next.value, step))
  )
}
