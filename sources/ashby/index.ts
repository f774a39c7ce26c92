import { fetchRecords } from "../decode.ts"
import { postingsStaging } from "../postings.ts"
import { htmlToText, isoDate } from "../text.ts"
import { tokenBoards, type BoardUnit, companyFromToken } from "../boards.ts"
import { departmentOf, employmentType, remoteMode, salary } from "../normalize.ts"
import type { JobSource, Posting } from "../source.ts"
import { AshbyBoardResponse, AshbyJob } from "./schema.ts"
import { ashbyFixtures } from "./fixtures.ts"
import { type AshbyOptions, ashbyDeclaration } from "./declaration.ts"

/** The salary component of the compensation summary (equity and bonus components are left in `raw`). */
const salaryOf = (j: AshbyJob) => {
  const comps =
    j.compensation?.summaryComponents ?? j.compensation?.compensationTiers?.flatMap((t) => t.components ?? []) ?? []
  const s = comps.find((c) => c.compensationType === "Salary" && (c.minValue != null || c.maxValue != null))
  return s ? salary(s.minValue, s.maxValue, s.currencyCode, s.interval) : {}
}

export const normalizeAshbyJob = (board: BoardUnit, j: AshbyJob): Posting => {
  const locations = [j.location, ...(j.secondaryLocations ?? []).map((l) => l.location)].filter((l): l is string => !!l)
  const location = locations.length > 0 ? locations.join(" / ") : null
  // workplaceType is the specific answer; isRemote only says remote work is possible somewhere.
  const remote = j.workplaceType ? remoteMode(j.workplaceType) : j.isRemote ? "remote" : remoteMode(null, location)
  return {
    source: "ashby",
    source_id: `${board.token}:${j.id}`,
    board: board.token,
    url: j.jobUrl,
    apply_url: j.applyUrl ?? j.jobUrl,
    title: j.title.trim(),
    company: board.company ?? companyFromToken(board.token),
    company_domain: board.domain,
    location,
    remote,
    posted_at: isoDate(j.publishedAt ?? null),
    description_text: j.descriptionPlain?.trim() || htmlToText(j.descriptionHtml ?? null),
    ...salaryOf(j),
    employment_type: employmentType(j.employmentType),
    department: departmentOf(j.department, j.team),
    // Kept, not dropped: an unlisted job is still open to anyone with the link.
    tags: j.isListed === false ? ["unlisted"] : [],
    raw: j
  }
}

/** Ashby job board API: `GET /posting-api/job-board/{name}?includeCompensation=true`, one board per unit. */
export const ashby: JobSource<AshbyOptions> = {
  ...ashbyDeclaration,
  defaultBaseUrl: "https://api.ashbyhq.com",
  hostLimits: { concurrency: 16, perSecond: 20 },
  output: postingsStaging,
  units: (opts, ctx) => tokenBoards("ashby", opts.boards, ctx),
  fetch: (unit, _opts, ctx) => {
    const board = unit as BoardUnit
    const req = {
      url: `${ctx.baseUrl}/posting-api/job-board/${encodeURIComponent(board.token)}?includeCompensation=true`,
      unit: `ashby board ${board.token}`
    }
    return fetchRecords({
      req,
      body: AshbyBoardResponse,
      list: (b) => b.jobs,
      record: AshbyJob,
      normalize: (j) => normalizeAshbyJob(board, j),
      ctx
    })
  },
  fixtures: ashbyFixtures,
  replayOptions: { boards: ["ramp", "wealth-com", "notion"] }
}
