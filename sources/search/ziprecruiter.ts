import { Chunk, Effect, Option, Schema, Stream } from "effect"
import { Skippable } from "../../core/errors.ts"
import { parseJson } from "../http.ts"
import type { Posting } from "../source.ts"
import { htmlToText, isoDate, remoteFromText } from "../text.ts"
import { salaryPeriod, scrubSecrets, secretValue } from "../jobboards/common.ts"
import type { SiteScraper } from "./site.ts"

/** One `jobs[]` item of ZipRecruiter's mobile API `GET /jobs-app/jobs` (fields JobSpy reads). */
export const ZipJob = Schema.Struct({
  listing_key: Schema.String.pipe(Schema.minLength(1)),
  name: Schema.String.pipe(Schema.minLength(1)),
  job_description: Schema.optional(Schema.NullOr(Schema.String)),
  hiring_company: Schema.optional(
    Schema.NullOr(Schema.Struct({ name: Schema.optional(Schema.NullOr(Schema.String)) }))
  ),
  job_city: Schema.optional(Schema.NullOr(Schema.String)),
  job_state: Schema.optional(Schema.NullOr(Schema.String)),
  job_country: Schema.optional(Schema.NullOr(Schema.String)),
  employment_type: Schema.optional(Schema.NullOr(Schema.String)),
  posted_time: Schema.optional(Schema.NullOr(Schema.String)),
  compensation_interval: Schema.optional(Schema.NullOr(Schema.String)),
  compensation_min: Schema.optional(Schema.NullOr(Schema.Number)),
  compensation_max: Schema.optional(Schema.NullOr(Schema.Number)),
  compensation_currency: Schema.optional(Schema.NullOr(Schema.String)),
  buyer_type: Schema.optional(Schema.NullOr(Schema.String))
})
export type ZipJob = typeof ZipJob.Type

const Page = Schema.Struct({
  jobs: Schema.Array(Schema.Unknown),
  continue: Schema.optional(Schema.NullOr(Schema.String))
})

export const normalizeZipJob = (j: ZipJob): Posting => {
  const location = [j.job_city, j.job_state, j.job_country].filter(Boolean).join(", ") || null
  return {
    source: "ziprecruiter",
    source_id: j.listing_key,
    board: "ziprecruiter",
    url: `https://www.ziprecruiter.com/jobs//j?lvk=${j.listing_key}`,
    title: j.name.trim(),
    company: j.hiring_company?.name?.trim() || "(not stated)",
    location,
    remote: remoteFromText(location, j.name),
    posted_at: isoDate(j.posted_time ?? null),
    description_text: htmlToText(j.job_description ?? null),
    salary_min: j.compensation_min ?? null,
    salary_max: j.compensation_max ?? null,
    salary_currency: j.compensation_currency ?? null,
    salary_period: salaryPeriod(j.compensation_interval),
    employment_type: j.employment_type ? j.employment_type.replace(/_/g, "-").toLowerCase() : null,
    raw: { ...j, job_description: undefined }
  }
}

/**
 * ZipRecruiter's mobile-app API (JobSpy's route; US/Canada only), paged by `continue_from`. It wants
 * the app's `authorization` header: config `ziprecruiter_auth` / $ZIPRECRUITER_AUTH, never committed.
 */
export const ziprecruiter: SiteScraper = {
  site: "ziprecruiter",
  defaultBaseUrl: "https://api.ziprecruiter.com",
  delayMs: 5000,
  unavailable: (opts) =>
    secretValue(opts.ziprecruiter_auth, "ZIPRECRUITER_AUTH")
      ? null
      : "no ZipRecruiter app authorization (set ZIPRECRUITER_AUTH or with.ziprecruiter_auth)",
  search: (env) => {
    const auth = secretValue(env.opts.ziprecruiter_auth, "ZIPRECRUITER_AUTH")!
    const s = env.search
    const maxPages = Math.ceil(env.wanted / 20) + 1
    return Stream.paginateChunkEffect({ token: null as string | null, page: 0 }, ({ token, page }) =>
      Effect.gen(function* () {
        const q = new URLSearchParams({ search: s.term })
        if (s.location) q.set("location", s.location)
        if (s.hours_old) q.set("days", String(Math.max(1, Math.floor(s.hours_old / 24))))
        if (s.remote) q.set("remote", "1")
        if (token) q.set("continue_from", token)
        const req = { url: `${env.baseUrl}/jobs-app/jobs?${q}`, headers: { authorization: auth, accept: "*/*" } }
        const res = yield* env.request(req).pipe(Effect.mapError((e) => scrubSecrets(e, [auth])))
        const json = yield* parseJson({ ...req, unit: env.unit }, res)
        const body = yield* Schema.decodeUnknown(Page)(json, { onExcessProperty: "ignore" }).pipe(
          Effect.mapError(
            (e) =>
              new Skippable({
                reason: "BadBody",
                unit: env.unit,
                message: `${env.unit}: unexpected response: ${e.message}`
              })
          )
        )
        const out: Posting[] = []
        for (const [i, raw] of body.jobs.entries()) {
          const j = Schema.decodeUnknownEither(ZipJob, { onExcessProperty: "ignore" })(raw)
          if (j._tag === "Right") out.push(normalizeZipJob(j.right))
          else
            yield* env.ctx.skip(
              new Skippable({
                reason: "InvalidRecord",
                unit: env.unit,
                message: `${env.unit}: job #${i} skipped: ${j.left.message.split("\n")[0]}`
              })
            )
        }
        const next = body.continue ?? null
        const more = next && next !== token && out.length > 0 && page + 1 < maxPages
        return [Chunk.fromIterable(out), more ? Option.some({ token: next, page: page + 1 }) : Option.none()] as const
      })
    )
  }
}
