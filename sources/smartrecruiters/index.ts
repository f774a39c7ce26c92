import { Effect, Stream } from "effect"
import { fetchJson } from "../http.ts"
import { decodeEach } from "../decode.ts"
import { detailOrNull } from "../detail.ts"
import { postingsStaging } from "../postings.ts"
import { htmlToText, isoDate } from "../text.ts"
import { tokenBoards, type BoardUnit, companyFromToken } from "../boards.ts"
import { offsetPaged } from "../paging.ts"
import { employmentType, remoteMode, salary } from "../normalize.ts"
import { type JobSource, type Posting, unitStream } from "../source.ts"
import { SmartRecruitersDetail, SmartRecruitersPage, SmartRecruitersPosting } from "./schema.ts"
import { smartRecruitersFixtures } from "./fixtures.ts"
import { type SmartRecruitersOptions, smartrecruitersDeclaration } from "./declaration.ts"

const sectionsText = (d: SmartRecruitersDetail | null) => {
  const s = d?.jobAd?.sections
  if (!s) return null
  const parts = [s.companyDescription, s.jobDescription, s.qualifications, s.additionalInformation]
    .map((sec) => {
      const body = htmlToText(sec?.text ?? null)
      return body ? (sec?.title ? `${sec.title}\n${body}` : body) : null
    })
    .filter(Boolean)
  return parts.length > 0 ? parts.join("\n\n") : null
}

export const normalizeSmartRecruitersPosting = (
  board: BoardUnit,
  p: SmartRecruitersPosting,
  d: SmartRecruitersDetail | null
): Posting => {
  const loc = p.location ?? {}
  const location = loc.fullLocation?.replace(/,\s*,/g, ",") ?? null
  // Both flags present and false is SmartRecruiters saying "on site", not silence.
  const remote = loc.remote
    ? "remote"
    : loc.hybrid
      ? "hybrid"
      : loc.remote === false && loc.hybrid === false
        ? "onsite"
        : remoteMode(null, location, p.name)
  const url =
    d?.postingUrl ??
    `https://jobs.smartrecruiters.com/${encodeURIComponent(p.company?.identifier ?? board.token)}/${p.id}`
  const c = d?.compensation
  return {
    source: "smartrecruiters",
    source_id: `${board.token}:${p.id}`,
    board: board.token,
    url,
    apply_url: d?.applyUrl ?? url,
    title: p.name.trim(),
    company: board.company ?? p.company?.name ?? companyFromToken(board.token),
    company_domain: board.domain,
    location,
    remote,
    posted_at: isoDate(p.releasedDate ?? null),
    description_text: sectionsText(d),
    ...(c ? salary(c.min, c.max, c.currency, c.period) : {}),
    employment_type: employmentType(p.typeOfEmployment?.label ?? p.typeOfEmployment?.id),
    department: p.department?.label || p.function?.label || null,
    raw: d ? { ...p, detail: d } : p
  }
}

/** SmartRecruiters posting API: `GET /v1/companies/{id}/postings` (offset/limit) + each posting's detail. */
export const smartrecruiters: JobSource<SmartRecruitersOptions> = {
  ...smartrecruitersDeclaration,
  defaultBaseUrl: "https://api.smartrecruiters.com",
  hostLimits: { concurrency: 8, perSecond: 10 },
  output: postingsStaging,
  units: (opts, ctx) => tokenBoards("smartrecruiters", opts.boards, ctx),
  fetch: (unit, opts, ctx) => {
    const board = unit as BoardUnit
    const label = `smartrecruiters company ${board.token}`
    const company = `${ctx.baseUrl}/v1/companies/${encodeURIComponent(board.token)}/postings`
    const limit = opts.page_size ?? 100
    const listed = unitStream(
      offsetPaged({
        pageSize: limit,
        maxPages: opts.max_pages ?? 50,
        unit: label,
        ctx,
        fetchPage: (offset) =>
          Effect.gen(function* () {
            const page = yield* fetchJson(
              { url: `${company}?offset=${offset}&limit=${limit}`, unit: label },
              SmartRecruitersPage
            )
            const items = yield* decodeEach(SmartRecruitersPosting, page.content, label, ctx)
            const first = page.content[0] as { id?: unknown } | undefined
            return {
              items,
              served: page.content.length,
              total: page.totalFound ?? null,
              firstKey: first?.id != null ? String(first.id) : null
            }
          })
      })
    )
    if (opts.details === false) return listed.pipe(Stream.map((p) => normalizeSmartRecruitersPosting(board, p, null)))
    return listed.pipe(
      Stream.mapEffect(
        (p) =>
          detailOrNull(
            fetchJson({ url: `${company}/${encodeURIComponent(p.id)}`, unit: label }, SmartRecruitersDetail),
            `${label} posting ${p.id}`,
            label,
            ctx
          ).pipe(Effect.map((d) => normalizeSmartRecruitersPosting(board, p, d))),
        { concurrency: 4 }
      )
    )
  },
  fixtures: smartRecruitersFixtures,
  // The recorded detail belongs to no recorded listing, so replay reads listings only; the detail path is covered in test/ats-sources.test.ts.
  replayOptions: { boards: ["WesternDigital", "HireVue"], details: false }
}
