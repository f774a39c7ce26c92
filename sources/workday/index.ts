import { Clock, Effect, Stream } from "effect"
import { Fatal } from "../../core/errors.ts"
import { fetchJson, hostRouted } from "../http.ts"
import { decodeEach } from "../decode.ts"
import { detailOrNull } from "../detail.ts"
import { postingsStaging } from "../postings.ts"
import { htmlToText } from "../text.ts"
import { universeTargets, companyFromToken } from "../boards.ts"
import { offsetPaged } from "../paging.ts"
import { employmentType, remoteMode } from "../normalize.ts"
import { type JobSource, type Posting, type SourceContext, type SourceUnit, unitStream } from "../source.ts"
import type { WorkdayBoard } from "../../targets/universe.ts"
import { WorkdayDetail, WorkdayListing, WorkdayPage } from "./schema.ts"
import { workdayPosted } from "./posted.ts"
import { workdayFixtures, workdayReplayBoards } from "./fixtures.ts"
import { type WorkdayOptions, workdayDeclaration } from "./declaration.ts"

interface WorkdayUnit extends SourceUnit {
  readonly board: WorkdayBoard
  readonly company: string | null
  readonly domain: string | null
}

export const workdayHost = (b: WorkdayBoard) => `${b.tenant}.${b.instance}.myworkdayjobs.com`

/**
 * The CXS API root of one board. Each tenant has its own host, so under `with.base_url` (a proxy
 * or the replay server) the host moves into the path: `{base_url}/{tenant}.{instance}.myworkdayjobs.com/wday/cxs/{tenant}/{site}`,
 * behind a `/_host/{host}` prefix so per-host limits apply to each tenant (see `hostRouted`).
 */
export const cxsRoot = (b: WorkdayBoard, baseUrl: string | undefined) =>
  `${baseUrl ? `${hostRouted(baseUrl, workdayHost(b))}/${workdayHost(b)}` : `https://${workdayHost(b)}`}/wday/cxs/${encodeURIComponent(b.tenant)}/${encodeURIComponent(b.site)}`

const unitOf = (board: WorkdayBoard, company: string | null, domain: string | null): WorkdayUnit => ({
  key: `${board.tenant}.${board.instance}/${board.site}`,
  board,
  company,
  domain
})

const units = (opts: WorkdayOptions, ctx: SourceContext) =>
  Effect.gen(function* () {
    const all: WorkdayUnit[] = []
    if (opts.boards && opts.boards.length > 0)
      for (const b of opts.boards) {
        // Named in with.boards: the universe still knows the tenant's company (Workday: one company, many sites).
        const who = ctx.companyOf?.("workday", b)
        all.push(unitOf(b, who?.name ?? null, who?.domain ?? null))
      }
    else {
      for (const t of yield* universeTargets("workday", ctx)) {
        if (typeof t.board === "string")
          return yield* Effect.fail(
            new Fatal({
              reason: "Config",
              message: `targets: ${t.name} (workday) has board "${t.board}"; workday boards are {tenant, site, instance}`
            })
          )
        all.push(unitOf(t.board!, t.name_source === "slug" ? null : t.name, t.domain ?? null))
      }
      if (all.length === 0) yield* ctx.log(`${ctx.node}: the target universe lists no workday boards; nothing to fetch`)
    }
    return [...new Map(all.map((u) => [u.key, u])).values()]
  })

export const normalizeWorkdayPosting = (
  u: WorkdayUnit,
  j: WorkdayListing,
  d: WorkdayDetail | null,
  fetchedAtMs: number
): Posting => {
  const info = d?.jobPostingInfo
  const b = u.board
  const url = `https://${workdayHost(b)}/${b.site}${j.externalPath}`
  const location =
    [info?.location ?? j.locationsText, ...(info?.additionalLocations ?? [])].filter(Boolean).join(" / ") || null
  return {
    source: "workday",
    source_id: `${b.tenant}/${b.site}:${j.externalPath}`,
    board: u.key,
    url: info?.externalUrl || url,
    apply_url: `${info?.externalUrl || url}/apply`,
    title: j.title.trim(),
    company: u.company ?? (d?.hiringOrganization?.name || null) ?? companyFromToken(b.tenant),
    company_domain: u.domain,
    location,
    remote: remoteMode(info?.remoteType ?? j.remoteType, location, j.title),
    ...workdayPosted(info?.postedOn ?? j.postedOn, fetchedAtMs),
    description_text: htmlToText(info?.jobDescription ?? null),
    employment_type: employmentType(info?.timeType),
    raw: d ? { ...j, detail: d } : j
  }
}

/** Workday CXS: `POST /wday/cxs/{tenant}/{site}/jobs` (offset paged, 20 a page) + `GET …{externalPath}` per posting. */
export const workday: JobSource<WorkdayOptions> = {
  ...workdayDeclaration,
  defaultBaseUrl: "https://myworkdayjobs.com",
  hostLimits: { concurrency: 4, perSecond: 5 },
  output: postingsStaging,
  units,
  fetch: (unit, opts, ctx) => {
    const u = unit as WorkdayUnit
    const root = cxsRoot(u.board, opts.base_url ? ctx.baseUrl : undefined)
    const label = `workday board ${u.key}`
    const limit = opts.page_size ?? 20
    return Stream.unwrap(
      Effect.gen(function* () {
        const fetchedAt = yield* Clock.currentTimeMillis
        const listed = unitStream(
          offsetPaged({
            pageSize: limit,
            maxPages: opts.max_pages ?? 100,
            unit: label,
            ctx,
            fetchPage: (offset) =>
              Effect.gen(function* () {
                const page = yield* fetchJson(
                  {
                    url: `${root}/jobs`,
                    method: "POST",
                    body: { appliedFacets: {}, limit, offset, searchText: "" },
                    unit: label
                  },
                  WorkdayPage
                )
                const raw = page.jobPostings ?? []
                const items = yield* decodeEach(WorkdayListing, raw, label, ctx)
                const first = raw[0] as { externalPath?: unknown } | undefined
                return {
                  items,
                  served: raw.length,
                  total: page.total ?? null,
                  firstKey: first?.externalPath != null ? String(first.externalPath) : null
                }
              })
          })
        )
        if (opts.details === false)
          return listed.pipe(Stream.map((j) => normalizeWorkdayPosting(u, j, null, fetchedAt)))
        return listed.pipe(
          Stream.mapEffect(
            (j) =>
              detailOrNull(
                fetchJson({ url: `${root}${j.externalPath}`, unit: label }, WorkdayDetail),
                `${label} posting ${j.externalPath}`,
                label,
                ctx
              ).pipe(Effect.map((d) => normalizeWorkdayPosting(u, j, d, fetchedAt))),
            { concurrency: 4 }
          )
        )
      })
    )
  },
  fixtures: workdayFixtures,
  // The recorded Synchrony detail belongs to no recorded listing, so replay reads listings only; test/ats-sources.test.ts covers the detail.
  replayOptions: { boards: workdayReplayBoards, details: false }
}
