import { Chunk, Effect, Option, Schema, Stream } from "effect"
import { fetchJson } from "../http.ts"
import { decodeEach } from "../decode.ts"
import { postingsStaging } from "../postings.ts"
import { htmlToText, isoDate, remoteFromText } from "../text.ts"
import { rebase } from "../jobboards/common.ts"
import type { JobSource, Posting } from "../source.ts"
import { type ArbeitnowOptions, arbeitnowDeclaration } from "./declaration.ts"

export const ArbeitnowJob = Schema.Struct({
  slug: Schema.String.pipe(Schema.minLength(1)),
  company_name: Schema.String,
  title: Schema.String.pipe(Schema.minLength(1)),
  description: Schema.optional(Schema.NullOr(Schema.String)),
  remote: Schema.optional(Schema.NullOr(Schema.Boolean)),
  url: Schema.String,
  tags: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  job_types: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  location: Schema.optional(Schema.NullOr(Schema.String)),
  created_at: Schema.optional(Schema.NullOr(Schema.Number))
})
export type ArbeitnowJob = typeof ArbeitnowJob.Type

const Page = Schema.Struct({
  data: Schema.Array(Schema.Unknown),
  links: Schema.optional(Schema.NullOr(Schema.Struct({ next: Schema.optional(Schema.NullOr(Schema.String)) })))
})

export const normalizeArbeitnowJob = (j: ArbeitnowJob): Posting => ({
  source: "arbeitnow",
  source_id: j.slug,
  board: "arbeitnow",
  url: j.url,
  title: j.title.trim(),
  company: j.company_name.trim(),
  location: j.location?.trim() || null,
  // `remote: false` says "not flagged remote", not "onsite": the text decides, else unknown.
  remote: j.remote ? "remote" : remoteFromText(j.location, j.title),
  posted_at: isoDate(j.created_at ?? null),
  description_text: htmlToText(j.description ?? null),
  employment_type: j.job_types && j.job_types.length > 0 ? j.job_types.join(", ") : null,
  tags: [...(j.tags ?? [])],
  raw: { ...j, description: undefined }
})

/** Arbeitnow job-board API: `GET /api/job-board-api`, paged by `links.next` (bounded by `max_pages`). */
export const arbeitnow: JobSource<ArbeitnowOptions> = {
  ...arbeitnowDeclaration,
  defaultBaseUrl: "https://www.arbeitnow.com",
  hostLimits: { concurrency: 1, perSecond: 1 },
  output: postingsStaging,
  units: () => Effect.succeed([{ key: "all" }]),
  fetch: (_unit, opts, ctx) => {
    const maxPages = opts.max_pages ?? 10
    const first = `${ctx.baseUrl}/api/job-board-api`
    const seen = new Set<string>()
    const seenJobs = new Set<string>()
    return Stream.paginateChunkEffect({ url: first, page: 1 }, ({ url, page }) =>
      Effect.gen(function* () {
        const req = { url, unit: `arbeitnow page ${page}` }
        const body = yield* fetchJson(req, Page)
        const jobs = yield* decodeEach(ArbeitnowJob, body.data, req.unit, ctx)
        seen.add(url)
        // A page of only already-read jobs means the links went in a circle: stop, emit nothing twice.
        const fresh = jobs.filter((j) => !seenJobs.has(j.slug))
        fresh.forEach((j) => seenJobs.add(j.slug))
        if (jobs.length > 0 && fresh.length === 0)
          yield* ctx.log(`arbeitnow: page ${page} repeats jobs already read; paging stopped`)
        const next = body.links?.next ? rebase(body.links.next, ctx.baseUrl) : null
        if (next && page >= maxPages)
          yield* ctx.log(`arbeitnow: stopped after max_pages=${maxPages}; more pages remain`)
        const more = next && !seen.has(next) && page < maxPages && fresh.length > 0
        return [
          Chunk.fromIterable(fresh.map(normalizeArbeitnowJob)),
          more ? Option.some({ url: next!, page: page + 1 }) : Option.none()
        ] as const
      })
    )
  },
  fixtures: [{ path: "/api/job-board-api", file: "arbeitnow/breteai-job-board-api.json" }],
  replayOptions: {}
}
