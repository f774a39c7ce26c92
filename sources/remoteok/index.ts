import { Effect, Schema } from "effect"
import { fetchJson } from "../http.ts"
import { decodeEach } from "../decode.ts"
import { postingsStaging } from "../postings.ts"
import { htmlToText, isoDate } from "../text.ts"
import type { JobSource, Posting } from "../source.ts"
import { type RemoteOkOptions, remoteokDeclaration } from "./declaration.ts"

const Num = Schema.Union(Schema.Number, Schema.NumberFromString)

export const RemoteOkJob = Schema.Struct({
  id: Schema.Union(Schema.String, Schema.Number),
  slug: Schema.optional(Schema.String),
  epoch: Schema.optional(Num),
  date: Schema.optional(Schema.NullOr(Schema.String)),
  company: Schema.String,
  position: Schema.String.pipe(Schema.minLength(1)),
  tags: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  description: Schema.optional(Schema.NullOr(Schema.String)),
  location: Schema.optional(Schema.NullOr(Schema.String)),
  apply_url: Schema.optional(Schema.NullOr(Schema.String)),
  salary_min: Schema.optional(Schema.NullOr(Num)),
  salary_max: Schema.optional(Schema.NullOr(Num)),
  url: Schema.String
})
export type RemoteOkJob = typeof RemoteOkJob.Type

/** What Remote OK's API terms ask of anyone showing its jobs; kept on every posting (raw.attribution). */
export interface RemoteOkAttribution {
  readonly source: "Remote OK"
  readonly link: string
  readonly terms: string
}

export const REMOTEOK_TERMS_FALLBACK =
  "Remote OK API terms: link back (followed, no nofollow) to the job's URL on Remote OK and mention Remote OK as the source."

const positive = (n: number | null | undefined) => (n != null && n > 0 ? n : null)

export const normalizeRemoteOkJob = (j: RemoteOkJob, terms: string): Posting => {
  const attribution: RemoteOkAttribution = { source: "Remote OK", link: j.url, terms }
  return {
    source: "remoteok",
    source_id: String(j.id),
    board: "remoteok",
    // The Remote OK URL is the link back its terms require; it stays the posting's url.
    url: j.url,
    apply_url: j.apply_url && j.apply_url !== j.url ? j.apply_url : null,
    title: j.position.trim(),
    company: j.company.trim(),
    location: j.location?.trim().replace(/,\s*$/, "") || null,
    remote: "remote",
    posted_at: isoDate(j.date ?? j.epoch ?? null),
    description_text: htmlToText(j.description ?? null),
    salary_min: positive(j.salary_min),
    salary_max: positive(j.salary_max),
    salary_currency: positive(j.salary_min) || positive(j.salary_max) ? "USD" : null,
    salary_period: positive(j.salary_min) || positive(j.salary_max) ? "year" : null,
    tags: [...(j.tags ?? [])],
    raw: { ...j, description: undefined, attribution }
  }
}

/**
 * Remote OK API: `GET /api`. Element 0 of the array is the legal notice, not a job: its terms travel
 * with every posting as `raw.attribution` and the README's source row.
 */
export const remoteok: JobSource<RemoteOkOptions> = {
  ...remoteokDeclaration,
  defaultBaseUrl: "https://remoteok.com",
  hostLimits: { concurrency: 1, perSecond: 0.5 },
  output: postingsStaging,
  units: (opts) =>
    Effect.succeed(
      opts.tags && opts.tags.length > 0 ? opts.tags.map((tag) => ({ key: `tag:${tag}`, tag })) : [{ key: "all" }]
    ),
  fetch: (unit, _opts, ctx) => {
    const req = {
      url: `${ctx.baseUrl}/api${unit.tag ? `?tag=${encodeURIComponent(String(unit.tag))}` : ""}`,
      unit: `remoteok ${unit.key}`
    }
    return Effect.gen(function* () {
      const body = yield* fetchJson(req, Schema.Array(Schema.Unknown))
      const head = body[0] as { legal?: unknown } | undefined
      const hasNotice =
        head !== undefined && typeof head === "object" && head !== null && typeof head.legal === "string"
      if (!hasNotice)
        yield* ctx.log(`${req.unit}: element 0 is not the legal notice; using the known terms for attribution`)
      const terms = hasNotice ? String(head!.legal) : REMOTEOK_TERMS_FALLBACK
      const jobs = yield* decodeEach(RemoteOkJob, hasNotice ? body.slice(1) : body, req.unit, ctx)
      return jobs.map((j) => normalizeRemoteOkJob(j, terms))
    })
  },
  fixtures: [{ path: "/api", file: "remoteok/breteai-remoteok-api.json" }],
  replayOptions: {}
}
