import { Effect } from "effect"
import { Fatal, Skippable } from "../../core/errors.ts"
import { Http } from "../http.ts"
import { postingsStaging } from "../postings.ts"
import { blocked, hostOf, looksBlocked } from "../jobboards/common.ts"
import type { JobSource, Posting, SourceContext } from "../source.ts"
import { canonicalUrl, jobPostingNodes, jobPostingToPosting, jsonLdBlocks } from "./parse.ts"
import { type JsonLdOptions, jsonldDeclaration } from "./declaration.ts"

/**
 * Fetches one job page and returns the postings its schema.org JSON-LD declares. Shared by BuiltIn,
 * the generic `jsonld` source and the healthcare boards (HealthcareJobSite, MedReps) where they embed it.
 */
export const jobPage = (
  source: string,
  url: string,
  ctx: Pick<SourceContext, "skip">,
  boardHost?: string,
  idPrefix?: string
) =>
  Effect.gen(function* () {
    const http = yield* Http
    const unit = `${source} page ${url}`
    const res = yield* http.request({ url, unit, headers: { accept: "text/html,application/xhtml+xml" } })
    const { blocks, errors } = jsonLdBlocks(res.text)
    const nodes = jobPostingNodes(blocks)
    if (nodes.length === 0) {
      const wall = looksBlocked(res.text)
      if (wall) return yield* Effect.fail(blocked(unit, wall, url))
      return yield* Effect.fail(
        new Skippable({
          reason: "BadBody",
          unit,
          message: `${unit}: no schema.org JobPosting in the page's JSON-LD (${blocks.length} block(s)${errors.length ? `, ${errors.length} unparseable: ${errors[0]}` : ""})`
        })
      )
    }
    const pageUrl = canonicalUrl(res.text) ?? url
    const out: Posting[] = []
    for (const [i, n] of nodes.entries()) {
      const p = jobPostingToPosting(n, { source, pageUrl, boardHost })
      // Identifiers are only unique within one site: the generic source keys them by host.
      if (p) out.push(idPrefix ? { ...p, source_id: `${idPrefix}:${p.source_id}` } : p)
      else
        yield* ctx.skip(
          new Skippable({
            reason: "InvalidRecord",
            unit,
            message: `${unit}: JobPosting #${i} has no title or no hiringOrganization.name`
          })
        )
    }
    return out
  })

export const pageUrl = (page: string, baseUrl: string) =>
  /^https?:\/\//.test(page) ? page : `${baseUrl}${page.startsWith("/") ? "" : "/"}${page}`

/** Any job page that embeds schema.org JobPosting JSON-LD (niche boards, career sites). */
export const jsonld: JobSource<JsonLdOptions> = {
  ...jsonldDeclaration,
  defaultBaseUrl: "https://example.invalid",
  hostLimits: { concurrency: 2, perSecond: 1 },
  output: postingsStaging,
  units: (opts) =>
    opts.pages && opts.pages.length > 0
      ? Effect.succeed(opts.pages.map((page) => ({ key: page, page })))
      : Effect.fail(
          new Fatal({
            reason: "Config",
            message: "jsonld needs with.pages: job page URLs that embed schema.org JobPosting JSON-LD"
          })
        ),
  fetch: (unit, _opts, ctx) => {
    const url = pageUrl(String(unit.page), ctx.baseUrl)
    const host = hostOf(url) ?? undefined
    return jobPage("jsonld", url, ctx, host, host)
  },
  // The one recorded JSON-LD job page is BuiltIn's; the generic parser is exercised on it.
  fixtures: [
    {
      path: "/job/3199-ai-software-development-engineer-ii/6872535",
      file: "builtin/builtin-job-6872535-innovaccer.html"
    }
  ],
  replayOptions: { pages: ["/job/3199-ai-software-development-engineer-ii/6872535"] }
}
