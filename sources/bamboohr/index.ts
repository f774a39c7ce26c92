import { Schema } from "effect"
import { fetchRecords } from "../decode.ts"
import { hostRouted } from "../http.ts"
import { postingsStaging } from "../postings.ts"
import { tokenBoards, type BoardUnit, companyFromToken } from "../boards.ts"
import { departmentOf, employmentType, remoteMode } from "../normalize.ts"
import type { JobSource, Posting } from "../source.ts"
import { type BambooHROptions, bamboohrDeclaration } from "./declaration.ts"

const Str = Schema.optional(Schema.NullOr(Schema.String))
const Place = Schema.optional(Schema.NullOr(Schema.Struct({ city: Str, state: Str, country: Str })))

/** One opening of BambooHR's careers list `GET https://{company}.bamboohr.com/careers/list` → `{ result: [...] }`. */
export const BambooJob = Schema.Struct({
  id: Schema.Union(Schema.String, Schema.Number),
  jobOpeningName: Schema.String.pipe(Schema.minLength(1)),
  departmentLabel: Str,
  employmentStatusLabel: Str,
  location: Place,
  atsLocation: Place,
  isRemote: Schema.optional(Schema.NullOr(Schema.Boolean)),
  locationType: Str
})
export type BambooJob = typeof BambooJob.Type

const host = (token: string) => `${token}.bamboohr.com`

// locationType: "0" on site, "1" remote, "2" hybrid (the careers page's own filter values).
const MODES: Record<string, string> = { "0": "onsite", "1": "remote", "2": "hybrid" }

export const normalizeBambooJob = (board: BoardUnit, j: BambooJob): Posting => {
  const p = j.atsLocation ?? j.location
  const parts = [p?.city, p?.state, p?.country].filter((s): s is string => !!s)
  const location = parts.length > 0 ? parts.join(", ") : null
  const url = `https://${host(board.token)}/careers/${j.id}`
  const mode = j.locationType ? MODES[j.locationType] : j.isRemote ? "remote" : null
  return {
    source: "bamboohr",
    source_id: `${board.token}:${j.id}`,
    board: board.token,
    url,
    apply_url: url,
    title: j.jobOpeningName.trim(),
    company: board.company ?? companyFromToken(board.token),
    company_domain: board.domain,
    location,
    remote: remoteMode(mode ?? null, location, j.jobOpeningName),
    // The list carries neither a date nor a description; both are on /careers/{id}/detail.
    posted_at: null,
    description_text: null,
    employment_type: employmentType(j.employmentStatusLabel),
    department: departmentOf(j.departmentLabel ?? null, null),
    raw: j
  }
}

/**
 * BambooHR careers sites: each company on its own host. Under a base_url the host becomes the first path
 * segment (`{base}/{company}.bamboohr.com/careers/list`), as for Workday, so the per-host limiter still sees it.
 */
export const bamboohr: JobSource<BambooHROptions> = {
  ...bamboohrDeclaration,
  defaultBaseUrl: "https://bamboohr.com",
  hostLimits: { concurrency: 6, perSecond: 10 },
  output: postingsStaging,
  units: (opts, ctx) => tokenBoards("bamboohr", opts.boards, ctx),
  fetch: (unit, opts, ctx) => {
    const board = unit as BoardUnit
    const h = host(board.token)
    const root = opts.base_url ? `${hostRouted(ctx.baseUrl, h)}/${h}` : `https://${h}`
    return fetchRecords({
      req: { url: `${root}/careers/list`, unit: `bamboohr site ${board.token}` },
      body: Schema.Struct({ result: Schema.Array(Schema.Unknown) }),
      list: (b) => b.result,
      record: BambooJob,
      normalize: (j) => normalizeBambooJob(board, j),
      ctx
    })
  },
  // Synthetic: no BambooHR response is recorded; the company is a real site of feashliaa's directory.
  fixtures: [{ path: "/1010games.bamboohr.com/careers/list", file: "bamboohr/synthetic-1010games-careers.json" }],
  replayOptions: { boards: ["1010games"] }
}
