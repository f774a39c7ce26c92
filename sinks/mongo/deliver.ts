import { Effect } from "effect"
import { Retriable } from "../../core/errors.ts"
import type { Queries } from "../warehouse.ts"
import type { CollectionDef } from "./collections.ts"
import { countPending, markDelivered, markFailed, pendingDocs } from "./outbox.ts"
import type { DocStore } from "./store.ts"

export interface CollectionDelivery {
  readonly upserted: number
  readonly matched: number
  readonly modified: number
  readonly delivered: number
  readonly failed: number
}

/**
 * Sends every pending outbox document of these collections to the store, batch by batch; each
 * acknowledged batch is marked delivered at once, so a failure part-way loses nothing and repeats
 * nothing already acknowledged. An unacknowledged batch fails the whole delivery (its documents stay
 * pending); documents the server refused one by one stay pending and are counted in `failed`.
 */
export const deliverPending = (q: Queries, store: DocStore, defs: ReadonlyArray<CollectionDef>, batchSize: number) =>
  Effect.gen(function* () {
    const report: Record<string, CollectionDelivery> = {}
    for (const def of defs) {
      const acc = { upserted: 0, matched: 0, modified: 0, delivered: 0, failed: 0 }
      let after = ""
      for (;;) {
        const batch = yield* pendingDocs(q, store.target, def.name, Math.min(batchSize, store.maxBatch), after)
        if (batch.length === 0) break
        after = batch[batch.length - 1].id
        const r = yield* store.upsert(def, batch)
        yield* markDelivered(q, store.target, def.name, r.delivered)
        yield* markFailed(q, store.target, def.name, r.failed)
        acc.upserted += r.upserted
        acc.matched += r.matched
        acc.modified += r.modified
        acc.delivered += r.delivered.length
        acc.failed += r.failed.length
      }
      report[def.name] = acc
    }
    return report
  })

/** A retriable failure says how many documents wait in the outbox for the next run. */
export const withOutboxNote =
  (q: Queries, target: string) =>
  <A, E, R>(eff: Effect.Effect<A, E, R>) =>
    eff.pipe(
      Effect.catchIf(
        (e): e is E & Retriable => e instanceof Retriable,
        (e) =>
          countPending(q, target).pipe(
            Effect.orElseSucceed(() => -1),
            Effect.flatMap((n) =>
              Effect.fail(
                new Retriable({
                  reason: e.reason,
                  retryAfterMs: e.retryAfterMs,
                  message: `${e.message}; ${n >= 0 ? n : "the"} documents stay pending in the warehouse outbox (mongo_outbox) and the next run delivers them`
                })
              )
            )
          )
      )
    )
