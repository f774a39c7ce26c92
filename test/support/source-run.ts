import { Chunk, Effect, Schema, Stream } from "effect"
import { Http } from "../../sources/http.ts"
import type { Skippable } from "../../core/errors.ts"
import { type Source, type SourceContext, unitStream } from "../../sources/source.ts"
import type { Target } from "../../targets/universe.ts"

/**
 * Runs one source's units and fetches directly (no warehouse), collecting its records and every
 * skip it counted. For connector tests that look at records; the engine path is tested through
 * the runner.
 */
export const collect = <Rec>(
  src: Source<any, Rec>,
  rawOpts: Record<string, unknown>,
  targets: ReadonlyArray<Target> = []
) =>
  Effect.gen(function* () {
    const opts = yield* Schema.decodeUnknown(src.options)(rawOpts)
    const skips: Skippable[] = []
    const ctx: SourceContext = {
      node: src.kind,
      runId: "test",
      baseUrl: String(rawOpts.base_url ?? src.defaultBaseUrl).replace(/\/+$/, ""),
      window: {},
      cursor: null,
      skip: (e) =>
        Effect.sync(() => {
          skips.push(e)
        }),
      log: () => Effect.void,
      targets: () => targets
    }
    const units = yield* src.units(opts, ctx)
    const records: Rec[] = []
    for (const u of units)
      records.push(...Chunk.toReadonlyArray(yield* Stream.runCollect(unitStream(src.fetch(u, opts, ctx)))))
    return { records, skips, units }
  })

export const collectPromise = <Rec>(
  src: Source<any, Rec>,
  opts: Record<string, unknown>,
  targets?: ReadonlyArray<Target>
) =>
  Effect.runPromise(
    collect(src, opts, targets).pipe(Effect.provide(Http.layer({ timeoutMs: 5_000 }))) as Effect.Effect<
      { records: Rec[]; skips: Skippable[]; units: ReadonlyArray<unknown> },
      unknown,
      never
    >
  )
