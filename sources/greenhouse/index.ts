import { Effect } from "effect"
import { fetchJson } from "../http.ts"
import { decodeEach } from "../decode.ts"
import { detailOrNull } from "../detail.ts"
import { postingsStaging } from "../postings.ts"
import { htmlToText, isoDate, remoteFromText } from "../text.ts"
import { tokenBoards, type BoardUnit, companyFromToken } from "../boards.ts"
import { employmentType, salary } from "../normalize.ts"
import type { JobSource, Posting } from "../source.ts"
import { GreenhouseBoardResponse, GreenhouseJob, type GreenhouseMetadata } from "./schema.ts"
import { greenhouseFixtures } from "./fixtures.ts"
import { type GreenhouseOptions, greenhouseDeclaration } from "./declaration.ts"

const metaString = (meta: ReadonlyArray<GreenhouseMetadata>, name: RegExp) => {
  const m = meta.find((f) => name.test(f.name) && typeof f.value === "string" && f.value.trim() !== "")
  return m ? String(m.value) : null
}

/** A `currency_range` custom field (`{min_value, max_value, unit}`), the way boards publish pay. */
const metaSalary = (meta: ReadonlyArray<GreenhouseMetadata>) => {
  const f = meta.find((m) => m.value_type === "currency_range" && m.value && typeof m.value === "object")
  if (!f) return {}
  const v = f.value as { min_value?: unknown; max_value?: unknown; unit?: unknown }
  const num = (x: unknown) => (x == null || x === "" || Number.isNaN(Number(x)) ? null : Number(x))
  const period = /hour/i.test(f.name) ? "hour" : /month/i.test(f.name) ? "month" : "year"
  return salary(num(v.min_value), num(v.max_value), typeof v.unit === "string" ? v.unit : null, period)
}

export const normalizeGreenhouseJob = (board: BoardUnit | string, j: GreenhouseJob): Posting => {
  const b: BoardUnit = typeof board === "string" ? { key: board, token: board, company: null, domain: null } : board
  const offices = (j.offices ?? []).map((o) => o.name).filter(Boolean)
  const location = j.location?.name || (offices.length > 0 ? offices.join(" / ") : null)
  const department =
    j.departments
      ?.map((d) => d.name)
      .filter(Boolean)
      .join(" / ") || null
  const meta = j.metadata ?? []
  return {
    source: "greenhouse",
    source_id: `${b.token}:${j.id}`,
    board: b.token,
    url: j.absolute_url,
    apply_url: j.absolute_url,
    title: j.title.trim(),
    company: b.company ?? j.company_name ?? companyFromToken(b.token),
    company_domain: b.domain,
    location,
    remote: remoteFromText(location, ...offices, metaString(meta, /workplace|remote|location type/i)),
    posted_at: isoDate(j.first_published ?? null),
    updated_at: isoDate(j.updated_at ?? null),
    description_text: htmlToText(j.content ?? null),
    ...metaSalary(meta),
    employment_type: employmentType(metaString(meta, /employment type|time type|job type|employee type/i)),
    department,
    raw: j
  }
}

/**
 * Greenhouse job board API: `GET /v1/boards/{token}/jobs?content=true`, one board per unit; a job
 * served without content gets `GET /v1/boards/{token}/jobs/{id}`, and if that fails it is kept
 * without a description (counted in source_errors).
 */
export const greenhouse: JobSource<GreenhouseOptions> = {
  ...greenhouseDeclaration,
  defaultBaseUrl: "https://boards-api.greenhouse.io",
  hostLimits: { concurrency: 16, perSecond: 20 },
  output: postingsStaging,
  units: (opts, ctx) => tokenBoards("greenhouse", opts.boards, ctx),
  fetch: (unit, opts, ctx) => {
    const board = unit as BoardUnit
    const root = `${ctx.baseUrl}/v1/boards/${encodeURIComponent(board.token)}/jobs`
    const label = `greenhouse board ${board.token}`
    const withDetail = (j: GreenhouseJob) =>
      j.content != null || opts.details === false
        ? Effect.succeed(j)
        : detailOrNull(
            fetchJson({ url: `${root}/${j.id}`, unit: label }, GreenhouseJob),
            `${label} job ${j.id}`,
            label,
            ctx
          ).pipe(Effect.map((d) => (d ? { ...j, ...d } : j)))
    return Effect.gen(function* () {
      const body = yield* fetchJson({ url: `${root}?content=true`, unit: label }, GreenhouseBoardResponse)
      const jobs = yield* decodeEach(GreenhouseJob, body.jobs, label, ctx)
      // Concurrent detail fetches only when some are needed: forking per job costs more than a board's fetch.
      const full =
        opts.details === false || jobs.every((j) => j.content != null)
          ? jobs
          : yield* Effect.forEach(jobs, withDetail, { concurrency: 4 })
      return full.map((j) => normalizeGreenhouseJob(board, j))
    })
  },
  fixtures: greenhouseFixtures,
  // The recorded single-job detail (stripe 8026689) is not in the recorded stripe listing, so replay reads listings only; test/ats-sources.test.ts covers the detail.
  replayOptions: { boards: ["gitlab", "stripe", "gongio", "anthropic", "generalassembly"], details: false }
}
