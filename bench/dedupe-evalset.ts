/**
 * The labelled dedupe evaluation set: postings parsed from the recorded fixtures, plus variants made
 * from them by rule (cross-board copies, company/title spellings, tracking URLs, reposts, and hard
 * negatives). Each posting carries `truth`: postings with the same truth are the same job.
 * `npx tsx bench/dedupe-evalset.ts` rewrites fixtures/dedupe-eval/synthetic-labelled-set.json.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import * as cheerio from "cheerio"
import { htmlToText } from "../sources/text.ts"

export interface EvalPosting {
  readonly source: string
  readonly source_id: string
  readonly url: string
  readonly apply_url: string | null
  readonly title: string
  readonly company: string
  readonly location: string | null
  readonly description_text: string | null
  readonly truth: string
  /** "recorded:<fixture>" or "synthetic:<variant kind>". */
  readonly origin: string
}

const root = join(import.meta.dirname, "..", "fixtures")
export const EVAL_SET_FILE = join(root, "dedupe-eval", "synthetic-labelled-set.json")
const json = (f: string) => JSON.parse(readFileSync(join(root, f), "utf8"))
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)
const seg = (url: string, i: number) => new URL(url).pathname.split("/").filter(Boolean)[i] ?? ""

type Base = Omit<EvalPosting, "truth" | "origin"> & { file: string }

const recorded = (): Base[] => {
  const out: Base[] = []
  const add = (file: string, p: Omit<Base, "file">) => out.push({ ...p, title: p.title.trim(), file })
  for (const f of [
    "greenhouse/breteai-gitlab-jobs-content.json",
    "greenhouse/candidatezero-gong-jobs.json",
    "greenhouse/intern-radar-stripe-jobs.json"
  ])
    for (const j of json(f).jobs)
      add(f, {
        source: "greenhouse",
        source_id: `${seg(j.absolute_url, 0)}:${j.id}`,
        url: j.absolute_url,
        apply_url: j.absolute_url,
        title: j.title,
        company: j.company_name,
        location: j.location?.name ?? null,
        description_text: htmlToText(j.content ?? null)
      })
  for (const f of ["lever/candidatezero-outreach-postings.json", "lever/intern-radar-palantir-postings.json"])
    for (const j of json(f))
      add(f, {
        source: "lever",
        source_id: j.id,
        url: j.hostedUrl,
        apply_url: j.applyUrl,
        title: j.text,
        company: cap(seg(j.hostedUrl, 0)),
        location: j.categories?.location ?? null,
        description_text: j.descriptionPlain ?? null
      })
  for (const f of [
    "ashby/breteai-notion-board.json",
    "ashby/candidatezero-wealthcom-board.json",
    "ashby/intern-radar-ramp-board.json"
  ])
    for (const j of json(f).jobs)
      add(f, {
        source: "ashby",
        source_id: j.id,
        url: j.jobUrl,
        apply_url: j.applyUrl,
        title: j.title,
        company: cap(seg(j.jobUrl, 0)),
        location: j.location ?? null,
        description_text: j.descriptionPlain ?? null
      })
  {
    const f = "workday/intern-radar-synchrony-job-detail.json"
    const d = json(f)
    const base = "https://synchronyfinancial.wd5.myworkdayjobs.com/University"
    add(f, {
      source: "workday",
      source_id: d.jobPostingInfo.jobReqId,
      url: d.jobPostingInfo.externalUrl,
      apply_url: d.jobPostingInfo.externalUrl,
      title: d.jobPostingInfo.title,
      company: d.hiringOrganization.name,
      location: d.jobPostingInfo.location,
      description_text: htmlToText(d.jobPostingInfo.jobDescription)
    })
    for (const j of d.similarJobs)
      add(f, {
        source: "workday",
        source_id: j.externalPath,
        url: base + j.externalPath,
        apply_url: base + j.externalPath,
        title: j.title,
        company: d.hiringOrganization.name,
        location: j.locationsText,
        description_text: null
      })
  }
  for (const f of ["smartrecruiters/candidatezero-hirevue-postings.json"])
    for (const j of json(f).content)
      add(f, {
        source: "smartrecruiters",
        source_id: j.id,
        url: `https://jobs.smartrecruiters.com/${j.company.identifier}/${j.id}`,
        apply_url: null,
        title: j.name,
        company: j.company.name,
        location: j.location?.fullLocation ?? j.location?.city ?? null,
        description_text: null
      })
  {
    const f = "smartrecruiters/intern-radar-westerndigital-posting-detail.json"
    const j = json(f)
    add(f, {
      source: "smartrecruiters",
      source_id: j.id,
      url: j.postingUrl,
      apply_url: j.applyUrl,
      title: j.name,
      company: j.company.name,
      location: j.location.fullLocation,
      description_text: htmlToText(
        Object.values(j.jobAd.sections)
          .map((s: any) => s.text ?? "")
          .join("\n")
      )
    })
  }
  {
    const f = "workable/candidatezero-crewai-account.json"
    const d = json(f)
    for (const j of d.jobs)
      add(f, {
        source: "workable",
        source_id: j.shortcode,
        url: j.url,
        apply_url: j.application_url,
        title: j.title,
        company: d.name,
        location: [j.city, j.country].filter(Boolean).join(", ") || null,
        description_text: htmlToText(j.description)
      })
  }
  for (const j of json("remotive/jobsearchaggregator-remote-jobs.json").jobs)
    add("remotive/jobsearchaggregator-remote-jobs.json", {
      source: "remotive",
      source_id: String(j.id),
      url: j.url,
      apply_url: null,
      title: j.title,
      company: j.company_name,
      location: j.candidate_required_location,
      description_text: htmlToText(j.description)
    })
  for (const j of json("remoteok/breteai-remoteok-api.json").slice(1))
    add("remoteok/breteai-remoteok-api.json", {
      source: "remoteok",
      source_id: String(j.id),
      url: j.url,
      apply_url: j.apply_url ?? null,
      title: j.position,
      company: j.company,
      location: j.location || null,
      description_text: htmlToText(j.description)
    })
  for (const j of json("arbeitnow/breteai-job-board-api.json").data)
    add("arbeitnow/breteai-job-board-api.json", {
      source: "arbeitnow",
      source_id: j.slug,
      url: j.url,
      apply_url: null,
      title: j.title,
      company: j.company_name,
      location: j.location,
      description_text: htmlToText(j.description)
    })
  for (const j of json("himalayas/breteai-jobs-api.json").jobs)
    add("himalayas/breteai-jobs-api.json", {
      source: "himalayas",
      source_id: j.guid,
      url: j.guid,
      apply_url: j.applicationLink,
      title: j.title,
      company: j.companySlug.split("-").map(cap).join(" "),
      location: (j.locationRestrictions ?? []).join(", ") || null,
      description_text: htmlToText(j.description)
    })
  for (const j of json("jobicy/jobsearchaggregator-remote-jobs.json").jobs)
    add("jobicy/jobsearchaggregator-remote-jobs.json", {
      source: "jobicy",
      source_id: String(j.id),
      url: j.url,
      apply_url: null,
      title: j.jobTitle,
      company: j.companyName,
      location: j.jobGeo,
      description_text: htmlToText(j.jobDescription)
    })
  {
    const f = "linkedin/hunt-seeMoreJobPostings-kraken.html"
    const $ = cheerio.load(readFileSync(join(root, f), "utf8"))
    $("div.base-search-card").each((_i, el) => {
      const c = $(el)
      const urn = c.attr("data-entity-urn") ?? ""
      add(f, {
        source: "linkedin",
        source_id: urn.split(":").pop()!,
        url: c.find("a.base-card__full-link").attr("href") ?? "",
        apply_url: null,
        title: c.find(".base-search-card__title").text().trim(),
        company: c.find(".base-search-card__subtitle").text().trim(),
        location: c.find(".job-search-card__location").text().trim() || null,
        description_text: null
      })
    })
  }
  const seen = new Set<string>()
  return out.filter(
    (b) => b.title && b.company && !seen.has(`${b.source}:${b.source_id}`) && seen.add(`${b.source}:${b.source_id}`)
  )
}

const BOARDS = ["remotive", "remoteok", "jobicy", "himalayas", "linkedin", "arbeitnow"]
const COMPANY_VARIANTS = [
  (c: string) => `${c}, Inc.`,
  (c: string) => c.toLowerCase(),
  (c: string) => `${c} Inc`,
  (c: string) => `${c.toUpperCase()} LLC`
]
const TITLE_VARIANTS = [
  (t: string) => t.replace(/\bSenior\b/g, "Sr.").replace(/\bJunior\b/g, "Jr."),
  (t: string) => t.toLowerCase(),
  (t: string) => `${t} - Remote`,
  (t: string) => t.replace(/,/g, " -").toUpperCase()
]
/** A hard negative moves the opening to another country: "USA" vs "Austin, TX" would be a judgement call, not a label. */
const OTHER_CITIES = ["Berlin, Germany", "Singapore", "Toronto, Canada", "Sydney, Australia", "Austin, TX"]
const US_LIKE = /\b(US|USA|United States|America|Americas|[A-Z]{2})\b|,\s*(CA|NY|TX|WA|MA|IL|CO|AZ)\b/
const otherCity = (loc: string, i: number) =>
  OTHER_CITIES.filter((c) => !(US_LIKE.test(loc) && c.endsWith("TX")) && !loc.includes(c.split(",")[0]))[i % 4]
/** Hand labels over recorded rows: ids of postings that are one job although their ids differ. */
const SAME_JOB: Record<string, string> = {
  // Same jobUrl; the unlisted draft of the listed "GTM Engineer" posting.
  "ashby:unlisted-draft-0001": "ashby:c46c1464-d1e3-4fb7-9ace-7f1b9b65774c"
}

/** Deterministic variants: every base gets a cross-board copy; rotating extras and hard negatives. */
export const buildEvalSet = (): EvalPosting[] => {
  const bases = recorded()
  const out: EvalPosting[] = []
  bases.forEach((b, i) => {
    const same = SAME_JOB[`${b.source}:${b.source_id}`]
    const truth = same ? `job:${bases.findIndex((x) => `${x.source}:${x.source_id}` === same)}` : `job:${i}`
    const { file, ...rest } = b
    out.push({ ...rest, truth, origin: `recorded:${file}` })
    const board = BOARDS.filter((x) => x !== b.source)[i % (BOARDS.length - 1)]
    const desc = b.description_text
    out.push({
      source: board,
      source_id: `copy-${i}`,
      url: `https://${board}.example/jobs/${1000 + i}?utm_source=feed&utm_medium=rss&ref=jobsignal`,
      apply_url: i % 2 === 0 ? `${b.url}${b.url.includes("?") ? "&" : "?"}gh_src=${board}&lever-source=${board}` : null,
      title: TITLE_VARIANTS[i % TITLE_VARIANTS.length](b.title),
      company: COMPANY_VARIANTS[i % COMPANY_VARIANTS.length](b.company),
      location: i % 3 === 0 ? null : b.location,
      description_text: desc
        ? i % 2 === 0
          ? desc.slice(0, Math.max(200, Math.floor(desc.length * 0.6)))
          : `About the job\n${desc}`
        : null,
      truth,
      origin: "synthetic:cross-board-copy"
    })
    if (i % 3 === 0)
      out.push({
        ...rest,
        source_id: `${b.source_id}-repost`,
        url: `${b.url}${b.url.includes("?") ? "&" : "?"}utm_campaign=repost`,
        truth,
        origin: "synthetic:repost-new-id"
      })
    if (i % 4 === 1)
      out.push({
        ...rest,
        source: "linkedin",
        source_id: `li-${i}`,
        url: `https://www.linkedin.com/jobs/view/${4400000000 + i}?trk=public_jobs&refId=x`,
        apply_url: b.apply_url,
        title: b.title.replace(/\s+/g, "  ").replace(/\bSenior\b/, "Sr"),
        company: `${b.company} Inc.`,
        description_text: null,
        truth,
        origin: "synthetic:aggregator-copy-no-description"
      })
    if (i % 3 === 1 && b.location) {
      // Same title, same (templated) description, another city: a different opening.
      const city = otherCity(b.location, i)
      const from = b.location.split(/[,(]/)[0].trim()
      out.push({
        ...rest,
        source_id: `${b.source_id}-other-city`,
        url: `${b.url}-other-city`,
        apply_url: null,
        location: city,
        title: from ? b.title.replace(from, city.split(",")[0]) : b.title,
        truth: `${truth}:other-city`,
        origin: "synthetic:hard-negative-other-location"
      })
    }
    const other = bases[(i + 7) % bases.length]
    if (i % 3 === 2 && desc && other.description_text && other.company !== b.company) {
      // Same title and place, another team's description.
      out.push({
        ...rest,
        source_id: `${b.source_id}-other-team`,
        url: `${b.url}-other-team`,
        apply_url: null,
        description_text: other.description_text,
        truth: `${truth}:other-team`,
        origin: "synthetic:hard-negative-other-team"
      })
    }
    if (i % 2 === 0 && other.title !== b.title) {
      out.push({
        ...rest,
        source_id: `${b.source_id}-other-role`,
        url: `${b.url}-other-role`,
        apply_url: null,
        title: other.title,
        description_text: other.description_text,
        truth: `${truth}:other-role`,
        origin: "synthetic:hard-negative-other-role"
      })
    }
  })
  return out
}

export const loadEvalSet = (): EvalPosting[] => JSON.parse(readFileSync(EVAL_SET_FILE, "utf8")).postings

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const postings = buildEvalSet()
  mkdirSync(join(root, "dedupe-eval"), { recursive: true })
  writeFileSync(
    EVAL_SET_FILE,
    JSON.stringify(
      {
        about:
          "Dedupe evaluation set. origin recorded:* rows are parsed from the named fixture; synthetic:* rows are variants made by bench/dedupe-evalset.ts. Same truth = same job.",
        postings
      },
      null,
      1
    ) + "\n"
  )
  const by = new Map<string, number>()
  for (const p of postings)
    by.set(
      p.origin.split(":")[0] === "recorded" ? "recorded" : p.origin,
      (by.get(p.origin.split(":")[0] === "recorded" ? "recorded" : p.origin) ?? 0) + 1
    )
  console.log(`${postings.length} postings → ${EVAL_SET_FILE}`, Object.fromEntries(by))
}
