import { Schema } from "effect"
import { fetchRecords } from "../decode.ts"
import { postingsStaging } from "../postings.ts"
import { htmlToText, isoDate } from "../text.ts"
import { tokenBoards, type BoardUnit, companyFromToken } from "../boards.ts"
import { departmentOf, employmentType, remoteMode } from "../normalize.ts"
import type { JobSource, Posting } from "../source.ts"
import { type GemOptions, gemDeclaration } from "./declaration.ts"

const Str = Schema.optional(Schema.NullOr(Schema.String))
const Named = Schema.Struct({ name: Str })

/** One post of Gem's job board API `GET /job_board/v0/{board}/job_posts/` (a bare array, Greenhouse-like fields). */
export const GemJobPost = Schema.Struct({
  id: Schema.String.pipe(Schema.minLength(1)),
  title: Schema.String.pipe(Schema.minLength(1)),
  absolute_url: Schema.String,
  location: Schema.optional(Schema.NullOr(Named)),
  departments: Schema.optional(Schema.NullOr(Schema.Array(Named))),
  content: Str,
  content_plain: Str,
  employment_type: Str,
  location_type: Str,
  first_published_at: Str,
  created_at: Str,
  updated_at: Str
})
export type GemJobPost = typeof GemJobPost.Type

export const normalizeGemPost = (board: BoardUnit, j: GemJobPost): Posting => {
  const location = j.location?.name ?? null
  return {
    source: "gem",
    source_id: `${board.token}:${j.id}`,
    board: board.token,
    url: j.absolute_url,
    apply_url: j.absolute_url,
    title: j.title.trim(),
    company: board.company ?? companyFromToken(board.token),
    company_domain: board.domain,
    location,
    // location_type is remote | hybrid | in_office: the specific answer when given.
    remote: remoteMode(j.location_type?.replace("in_office", "onsite") ?? null, location, j.title),
    posted_at: isoDate(j.first_published_at ?? j.created_at ?? null),
    updated_at: isoDate(j.updated_at ?? null),
    description_text: j.content_plain?.trim() || htmlToText(j.content ?? null),
    employment_type: employmentType(j.employment_type),
    department: departmentOf(j.departments?.[0]?.name ?? null, null),
    raw: j
  }
}

/** Gem job boards (`jobs.gem.com/{board}`): one unpaged list per board. */
export const gem: JobSource<GemOptions> = {
  ...gemDeclaration,
  defaultBaseUrl: "https://api.gem.com",
  hostLimits: { concurrency: 6, perSecond: 10 },
  output: postingsStaging,
  units: (opts, ctx) => tokenBoards("gem", opts.boards, ctx),
  fetch: (unit, _opts, ctx) => {
    const board = unit as BoardUnit
    return fetchRecords({
      req: {
        url: `${ctx.baseUrl}/job_board/v0/${encodeURIComponent(board.token)}/job_posts/`,
        unit: `gem board ${board.token}`
      },
      body: Schema.Array(Schema.Unknown),
      list: (b) => b,
      record: GemJobPost,
      normalize: (j) => normalizeGemPost(board, j),
      ctx
    })
  },
  // Synthetic: no Gem response is recorded; the token is a real board of stapply-ai's directory.
  fixtures: [{ path: "/job_board/v0/11x-ai/job_posts/", file: "gem/synthetic-11x-ai-board.json" }],
  replayOptions: { boards: ["11x-ai"] }
}
