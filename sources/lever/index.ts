import { Effect } from "effect"
import { fetchJson } from "../http.ts"
import { decodeEach } from "../decode.ts"
import { postingsStaging } from "../postings.ts"
import { htmlToText, isoDate } from "../text.ts"
import { tokenBoards, type BoardUnit, companyFromToken } from "../boards.ts"
import { offsetPaged } from "../paging.ts"
import { departmentOf, employmentType, remoteMode, salary } from "../normalize.ts"
import type { JobSource, Posting } from "../source.ts"
import { LeverPage, LeverPosting } from "./schema.ts"
import { leverFixtures } from "./fixtures.ts"
import { type LeverOptions, leverDeclaration } from "./declaration.ts"

export const LEVER_EU = "https://api.eu.lever.co"

/** `with.base_url` wins (a proxy or the replay server); otherwise `region: eu` picks Lever's EU host. */
export const leverBaseUrl = (opts: { base_url?: string; region?: "global" | "eu" }, baseUrl: string) =>
  opts.base_url ? baseUrl : opts.region === "eu" ? LEVER_EU : baseUrl

const descriptionOf = (p: LeverPosting) => {
  const parts = [
    p.descriptionPlain ?? htmlToText(p.description ?? null),
    ...(p.lists ?? []).map((l) => [l.text, htmlToText(l.content)].filter(Boolean).join("\n")),
    p.additionalPlain
  ]
    .map((s) => s?.trim())
    .filter(Boolean)
  return parts.length > 0 ? parts.join("\n\n") : null
}

export const normalizeLeverPosting = (board: BoardUnit, p: LeverPosting): Posting => {
  const c = p.categories ?? {}
  const locations = c.allLocations && c.allLocations.length > 0 ? c.allLocations.join(" / ") : (c.location ?? null)
  const s = p.salaryRange
  return {
    source: "lever",
    source_id: `${board.token}:${p.id}`,
    board: board.token,
    url: p.hostedUrl,
    apply_url: p.applyUrl ?? p.hostedUrl,
    title: p.text.trim(),
    company: board.company ?? companyFromToken(board.token),
    company_domain: board.domain,
    location: locations,
    remote: remoteMode(p.workplaceType, locations, p.text),
    posted_at: isoDate(p.createdAt ?? null),
    updated_at: isoDate(p.updatedAt ?? null),
    description_text: descriptionOf(p),
    ...(s ? salary(s.min, s.max, s.currency, s.interval) : {}),
    employment_type: employmentType(c.commitment),
    department: departmentOf(c.department, c.team),
    raw: p
  }
}

/** Lever postings API: `GET /v0/postings/{site}?mode=json`, skip/limit paged, one site per unit. */
export const lever: JobSource<LeverOptions> = {
  ...leverDeclaration,
  defaultBaseUrl: "https://api.lever.co",
  hostLimits: { concurrency: 16, perSecond: 20 },
  output: postingsStaging,
  units: (opts, ctx) => tokenBoards("lever", opts.boards, ctx),
  fetch: (unit, opts, ctx) => {
    const board = unit as BoardUnit
    const base = leverBaseUrl(opts, ctx.baseUrl)
    const limit = opts.page_size ?? 100
    const label = `lever site ${board.token}`
    return offsetPaged({
      pageSize: limit,
      maxPages: opts.max_pages ?? 50,
      unit: label,
      ctx,
      fetchPage: (skip) =>
        Effect.gen(function* () {
          const req = {
            url: `${base}/v0/postings/${encodeURIComponent(board.token)}?mode=json&skip=${skip}&limit=${limit}`,
            unit: label
          }
          const raw = yield* fetchJson(req, LeverPage)
          const items = yield* decodeEach(LeverPosting, raw, label, ctx)
          const first = raw[0] as { id?: unknown } | undefined
          return {
            items: items.map((p) => normalizeLeverPosting(board, p)),
            served: raw.length,
            firstKey: first?.id != null ? String(first.id) : null
          }
        })
    })
  },
  fixtures: leverFixtures,
  replayOptions: { boards: ["palantir", "outreach", "spotify"] }
}
