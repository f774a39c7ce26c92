import { fetchRecords } from "../decode.ts"
import { postingsStaging } from "../postings.ts"
import { htmlToText, isoDate } from "../text.ts"
import { tokenBoards, type BoardUnit, companyFromToken } from "../boards.ts"
import { employmentType, joinLocation, remoteMode } from "../normalize.ts"
import type { JobSource, Posting } from "../source.ts"
import { WorkableAccount, WorkableJob } from "./schema.ts"
import { type WorkableOptions, workableDeclaration } from "./declaration.ts"

const locationOf = (j: WorkableJob) => {
  const shown = (j.locations ?? [])
    .filter((l) => !l.hidden)
    .map((l) => joinLocation(l.city, l.region, l.country))
    .filter((l): l is string => !!l)
  return shown.length > 0 ? [...new Set(shown)].join(" / ") : joinLocation(j.city, j.state, j.country)
}

export const normalizeWorkableJob = (board: BoardUnit, accountName: string | null, j: WorkableJob): Posting => {
  const location = locationOf(j)
  return {
    source: "workable",
    source_id: `${board.token}:${j.shortcode}`,
    board: board.token,
    url: j.url,
    apply_url: j.application_url ?? j.url,
    title: j.title.trim(),
    company: board.company ?? accountName ?? companyFromToken(board.token),
    company_domain: board.domain,
    location,
    // `telecommuting: false` says "not remote", not "on site": hybrid roles say so in text if at all.
    remote: j.telecommuting ? "remote" : remoteMode(null, j.title, location),
    posted_at: isoDate(j.published_on ?? j.created_at ?? null),
    description_text: htmlToText(j.description ?? null),
    employment_type: employmentType(j.employment_type),
    department: j.department || null,
    raw: j
  }
}

/** Workable widget API: `GET /api/v1/widget/accounts/{account}?details=true`, one account per unit. */
export const workable: JobSource<WorkableOptions> = {
  ...workableDeclaration,
  defaultBaseUrl: "https://apply.workable.com",
  hostLimits: { concurrency: 8, perSecond: 10 },
  output: postingsStaging,
  units: (opts, ctx) => tokenBoards("workable", opts.boards, ctx),
  fetch: (unit, _opts, ctx) => {
    const board = unit as BoardUnit
    const req = {
      url: `${ctx.baseUrl}/api/v1/widget/accounts/${encodeURIComponent(board.token)}?details=true`,
      unit: `workable account ${board.token}`
    }
    return fetchRecords({
      req,
      body: WorkableAccount,
      list: (b) => b.jobs,
      record: WorkableJob,
      normalize: (j, b) => normalizeWorkableJob(board, b.name ?? null, j),
      ctx
    })
  },
  fixtures: [{ path: "/api/v1/widget/accounts/crewai", file: "workable/candidatezero-crewai-account.json" }],
  replayOptions: { boards: ["crewai"] }
}
