import { Effect, Stream, Chunk } from "effect"
import { sources } from "/work/main/sources/index.ts"
import { startReplayServer } from "/work/main/sources/replay.ts"
import { Http } from "/work/main/sources/http.ts"
const replay = await startReplayServer(sources)
for (const kind of ["greenhouse","lever","ashby","workday","smartrecruiters","workable"]) {
  const src = sources.find(s => s.kind === kind)!
  const opts = { ...src.replayOptions, base_url: replay.baseUrlFor(kind) }
  const ctx: any = { node: kind, runId: "x", baseUrl: opts.base_url, window: {}, cursor: null, skip: (e: any) => Effect.sync(() => console.log("SKIP", e.message)), log: (m: string) => Effect.sync(() => console.log(m)), targets: () => [] }
  const recs = await Effect.runPromise(Effect.gen(function* () {
    const units = yield* src.units(opts, ctx)
    const out: any[] = []
    for (const u of units) out.push(...Chunk.toReadonlyArray(yield* Stream.runCollect(src.fetch(u, opts, ctx))))
    return out
  }).pipe(Effect.provide(Http.layer())) as any)
  for (const r of (recs as any[]).slice(0, 40)) { const { raw, description_text, ...rest } = r; console.log(JSON.stringify({ ...rest, desc: description_text?.slice(0, 60) })) }
}
await replay.close()
