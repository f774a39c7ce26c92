import { Effect, Schema } from "effect"
import { fetchRecords } from "../decode.ts"
import { postingsStaging } from "../postings.ts"
import { htmlToText, isoDate } from "../text.ts"
import { parseSalaryText } from "../jobboards/common.ts"
import type { JobSource, Posting } from "../source.ts"
import { type RemotiveOptions, remotiveDeclaration } from "./declaration.ts"

export const RemotiveJob = Schema.Struct({
  id: Schema.Number,
  url: Schema.String,
  title: Schema.String.pipe(Schema.minLength(1)),
  company_name: Schema.String,
  category: Schema.optional(Schema.NullOr(Schema.String)),
  tags: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  job_type: Schema.optional(Schema.NullOr(Schema.String)),
  publication_date: Schema.optional(Schema.NullOr(Schema.String)),
  candidate_required_location: Schema.optional(Schema.NullOr(Schema.String)),
  salary: Schema.optional(Schema.NullOr(Schema.String)),
  description: Schema.optional(Schema.NullOr(Schema.String))
})
export type RemotiveJob = typeof RemotiveJob.Type

const Envelope = Schema.Struct({ jobs: Schema.Array(Schema.Unknown) })

export const normalizeRemotiveJob = (j: RemotiveJob): Posting => ({
  source: "remotive",
  source_id: String(j.id),
  board: "remotive",
  url: j.url,
  apply_url: null,
  title: j.title.trim(),
  company: j.company_name.trim(),
  location: j.candidate_required_location?.trim() || null,
  // Remotive lists remote jobs only; the location is where candidates may live.
  remote: "remote",
  // Remotive's timestamps carry no zone; they are UTC.
  posted_at: isoDate(
    j.publication_date
      ? /[zZ]|[+-]\d\d:?\d\d$/.test(j.publication_date)
        ? j.publication_date
        : j.publication_date + "Z"
      : null
  ),
  description_text: htmlToText(j.description ?? null),
  ...parseSalaryText(j.salary),
  employment_type: j.job_type || null,
  department: j.category ?? null,
  tags: [...(j.tags ?? [])].map((t) => t.trim()).filter(Boolean),
  raw: { ...j, description: undefined }
})

/** Remotive public API: `GET /api/remote-jobs` (remote jobs; their terms ask for a link back and few calls a day). */
export const remotive: JobSource<RemotiveOptions> = {
  ...remotiveDeclaration,
  defaultBaseUrl: "https://remotive.com",
  hostLimits: { concurrency: 1, perSecond: 0.5 },
  output: postingsStaging,
  units: (opts) =>
    Effect.succeed(
      opts.searches && opts.searches.length > 0
        ? opts.searches.map((search) => ({ key: `search:${search}`, search }))
        : [{ key: opts.category ? `category:${opts.category}` : "all" }]
    ),
  fetch: (unit, opts, ctx) => {
    const q = new URLSearchParams()
    if (unit.search) q.set("search", String(unit.search))
    if (opts.category) q.set("category", opts.category)
    if (opts.limit) q.set("limit", String(opts.limit))
    const qs = q.toString()
    const req = { url: `${ctx.baseUrl}/api/remote-jobs${qs ? "?" + qs : ""}`, unit: `remotive ${unit.key}` }
    return fetchRecords({
      req,
      body: Envelope,
      list: (b) => b.jobs,
      record: RemotiveJob,
      normalize: normalizeRemotiveJob,
      ctx
    })
  },
  fixtures: [{ path: "/api/remote-jobs", file: "remotive/jobsearchaggregator-remote-jobs.json" }],
  replayOptions: {}
}
