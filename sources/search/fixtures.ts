import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { FixtureRoute } from "../source.ts"

const fixturesDir = join(import.meta.dirname, "..", "..", "fixtures")
const cache = new Map<string, string>()
const read = (file: string) => {
  let text = cache.get(file)
  if (text === undefined) cache.set(file, (text = readFileSync(join(fixturesDir, file), "utf8")))
  return text
}
const json = <T>(file: string): T => JSON.parse(read(file)) as T
const html = (body: string) => ({ body, contentType: "text/html; charset=utf-8" })
// `</script>` inside embedded JSON would end the script early; a page escapes it the same way.
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/<\//g, "<\\/")

/** A raw recorded search page served for its first page only; later pages are "not found" (the end). */
const firstPageOnly =
  (file: string, pageParam: string) =>
  ({ url }: { url: URL }) => {
    const p = url.searchParams.get(pageParam)
    return !p || p === "1" || p === "0" ? html(read(file)) : { status: 404, body: "not recorded" }
  }

// Indeed: the recordings are SCRAPER OUTPUT (the card and job-page objects a scraper pulled out of the
// pages). These routes put them back into the page shape the scraper read them from; the folder says so.
const INDEED_CARDS = "indeed/scrapfly-search-mosaic-jobcards-2025-03.json"
const INDEED_JOBS = "indeed/scrapfly-viewjob-2025-03.json"
const indeedSearchPage = ({ url }: { url: URL }) => {
  const start = Number(url.searchParams.get("start") ?? "0")
  // The file holds every page's cards at once: all of them on the first page, none after it.
  const results = start === 0 ? json<unknown[]>(INDEED_CARDS) : []
  return html(
    `<!doctype html><html><head><title>jobsignal replay: Indeed search page wrapped from scraper output</title></head><body><script>window.mosaic.providerData["mosaic-provider-jobcards"]=${scriptJson({ metaData: { mosaicProviderJobCardsModel: { results } } })};</script></body></html>`
  )
}
const indeedJobPage = ({ url }: { url: URL }) => {
  const jk = url.searchParams.get("jk") ?? ""
  // The scraper kept no job key; the job's own key is the `fromjk` of its company link.
  const job = json<Array<Record<string, unknown>>>(INDEED_JOBS).find((j) =>
    String(j.companyOverviewLink ?? "").includes(`fromjk=${jk}`)
  )
  if (!jk || !job) return { status: 404, body: "not recorded" }
  const { description, ...header } = job
  return html(
    `<!doctype html><html><head><title>jobsignal replay: Indeed job page wrapped from scraper output</title></head><body><script>window._initialData=${scriptJson({ jobInfoWrapperModel: { jobInfoModel: { jobInfoHeaderModel: header, sanitizedJobDescription: description } } })};</script></body></html>`
  )
}

// Glassdoor: 20 real `JobListingSearchResult` items saved in a TypeScript file (`export const … = [...]`).
// The route strips the TS wrapper and puts the items into the GraphQL response envelope (which the file
// does not have: no paginationCursors, so one page).
const GLASSDOOR_TS = "glassdoor/hrmate-jobListingSearchResults-toronto-2025-03.ts"
export const glassdoorListingsFromTs = (ts: string): unknown[] =>
  JSON.parse(ts.slice(ts.indexOf("["), ts.lastIndexOf("]") + 1)) as unknown[]
const glassdoorGraph = () => ({
  // Listing ages count from the capture: the `cb` stamp of the items' jobLinks (2025-03-22).
  headers: { date: new Date(1742619686428).toUTCString() },
  body: JSON.stringify([
    { data: { jobListings: { jobListings: glassdoorListingsFromTs(read(GLASSDOOR_TS)), paginationCursors: [] } } }
  ])
})

// Google Jobs: SCRAPER OUTPUT ({query, location, jobs[57]}). The route writes each job back as the
// job-info array Google's udm=8 page embeds under key 520084652, at the indices JobSpy reads
// ([0] title, [1] company, [2] location, [3][0][0] url, [12] age, [19] description, [28] id), and its
// salary_range and schedule_type as the result card's chips the scraper read them from (a
// `data-share-url` with `htidocid=`, `span.Yf9oye` with aria-label "Salary …" / "Employment Type …").
const GOOGLE_JOBS = "google/scrapfly-google-jobs-search-2026-06.json"
interface GoogleScraped {
  title: string
  company: string
  location: string | null
  posted_date: string | null
  description: string | null
  application_url: string | null
  job_id: string
  salary_range?: string | null
  schedule_type?: string | null
}
const attr = (v: string) => v.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;")
const googleSearchPage = () => {
  const { jobs, search_date } = json<{ jobs: GoogleScraped[]; search_date: string }>(GOOGLE_JOBS)
  const arrays = jobs.map((j) => {
    const a: unknown[] = Array(29).fill(null)
    a[0] = j.title
    a[1] = j.company
    a[2] = j.location
    a[3] = [[j.application_url]]
    a[12] = j.posted_date
    a[19] = j.description
    a[28] = j.job_id
    const chip = (label: string, v: string | null | undefined) =>
      v ? `<span class="Yf9oye" aria-label="${attr(`${label} ${v}`)}">${attr(v)}</span>` : ""
    const card = `<div class="EimVGf" data-share-url="https://www.google.com/search?udm=8&amp;htidocid=${encodeURIComponent(j.job_id)}">${chip("Posted", j.posted_date)}${chip("Salary", j.salary_range)}${chip("Employment Type", j.schedule_type)}</div>`
    return `<script>AF_initDataCallback({data:[null,{"520084652":${scriptJson(a)}}]});</script>${card}`
  })
  // "2 days ago" counts from the capture day (the file's search_date), sent as the response's Date.
  return {
    ...html(
      `<!doctype html><html><head><title>jobsignal replay: Google Jobs page wrapped from scraper output</title></head><body>${arrays.join("\n")}</body></html>`
    ),
    headers: { date: new Date(`${search_date}T00:00:00Z`).toUTCString() }
  }
}

/**
 * Replay routes of the search fan-out, one folder per site under `/search/{folder}`. LinkedIn's search
 * cards and ZipRecruiter's two pages are raw recordings; Indeed, Glassdoor and Google are recordings put
 * back into their page shape by the routes whose folder says so. The `synthetic-` files cover the routes
 * no recording represents (the mobile APIs, Glassdoor's CSRF page and location lookup).
 */
export const searchFixtures: ReadonlyArray<FixtureRoute> = [
  {
    path: "/linkedin/jobs-guest/jobs/api/seeMoreJobPostings/search",
    file: "linkedin/hunt-seeMoreJobPostings-kraken.html"
  },
  { path: "/linkedin/jobs/view/4465923787", file: "linkedin/synthetic-job-view.html" },
  {
    path: "/ziprecruiter/jobs-search",
    handler: firstPageOnly("ziprecruiter/jobsearchrag-serp-real-js_variables-2026-02.html", "page")
  },
  {
    path: "/ziprecruiter-nextjs/jobs-search",
    handler: firstPageOnly("ziprecruiter/jobsearchrag-serp-real-nextjs-2026-03.html", "page")
  },
  { path: "/indeed-wrapped-from-scraper-output/jobs", handler: indeedSearchPage },
  { path: "/indeed-wrapped-from-scraper-output/viewjob", handler: indeedJobPage },
  {
    path: "/glassdoor-wrapped-from-ts-listings/Job/computer-science-jobs.htm",
    file: "glassdoor/synthetic-job-page-with-token.html"
  },
  {
    path: "/glassdoor-wrapped-from-ts-listings/findPopularLocationAjax.htm",
    file: "glassdoor/synthetic-find-popular-location.json"
  },
  { method: "POST", path: "/glassdoor-wrapped-from-ts-listings/graph", handler: glassdoorGraph },
  { path: "/google-wrapped-from-scraper-output/search", handler: googleSearchPage },
  // Synthetic shapes no recording covers: the mobile APIs (indeed_api / ziprecruiter_api: mobile) and
  // Glassdoor's and Google's raw responses.
  { method: "POST", path: "/indeed/graphql", file: "indeed/synthetic-graphql-jobsearch.json" },
  { path: "/ziprecruiter/jobs-app/jobs", file: "ziprecruiter/synthetic-jobs-app-jobs.json" },
  { path: "/glassdoor/Job/computer-science-jobs.htm", file: "glassdoor/synthetic-job-page-with-token.html" },
  { path: "/glassdoor/findPopularLocationAjax.htm", file: "glassdoor/synthetic-find-popular-location.json" },
  { method: "POST", path: "/glassdoor/graph", file: "glassdoor/synthetic-graph-jobsearch.json" },
  { path: "/google/search", file: "google/synthetic-search-udm8.html" }
]

/** `base_urls` folders that point each site of the fan-out at its recorded (or wrapped) route. */
export const recordedSiteFolders = {
  indeed: "indeed-wrapped-from-scraper-output",
  glassdoor: "glassdoor-wrapped-from-ts-listings",
  google: "google-wrapped-from-scraper-output"
} as const
