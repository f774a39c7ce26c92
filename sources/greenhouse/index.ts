import { Effect, Schema, Stream } from "effect"
import { Fatal } from "../../pipelines/errors.ts"
import { fetchJson } from "../http.ts"
import { decodeEach } from "../decode.ts"
import { baseSourceOptions, BoardList } from "../options.ts"
import { postingsStaging } from "../postings.ts"
import { htmlToText, isoDate, remoteFromText } from "../text.ts"
import type { JobSource, Posting } from "../source.ts"
import { GreenhouseBoardResponse, GreenhouseJob } from "./schema.ts"
import { greenhouseFixtures } from "./fixtures.ts"

export const GreenhouseOptions = Schema.Struct({
  ...baseSourceOptions,
  boards: Schema.optional(BoardList)
})
export type GreenhouseOptions = typeof GreenhouseOptions.Type

export const normalizeGreenhouseJob = (token: string, j: GreenhouseJob): Posting => {
  const location = j.location?.name ?? null
  const department = j.departments?.map((d) => d.name).filter(Boolean).join(" / ") || null
  return {
    source: "greenhouse",
    source_id: `${token}:${j.id}`,
    board: token,
    url: j.absolute_url,
    apply_url: j.absolute_url,
    title: j.title.trim(),
    company: j.company_name ?? token,
    location,
    remote: remoteFromText(location, ...(j.offices ?? []).map((o) => o.name)),
    posted_at: isoDate(j.first_published ?? null),
    updated_at: isoDate(j.updated_at ?? null),
    description_text: htmlToText(j.content ?? null),
    department,
    raw: j
  }
}

/** Greenhouse job board API: `GET /v1/boards/{token}/jobs?content=true`, one board per unit. */
export const greenhouse: JobSource<GreenhouseOptions> = {
  kind: "greenhouse",
  description: "Greenhouse job boards (public board API)",
  defaultBaseUrl: "https://boards-api.greenhouse.io",
  options: GreenhouseOptions,
  hostLimits: { concurrency: 16, perSecond: 20 },
  output: postingsStaging,
  timeDimension: "posted_at",
  units: (opts) =>
    opts.boards && opts.boards.length > 0
      ? Effect.succeed(opts.boards.map((token) => ({ key: token, token })))
      : Effect.fail(new Fatal({ reason: "Config", message: "greenhouse needs with.boards: a list of board tokens (e.g. [gitlab, stripe])" })),
  fetch: (unit, _opts, ctx) => {
    const token = String(unit.token)
    const req = { url: `${ctx.baseUrl}/v1/boards/${encodeURIComponent(token)}/jobs?content=true`, unit: `greenhouse board ${token}` }
    return Stream.fromIterableEffect(
      Effect.gen(function* () {
        const body = yield* fetchJson(req, GreenhouseBoardResponse)
        const jobs = yield* decodeEach(GreenhouseJob, body.jobs, req.unit, ctx)
        return jobs.map((j) => normalizeGreenhouseJob(token, j))
      })
    )
  },
  fixtures: greenhouseFixtures,
  replayOptions: { boards: ["gitlab", "stripe", "gongio", "generalassembly"] }
}
