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

// LinkedIn job pages: the recordings are the schema.org JobPosting JSON-LD a scraper saved from six public job
// pages, without their job ids. This folder lists them as guest search cards numbered 1–6 by their place in the
// recordings (the ids are ours: "synthetic-ids" in the folder name) and serves /jobs/view/{n} as a page carrying
// posting n's JSON-LD, so the detail fetch reads its description and employment type. The scraper replaced the
// JSON-LD `description` by `jobDescription`, the list of its lines: the page writes them back as an HTML list.
const LINKEDIN_JSONLD = ["linkedin/scrapfly-job-jsonld-2025-03.json", "linkedin/scrapfly-job-jsonld-2025-09.json"]
type LinkedInLd = {
  title: string
  jobDescription?: string[]
  datePosted?: string
  hiringOrganization?: { name?: string; sameAs?: string }
  jobLocation?: { address?: { addressLocality?: string; addressRegion?: string; addressCountry?: string } }
}
const linkedInLds = () => LINKEDIN_JSONLD.flatMap((f) => json<LinkedInLd[]>(f))
const linkedInJsonLdCards = ({ url }: { url: URL }) => {
  // One page holds all six; past it the guest API repeats its last page, which the scraper reads as the end.
  if (Number(url.searchParams.get("start") ?? "0") > 0) return html("")
  const cards = linkedInLds().map((ld, i) => {
    const a = ld.jobLocation?.address
    const place = [a?.addressLocality, a?.addressRegion, a?.addressCountry].filter(Boolean).join(", ")
    return `<li><div class="base-card base-search-card" data-entity-urn="urn:li:jobPosting:${i + 1}"><a class="base-card__full-link" href="https://www.linkedin.com/jobs/view/${i + 1}"></a><h3 class="base-search-card__title">${attr(ld.title)}</h3><h4 class="base-search-card__subtitle"><a href="${attr(ld.hiringOrganization?.sameAs ?? "")}">${attr(ld.hiringOrganization?.name ?? "")}</a></h4><span class="job-search-card__location">${attr(place)}</span><time datetime="${attr((ld.datePosted ?? "").slice(0, 10))}"></time></div></li>`
  })
  return html(cards.join("\n"))
}
const linkedInJsonLdPage = ({ url }: { url: URL }) => {
  const n = Number(url.pathname.match(/\/jobs\/view\/(\d+)$/)?.[1] ?? 0)
  const ld = linkedInLds()[n - 1]
  if (!ld) return { status: 404, body: "not recorded" }
  const { jobDescription, ...rest } = ld
  const description = `<ul>${(jobDescription ?? []).map((l) => `<li>${attr(l)}</li>`).join("")}</ul>`
  return html(
    `<!doctype html><html><head><title>jobsignal replay: LinkedIn job page wrapped from its recorded JSON-LD</title><script type="application/ld+json">${scriptJson({ ...rest, description })}</script></head><body></body></html>`
  )
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
    path: "/linkedin-jsonld-wrapped-synthetic-ids/jobs-guest/jobs/api/seeMoreJobPostings/search",
    handler: linkedInJsonLdCards
  },
  { path: "/linkedin-jsonld-wrapped-synthetic-ids/jobs/view/", handler: linkedInJsonLdPage },
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
