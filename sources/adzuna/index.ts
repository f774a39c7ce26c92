import { Chunk, Effect, Option, Schema, Stream } from "effect"
import { Fatal } from "../../core/errors.ts"
import { fetchJson } from "../http.ts"
import { decodeEach } from "../decode.ts"
import { postingsStaging } from "../postings.ts"
import { htmlToText, isoDate, remoteFromText } from "../text.ts"
import { scrubSecrets, secretValue } from "../jobboards/common.ts"
import type { JobSource, Posting } from "../source.ts"
import { type AdzunaOptions, adzunaDeclaration } from "./declaration.ts"

const Named = Schema.Struct({ display_name: Schema.optional(Schema.NullOr(Schema.String)) })

/** One result of `GET /v1/api/jobs/{country}/search/{page}` (fields as Adzuna's API docs list them). */
export const AdzunaJob = Schema.Struct({
  id: Schema.Union(Schema.String, Schema.Number),
  title: Schema.String.pipe(Schema.minLength(1)),
  description: Schema.optional(Schema.NullOr(Schema.String)),
  created: Schema.optional(Schema.NullOr(Schema.String)),
  redirect_url: Schema.String,
  company: Schema.optional(Schema.NullOr(Named)),
  location: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        display_name: Schema.optional(Schema.NullOr(Schema.String)),
        area: Schema.optional(Schema.Array(Schema.String))
      })
    )
  ),
  category: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        label: Schema.optional(Schema.NullOr(Schema.String)),
        tag: Schema.optional(Schema.NullOr(Schema.String))
      })
    )
  ),
  salary_min: Schema.optional(Schema.NullOr(Schema.Number)),
  salary_max: Schema.optional(Schema.NullOr(Schema.Number)),
  salary_is_predicted: Schema.optional(Schema.NullOr(Schema.Union(Schema.String, Schema.Number))),
  contract_time: Schema.optional(Schema.NullOr(Schema.String)),
  contract_type: Schema.optional(Schema.NullOr(Schema.String))
})
export type AdzunaJob = typeof AdzunaJob.Type

const Page = Schema.Struct({ results: Schema.Array(Schema.Unknown), count: Schema.optional(Schema.Number) })

const CURRENCY: Record<string, string> = {
  us: "USD",
  gb: "GBP",
  ca: "CAD",
  au: "AUD",
  de: "EUR",
  fr: "EUR",
  nl: "EUR",
  in: "INR"
}

export const normalizeAdzunaJob = (j: AdzunaJob, country: string): Posting => {
  const location = j.location?.display_name ?? null
  const predicted = String(j.salary_is_predicted ?? "0") === "1"
  return {
    source: "adzuna",
    source_id: `${country}:${j.id}`,
    board: country,
    url: j.redirect_url,
    title: htmlToText(j.title) ?? j.title,
    company: j.company?.display_name?.trim() || "(not stated)",
    location,
    remote: remoteFromText(location, j.title),
    posted_at: isoDate(j.created ?? null),
    description_text: htmlToText(j.description ?? null),
    salary_min: j.salary_min ?? null,
    salary_max: j.salary_max ?? null,
    salary_currency: j.salary_min || j.salary_max ? (CURRENCY[country] ?? null) : null,
    salary_period: j.salary_min || j.salary_max ? "year" : null,
    employment_type: [j.contract_time, j.contract_type].filter(Boolean).join(", ").replace(/_/g, " ") || null,
    department: j.category?.label ?? null,
    tags: predicted ? ["salary_predicted"] : [],
    raw: j
  }
}

/**
 * Adzuna job search API. Needs an app id and key: without them the node has no units and says so
 * once (a notice, not a failure), so a DAG can carry it before the user has signed up.
 */
export const adzuna: JobSource<AdzunaOptions> = {
  ...adzunaDeclaration,
  defaultBaseUrl: "https://api.adzuna.com",
  hostLimits: { concurrency: 2, perSecond: 1 },
  output: postingsStaging,
  units: (opts, ctx) =>
    Effect.gen(function* () {
      if (!opts.searches || opts.searches.length === 0)
        return yield* Effect.fail(
          new Fatal({
            reason: "Config",
            message: "adzuna needs with.searches: [{term, location?, country?, results_wanted?}]"
          })
        )
      if (!secretValue(opts.app_id, "ADZUNA_APP_ID") || !secretValue(opts.app_key, "ADZUNA_APP_KEY")) {
        const reason =
          "no Adzuna credentials (set ADZUNA_APP_ID and ADZUNA_APP_KEY, or with.app_id/app_key); get a free key at developer.adzuna.com"
        yield* ctx.cannotRun ? ctx.cannotRun(reason) : ctx.log(`${ctx.node}: skipped: ${reason}`)
        return []
      }
      return opts.searches.map((s, i) => ({
        key: `${s.country ?? opts.country ?? "us"}:${s.term}@${s.location ?? ""}#${i}`,
        index: i
      }))
    }),
  fetch: (unit, opts, ctx) => {
    const s = opts.searches![Number(unit.index)]
    const country = s.country ?? opts.country ?? "us"
    const id = secretValue(opts.app_id, "ADZUNA_APP_ID")!
    const key = secretValue(opts.app_key, "ADZUNA_APP_KEY")!
    const wanted = s.results_wanted ?? 100
    const perPage = Math.min(50, wanted)
    const maxPages = Math.ceil(wanted / perPage)
    return Stream.paginateChunkEffect(1, (page) =>
      Effect.gen(function* () {
        const q = new URLSearchParams({
          app_id: id,
          app_key: key,
          what: s.term,
          results_per_page: String(perPage),
          "content-type": "application/json"
        })
        if (s.location) q.set("where", s.location)
        if (s.hours_old) q.set("max_days_old", String(Math.max(1, Math.ceil(s.hours_old / 24))))
        const req = {
          url: `${ctx.baseUrl}/v1/api/jobs/${country}/search/${page}?${q}`,
          unit: `adzuna ${country} ${JSON.stringify(s.term)} page ${page}`
        }
        const body = yield* fetchJson(req, Page).pipe(Effect.mapError((e) => scrubSecrets(e, [id, key])))
        const jobs = yield* decodeEach(AdzunaJob, body.results, req.unit, ctx)
        const more = body.results.length >= perPage && page < maxPages && page * perPage < (body.count ?? Infinity)
        return [
          Chunk.fromIterable(jobs.map((j) => normalizeAdzunaJob(j, country))),
          more ? Option.some(page + 1) : Option.none()
        ] as const
      })
    ).pipe(Stream.take(wanted))
  },
  fixtures: [
    // The synthetic page answers the nurse search only (the tests' documented-fields case, the
    // predicted-salary flag); every other search gets the recorded response (4 IT jobs, count 29378).
    {
      path: "/v1/api/jobs/us/search/1",
      query: { what: "registered nurse" },
      file: "adzuna/synthetic-search-us-page1.json"
    },
    { path: "/v1/api/jobs/us/search/1", file: "adzuna/jobradar-us-search-it-jobs.json" }
  ],
  // Clearly fake credentials for the loopback replay server only (it ignores them; the live API would refuse
  // them): the demo runs the connector's code on the recorded response instead of reporting "needs key".
  replayOptions: {
    app_id: "fake-replay-only-app-id",
    app_key: "fake-replay-only-app-key",
    searches: [{ term: "software developer", results_wanted: 50 }]
  }
}
