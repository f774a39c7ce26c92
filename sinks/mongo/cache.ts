/**
 * `company_cache`: company research kept 7 days. A TTL index lets MongoDB delete old entries where
 * the server has them (FerretDB does not); expiry is checked on every read either way, so an entry
 * past its time is never returned.
 */
import { Effect } from "effect"
import type { Db } from "mongodb"
import type { Queries, WarehouseError } from "../warehouse.ts"
import { COMPANY_CACHE, mongoError } from "./client.ts"

export { COMPANY_CACHE, ensureCompanyCacheIndex } from "./client.ts"
import type { Fatal, Retriable } from "../../core/errors.ts"

export const COMPANY_CACHE_TTL_MS = 7 * 24 * 3_600_000

export interface CompanyCache {
  readonly get: (key: string) => Effect.Effect<unknown | undefined, Retriable | Fatal | WarehouseError>
  readonly put: (key: string, value: unknown) => Effect.Effect<void, Retriable | Fatal | WarehouseError>
}

type Clock = () => number

export const mongoCompanyCache = (db: Db, now: Clock = Date.now): CompanyCache => {
  const col = db.collection<{ _id: string; value: unknown; cached_at: Date; expires_at: Date }>(COMPANY_CACHE)
  return {
    get: (key) =>
      Effect.tryPromise({
        try: () => col.findOne({ _id: key }),
        catch: (e) => mongoError(e, `read of ${COMPANY_CACHE}`)
      }).pipe(Effect.map((d) => (d && d.expires_at.getTime() > now() ? d.value : undefined))),
    put: (key, value) =>
      Effect.tryPromise({
        try: () => {
          const t = now()
          return col.updateOne(
            { _id: key },
            { $set: { value, cached_at: new Date(t), expires_at: new Date(t + COMPANY_CACHE_TTL_MS) } },
            { upsert: true }
          )
        },
        catch: (e) => mongoError(e, `write to ${COMPANY_CACHE}`)
      }).pipe(Effect.asVoid)
  }
}

/** The same cache in the embedded warehouse (table mongo_company_cache) when there is no MONGODB_URI. */
export const embeddedCompanyCache = (q: Queries, now: Clock = Date.now): CompanyCache => ({
  get: (key) =>
    q
      .query<{ value: string }>(
        "select value from mongo_company_cache where key = $1 and expires_at > $2::timestamptz",
        [key, new Date(now()).toISOString()]
      )
      .pipe(Effect.map(([r]) => (r ? JSON.parse(r.value) : undefined))),
  put: (key, value) => {
    const t = now()
    return q.exec(
      `insert into mongo_company_cache (key, value, cached_at, expires_at) values ($1, $2::json, $3::timestamptz, $4::timestamptz)
       on conflict (key) do update set value = excluded.value, cached_at = excluded.cached_at, expires_at = excluded.expires_at`,
      [key, JSON.stringify(value), new Date(t).toISOString(), new Date(t + COMPANY_CACHE_TTL_MS).toISOString()]
    )
  }
})
