import { Schema } from "effect"
import { fetchRecords } from "../decode.ts"
import { postingsStaging } from "../postings.ts"
import { tokenBoards, type BoardUnit, companyFromToken } from "../boards.ts"
import { departmentOf, remoteMode } from "../normalize.ts"
import type { JobSource, Posting } from "../source.ts"
import { type RipplingOptions, ripplingDeclaration } from "./declaration.ts"

const Label = Schema.optional(Schema.NullOr(Schema.Struct({ label: Schema.optional(Schema.NullOr(Schema.String)) })))

/** One job of Rippling's public board API `GET /platform/api/ats/v1/board/{slug}/jobs` (a bare array). */
export const RipplingJob = Schema.Struct({
  uuid: Schema.String.pipe(Schema.minLength(1)),
  name: Schema.String.pipe(Schema.minLength(1)),
  url: Schema.String,
  department: Label,
  workLocation: Label
})
export type RipplingJob = typeof RipplingJob.Type

export const normalizeRipplingJob = (board: BoardUnit, j: RipplingJob): Posting => {
  const location = j.workLocation?.label ?? null
  return {
    source: "rippling",
    source_id: `${board.token}:${j.uuid}`,
    board: board.token,
    url: j.url,
    apply_url: j.url,
    title: j.name.trim(),
    company: board.company ?? companyFromToken(board.token),
    company_domain: board.domain,
    location,
    remote: remoteMode(null, location, j.name),
    // The list endpoint carries neither a date nor a description; both are on the job page.
    posted_at: null,
    description_text: null,
    department: departmentOf(j.department?.label ?? null, null),
    raw: j
  }
}

/** Rippling ATS boards (`ats.rippling.com/{slug}/jobs`): one unpaged list per board. */
export const rippling: JobSource<RipplingOptions> = {
  ...ripplingDeclaration,
  defaultBaseUrl: "https://api.rippling.com",
  hostLimits: { concurrency: 6, perSecond: 10 },
  output: postingsStaging,
  units: (opts, ctx) => tokenBoards("rippling", opts.boards, ctx),
  fetch: (unit, _opts, ctx) => {
    const board = unit as BoardUnit
    return fetchRecords({
      req: {
        url: `${ctx.baseUrl}/platform/api/ats/v1/board/${encodeURIComponent(board.token)}/jobs`,
        unit: `rippling board ${board.token}`
      },
      body: Schema.Array(Schema.Unknown),
      list: (b) => b,
      record: RipplingJob,
      normalize: (j) => normalizeRipplingJob(board, j),
      ctx
    })
  },
  // Synthetic: no Rippling response is recorded; the slug is a real board of stapply-ai's directory.
  fixtures: [{ path: "/platform/api/ats/v1/board/1x/jobs", file: "rippling/synthetic-1x-board.json" }],
  replayOptions: { boards: ["1x"] }
}
