import { Effect, Schema } from "effect"
import { fetchRecords } from "../decode.ts"
import { postingsStaging } from "../postings.ts"
import { decodeHTML, htmlToText, isoDate } from "../text.ts"
import { salaryPeriod } from "../jobboards/common.ts"
import type { JobSource, Posting } from "../source.ts"
import { type JobicyOptions, jobicyDeclaration } from "./declaration.ts"

const Strings = Schema.Union(Schema.Array(Schema.String), Schema.String)

export const JobicyJob = Schema.Struct({
  id: Schema.Number,
  url: Schema.String,
  jobTitle: Schema.String.pipe(Schema.minLength(1)),
  companyName: Schema.String,
  jobIndustry: Schema.optional(Schema.NullOr(Strings)),
  jobType: Schema.optional(Schema.NullOr(Strings)),
  jobGeo: Schema.optional(Schema.NullOr(Schema.String)),
  jobLevel: Schema.optional(Schema.NullOr(Schema.String)),
  jobDescription: Schema.optional(Schema.NullOr(Schema.String)),
  pubDate: Schema.optional(Schema.NullOr(Schema.String)),
  salaryMin: Schema.optional(Schema.NullOr(Schema.Number)),
  salaryMax: Schema.optional(Schema.NullOr(Schema.Number)),
  salaryCurrency: Schema.optional(Schema.NullOr(Schema.String)),
  salaryPeriod: Schema.optional(Schema.NullOr(Schema.String))
})
export type JobicyJob = typeof JobicyJob.Type

const Envelope = Schema.Struct({ jobs: Schema.Array(Schema.Unknown) })

const list = (v: string | ReadonlyArray<string> | null | undefined) =>
  (v == null ? [] : typeof v === "string" ? [v] : [...v]).map((s) => decodeHTML(s))

export const normalizeJobicyJob = (j: JobicyJob): Posting => ({
  source: "jobicy",
  source_id: String(j.id),
  board: "jobicy",
  url: j.url,
  title: decodeHTML(j.jobTitle).trim(),
  company: decodeHTML(j.companyName).trim(),
  location: j.jobGeo?.trim() || null,
  remote: "remote",
  posted_at: isoDate(j.pubDate ?? null),
  description_text: htmlToText(j.jobDescription ?? null),
  salary_min: j.salaryMin ?? null,
  salary_max: j.salaryMax ?? null,
  salary_currency: j.salaryCurrency ?? null,
  salary_period: salaryPeriod(j.salaryPeriod),
  employment_type: list(j.jobType).join(", ") || null,
  department: list(j.jobIndustry).join(" / ") || null,
  tags: j.jobLevel ? [j.jobLevel] : [],
  raw: { ...j, jobDescription: undefined }
})

/** Jobicy remote-jobs API: `GET /api/v2/remote-jobs?count=&geo=&industry=&tag=` (one page per query). */
export const jobicy: JobSource<JobicyOptions> = {
  ...jobicyDeclaration,
  defaultBaseUrl: "https://jobicy.com",
  hostLimits: { concurrency: 1, perSecond: 0.5 },
  output: postingsStaging,
  units: (opts) =>
    Effect.succeed(
      opts.tags && opts.tags.length > 0 ? opts.tags.map((tag) => ({ key: `tag:${tag}`, tag })) : [{ key: "latest" }]
    ),
  fetch: (unit, opts, ctx) => {
    const q = new URLSearchParams({ count: String(opts.count ?? 50) })
    if (opts.geo) q.set("geo", opts.geo)
    if (opts.industry) q.set("industry", opts.industry)
    if (unit.tag) q.set("tag", String(unit.tag))
    const req = { url: `${ctx.baseUrl}/api/v2/remote-jobs?${q}`, unit: `jobicy ${unit.key}` }
    return fetchRecords({
      req,
      body: Envelope,
      list: (b) => b.jobs,
      record: JobicyJob,
      normalize: normalizeJobicyJob,
      ctx
    })
  },
  fixtures: [{ path: "/api/v2/remote-jobs", file: "jobicy/jobsearchaggregator-remote-jobs.json" }],
  replayOptions: {}
}
