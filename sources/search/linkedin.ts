import type * as Cheerio from "cheerio"
import { Chunk, Effect, Option, Stream } from "effect"
import { Skippable } from "../../core/errors.ts"
import type { Posting } from "../source.ts"
import { htmlToText, isoDate, remoteFromText } from "../text.ts"
import type { SiteEnv, SiteScraper } from "./site.ts"
import { lazyRequire } from "../../core/lazy-require.ts"

// Loaded when a page is parsed: cheerio brings parse5, iconv-lite and undici (1.5 MB) that only a search needs.
const cheerio = lazyRequire<typeof Cheerio>(import.meta.url, "cheerio")
import { jobPostingNodes, jobPostingToPosting, jsonLdBlocks } from "../jsonld/parse.ts"

/** Job cards of a guest search page (`/jobs-guest/jobs/api/seeMoreJobPostings/search`). */
export const parseLinkedInCards = (html: string, remoteSearch = false): Posting[] => {
  const $ = cheerio().load(html)
  const out: Posting[] = []
  $("div.base-search-card, div.job-search-card, li > div.base-card").each((_, el) => {
    const card = $(el)
    const urn = card.attr("data-entity-urn") ?? ""
    const href = card.find("a.base-card__full-link").attr("href") ?? ""
    const id = urn.match(/jobPosting:(\d+)/)?.[1] ?? href.match(/-(\d+)(?:\?|$)/)?.[1]
    const title =
      card.find(".base-search-card__title").text().trim() || card.find("a.base-card__full-link .sr-only").text().trim()
    if (!id || !title) return
    const companyLink = card.find(".base-search-card__subtitle a")
    const company = (companyLink.text() || card.find(".base-search-card__subtitle").text()).trim()
    const location = card.find(".job-search-card__location").text().trim() || null
    const date = card.find("time").attr("datetime") ?? null
    out.push({
      source: "linkedin",
      source_id: id,
      board: "linkedin",
      url: `https://www.linkedin.com/jobs/view/${id}`,
      apply_url: null,
      title,
      company: company || "(not stated)",
      location,
      remote: remoteSearch ? "remote" : remoteFromText(location, title),
      posted_at: isoDate(date),
      tags: card
        .find(".job-posting-benefits__text")
        .map((_, b) => $(b).text().trim())
        .get()
        .filter(Boolean),
      raw: { id, href, company_url: companyLink.attr("href")?.split("?")[0] ?? null, listdate: date }
    })
  })
  return out
}

/** The schema.org JobPosting JSON-LD a job page (`/jobs/view/{id}`) carries, as a posting; null without one. */
export const linkedInJsonLdPosting = (html: string, pageUrl: string): Posting | null => {
  const node = jobPostingNodes(jsonLdBlocks(html).blocks)[0]
  const p = node ? jobPostingToPosting(node, { source: "linkedin", pageUrl, boardHost: "linkedin.com" }) : null
  return p ? { ...p, board: "linkedin" } : null
}

/**
 * The description and criteria of a job view page, for the optional detail fetch: the page's markup,
 * else its JSON-LD (the public page carries both; the markup is what the guest page has).
 */
export const parseLinkedInDetail = (html: string): Pick<Posting, "description_text" | "employment_type"> => {
  const $ = cheerio().load(html)
  const markup = $("div.show-more-less-html__markup, div.description__text").first().html()
  let employment: string | null = null
  $("li.description__job-criteria-item").each((_, li) => {
    if (/employment type/i.test($(li).find("h3").text()))
      employment = $(li).find("span").text().trim().toLowerCase() || null
  })
  const ld = markup && employment ? null : linkedInJsonLdPosting(html, "https://www.linkedin.com/jobs/view/")
  return {
    description_text: htmlToText(markup ?? null) ?? ld?.description_text ?? null,
    employment_type: employment ?? ld?.employment_type?.replace(/_/g, "-") ?? null
  }
}

const PAGE = 10

/**
 * LinkedIn guest job search, paged by `start`. A page without new cards ends the search (the guest
 * API repeats its last page past the end). A 429 that outlasts a short backoff ends this search
 * cleanly: what was found is kept and the stop is counted, never retried in a loop.
 */
export const linkedin: SiteScraper = {
  site: "linkedin",
  defaultBaseUrl: "https://www.linkedin.com",
  delayMs: 3000,
  unavailable: () => null,
  pageSize: () => PAGE,
  search: (env: SiteEnv) => {
    const s = env.search
    const seen = new Set<string>()
    const maxPages = Math.ceil(env.wanted / PAGE) + 2
    const retry = {
      times: Number(env.opts.linkedin_retries ?? 2),
      baseMs: Number(env.opts.linkedin_backoff_ms ?? 5000),
      capMs: 60_000
    }
    return Stream.paginateChunkEffect(0, (page) =>
      Effect.gen(function* () {
        const q = new URLSearchParams({ keywords: s.term, start: String(env.start + page * PAGE) })
        if (s.location) q.set("location", s.location)
        if (env.distance) q.set("distance", String(env.distance))
        if (s.remote) q.set("f_WT", "2")
        if (s.hours_old) q.set("f_TPR", `r${s.hours_old * 3600}`)
        const url = `${env.baseUrl}/jobs-guest/jobs/api/seeMoreJobPostings/search?${q}`
        const res = yield* env.request({ url, retry, headers: { accept: "text/html" } }).pipe(
          Effect.map(Option.some),
          Effect.catchIf(
            (e) => e._tag === "Retriable" && e.reason === "RateLimited",
            (e) =>
              env.ctx
                .skip(
                  new Skippable({
                    reason: "Exhausted",
                    unit: env.unit,
                    message: `${env.unit}: rate limited (429) on page ${page + 1} after ${retry.times} backoffs; search stopped with ${seen.size} postings (${e.message})`
                  })
                )
                .pipe(Effect.as(Option.none()))
          )
        )
        if (Option.isNone(res)) return [Chunk.empty<Posting>(), Option.none<number>()] as const
        const cards = parseLinkedInCards(res.value.text, s.remote === true).filter((p) => !seen.has(p.source_id))
        cards.forEach((p) => seen.add(p.source_id))
        const more = cards.length > 0 && page + 1 < maxPages
        return [Chunk.fromIterable(cards), more ? Option.some(page + 1) : Option.none<number>()] as const
      })
    )
  },
  // The job page's markup, else its JSON-LD: a failed page keeps the card without a description.
  detail: (p, env) =>
    env
      .request({
        url: `${env.baseUrl}/jobs/view/${p.source_id}`,
        headers: { accept: "text/html" },
        retry: { times: 1, baseMs: 2000, capMs: 10_000 }
      })
      .pipe(
        Effect.map((r) => ({
          ...p,
          ...Object.fromEntries(Object.entries(parseLinkedInDetail(r.text)).filter(([, v]) => v != null))
        })),
        Effect.catchAll((e) =>
          env.ctx
            .log(`${env.unit}: detail of job ${p.source_id} not fetched (${e.message}); kept without description`)
            .pipe(Effect.as(p))
        )
      )
}
