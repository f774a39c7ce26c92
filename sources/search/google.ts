import { Chunk, Effect, Option, Stream } from "effect"
import { Skippable } from "../../core/errors.ts"
import type { Posting } from "../source.ts"
import { remoteFromText } from "../text.ts"
import { blocked, looksBlocked, parseSalaryText } from "../jobboards/common.ts"
import { lazyRequire } from "../../core/lazy-require.ts"
import type * as Cheerio from "cheerio"
import type { SiteEnv, SiteScraper } from "./site.ts"
import { jsonAt } from "./embedded.ts"

const JOB_KEY = '"520084652":'

/** Every job-info array Google Jobs embeds under key 520084652 (the key JobSpy reads). */
export const googleJobInfos = (text: string): unknown[][] => {
  const out: unknown[][] = []
  for (let i = text.indexOf(JOB_KEY); i >= 0; i = text.indexOf(JOB_KEY, i + JOB_KEY.length)) {
    const a = jsonAt(text, i + JOB_KEY.length)
    if (Array.isArray(a)) out.push(a)
  }
  return out
}

const cheerio = lazyRequire<typeof Cheerio>(import.meta.url, "cheerio")

/** What a result card's chips say beside its job array: pay and employment type, by the card's job id. */
export interface GoogleChips {
  readonly salary?: string
  readonly employmentType?: string
}

/**
 * The metadata chips of the page's result cards (`[data-share-url*=htidocid=ID]`, `span.Yf9oye` with an
 * aria-label "Salary …" / "Employment Type …", as the recording's scraper read them), keyed by job id.
 */
export const googleCardChips = (html: string): Map<string, GoogleChips> => {
  const out = new Map<string, GoogleChips>()
  // Most pages JobSpy reads carry only the job arrays: no cheerio for them.
  if (!html.includes("Yf9oye")) return out
  const $ = cheerio().load(html)
  $("[data-share-url]").each((_, el) => {
    const id = $(el)
      .attr("data-share-url")
      ?.match(/[?&]htidocid=([^&]+)/)?.[1]
    if (!id) return
    const chips: { salary?: string; employmentType?: string } = {}
    $(el)
      .find("span.Yf9oye")
      .each((_, span) => {
        const label = $(span).attr("aria-label") ?? ""
        const text = $(span).text().trim()
        if (!text) return
        if (label.startsWith("Salary ")) chips.salary = text
        else if (label.startsWith("Employment Type ")) chips.employmentType = text
      })
    out.set(decodeURIComponent(id), chips)
  })
  return out
}

const str = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : null)

/**
 * A job-info array as a posting: [0] title, [1] company, [2] location, [3][0][0] url, [12] "N days ago",
 * [19] description, [28] id; pay and employment type from the card's chips when the page has them.
 */
export const normalizeGoogleJob = (info: unknown[], now: number, chips?: GoogleChips): Posting | null => {
  const title = str(info[0])
  const id = str(info[28])
  const url = str((info[3] as unknown[][] | undefined)?.[0]?.[0])
  if (!title || !id || !url) return null
  const location = str(info[2])
  const ago = str(info[12])?.match(/(\d+)\s*(hour|day|week|month)/i)
  const unitMs = ago
    ? { hour: 3_600_000, day: 86_400_000, week: 604_800_000, month: 2_592_000_000 }[ago[2].toLowerCase() as "hour"]
    : 0
  const at = ago ? new Date(now - Number(ago[1]) * unitMs) : null
  const description = str(info[19])
  return {
    source: "google",
    source_id: id,
    board: "google",
    // Google Jobs aggregates: the url is the listing on the site Google found it on.
    url,
    title,
    company: str(info[1]) ?? "(not stated)",
    location,
    remote: remoteFromText(
      location,
      title,
      /\b(remote|wfh|work from home)\b/i.test(description ?? "") ? "remote" : null
    ),
    posted_after: at ? new Date(at.getTime() - unitMs).toISOString() : null,
    posted_before: at ? at.toISOString() : null,
    description_text: description,
    ...parseSalaryText(chips?.salary),
    employment_type: chips?.employmentType?.toLowerCase().replace(/\s+/g, "-").replace(/-and-/g, ", ") ?? null,
    raw: { id, ago: str(info[12]), url, ...(chips?.salary ? { salary: chips.salary } : {}) }
  }
}

/** The forward cursor for the next result page (`data-async-fc`). */
export const googleCursor = (text: string) => text.match(/data-async-fc="([^"]+)"/)?.[1] ?? null

/**
 * Google Jobs (the `udm=8` jobs view of google.com/search), as JobSpy reads it: the first page's
 * embedded job arrays, then `/async/callback:550` pages by forward cursor — only when the
 * `google_async_param` config is set, since that value comes from a live page and changes.
 */
export const google: SiteScraper = {
  site: "google",
  defaultBaseUrl: "https://www.google.com",
  delayMs: 3000,
  unavailable: () => null,
  // The query is words ("… jobs near X"): no radius. Pages follow a cursor, so an offset is fetched and dropped.
  ignores: ["distance"],
  search: (env: SiteEnv) => {
    const s = env.search
    let q = `${s.term} jobs`
    if (s.location) q += ` near ${s.location}`
    if (s.hours_old)
      q +=
        s.hours_old <= 24
          ? " since yesterday"
          : s.hours_old <= 72
            ? " in the last 3 days"
            : s.hours_old <= 168
              ? " in the last week"
              : " in the last month"
    if (s.remote) q += " remote"
    const asyncParam = env.opts.google_async_param as string | undefined
    const seen = new Set<string>()
    const maxPages = Math.ceil(env.wanted / 10) + 1
    return Stream.paginateChunkEffect({ cursor: null as string | null, page: 0 }, ({ cursor, page }) =>
      Effect.gen(function* () {
        const url = cursor
          ? `${env.baseUrl}/async/callback:550?${new URLSearchParams({ fc: cursor, fcv: "3", async: asyncParam ?? "" })}`
          : `${env.baseUrl}/search?${new URLSearchParams({ q, udm: "8" })}`
        const res = yield* env.request({ url, headers: { accept: "text/html,*/*" } })
        const infos = googleJobInfos(res.text)
        if (infos.length === 0 && page === 0) {
          const wall =
            looksBlocked(res.text) ??
            (/\/sorry\/index|unusual traffic/i.test(res.text) ? "Google's 'unusual traffic' page" : null)
          if (wall) return yield* Effect.fail(blocked(env.unit, wall, url))
        }
        // Ages ("3 days ago", ageInDays) count from the response's Date: the server's clock, or when a replay was recorded.
        const now = Date.parse(res.headers.get("date") ?? "") || Date.now()
        const out: Posting[] = []
        const chips = googleCardChips(res.text)
        for (const [i, info] of infos.entries()) {
          const p = normalizeGoogleJob(info, now, chips.get(str(info[28]) ?? ""))
          if (!p)
            yield* env.ctx.skip(
              new Skippable({
                reason: "InvalidRecord",
                unit: env.unit,
                message: `${env.unit}: job array #${i} lacks a title, id or url`
              })
            )
          else if (!seen.has(p.source_id)) {
            seen.add(p.source_id)
            out.push(p)
          }
        }
        const next = googleCursor(res.text)
        if (next && !asyncParam && page === 0)
          yield* env.ctx.log(
            `${env.unit}: first page only (set with.google_async_param to follow Google's result cursor)`
          )
        const more = next && asyncParam && next !== cursor && out.length > 0 && page + 1 < maxPages
        return [Chunk.fromIterable(out), more ? Option.some({ cursor: next, page: page + 1 }) : Option.none()] as const
      })
    )
  }
}
