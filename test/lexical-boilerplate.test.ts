/**
 * The lexical scorer on real recorded postings: boilerplate (benefits, EEO, about-us) is no industry
 * evidence, real domain text still is, and multi-role posts are judged by the roles they list.
 */
import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { parseHiringComment, type HnComment } from "../sources/hn/parse.ts"
import { normalizeAshbyJob } from "../sources/ashby/index.ts"
import { normalizeJobicyJob } from "../sources/jobicy/index.ts"
import type { Posting } from "../sources/source.ts"
import { stripBoilerplate } from "../transforms/boilerplate.ts"
import { lexicalScore, listedRoles, prefilter, type JobText } from "../transforms/lexical.ts"
import { loadProfile } from "../transforms/profile.ts"
import { loadDag } from "../pipelines/load.ts"
import { kinds } from "../app/index.ts"
import { jobPostingNodes, jobPostingToPosting, jsonLdBlocks } from "../sources/jsonld/parse.ts"

const fixture = (f: string) => JSON.parse(readFileSync(join("fixtures", f), "utf8"))
const text = (p: Posting): JobText => ({
  id: `${p.source}:${p.source_id}`,
  title: p.title,
  company: p.company,
  location: p.location ?? null,
  remote: p.remote ?? null,
  description_text: p.description_text ?? null,
  salary_min: p.salary_min ?? null,
  salary_max: p.salary_max ?? null,
  salary_currency: p.salary_currency ?? null,
  salary_period: p.salary_period ?? null,
  department: p.department ?? null
})
const hnPosting = (id: string) => {
  const hit = fixture("hn/hn-algolia-search-comments-story_47975571.json").hits.find(
    (h: HnComment) => h.objectID === id
  )
  const r = parseHiringComment(hit)
  if (!r.ok) throw new Error(`hn ${id}: ${r.why}`)
  return text(r.posting)
}
const notionPosting = (title: string) => {
  const j = fixture("ashby/breteai-notion-board.json").jobs.find((x: { title: string }) => x.title === title)
  return text(normalizeAshbyJob({ key: "notion", token: "notion", company: null, domain: null }, j))
}
const jobicyPosting = (id: number) =>
  text(
    normalizeJobicyJob(
      fixture("jobicy/jobsearchaggregator-remote-jobs.json").jobs.find((x: { id: number }) => x.id === id)
    )
  )
const profile = Effect.runSync(loadProfile(loadDag("dag.yaml", kinds))).profile
const industryOf = (j: JobText) => /industry: ([^;]+)/.exec(lexicalScore(profile, j).reason)?.[1] ?? "none"

describe("boilerplate is no industry evidence", () => {
  it("an adtech company's 'Benefits: 401K match (USA), healthcare, equity' line (HN, VersaFeed) gives no industry", () => {
    const j = hnPosting("47978833")
    expect(j.description_text).toMatch(/adtech/)
    expect(j.description_text).toMatch(/Benefits: 401K match \(USA\), healthcare/)
    expect(industryOf(j)).toBe("none")
  })

  it("'competitive cash compensation, equity, and benefits' and the EEO notice (Ashby, Notion) give no industry", () => {
    const j = notionPosting("Business Development Representative, New York")
    expect(j.description_text).toMatch(/equity, and benefits/)
    expect(j.description_text).toMatch(/related medical conditions/)
    expect(industryOf(j)).toBe("none")
  })

  it("a health company's own text still counts: Solace Health (HN) and Centene (Jobicy) keep their domain", () => {
    expect(industryOf(hnPosting("47975870"))).toMatch(/medicare/)
    // Centene's benefits paragraph says "health insurance"; its first line says what it does.
    const centene = jobicyPosting(150170)
    expect(centene.description_text).toMatch(/health insurance/)
    expect(stripBoilerplate(centene.description_text)).not.toMatch(/health insurance/)
    expect(industryOf(centene)).toMatch(/\bhealth\b/)
  })

  it("strips 'Here's What We Offer', 'Why You'll Love It Here', 'About <Company>' and equal-opportunity lines, keeps the role", () => {
    const page = readFileSync("fixtures/builtin/builtin-job-6872535-innovaccer.html", "utf8")
    const node = jobPostingNodes(jsonLdBlocks(page).blocks)[0]
    const innovaccer = jobPostingToPosting(node, {
      source: "builtin",
      pageUrl: "https://builtin.com/job/6872535",
      boardHost: "builtin.com"
    })!.description_text!
    const out = stripBoilerplate(innovaccer)
    expect(innovaccer).toMatch(/Generous Leaves/)
    expect(out).not.toMatch(/Generous Leaves|equal-opportunity employer/)
    expect(out).toMatch(/understands healthcare data/)
    const outreach = fixture("lever/candidatezero-outreach-postings.json").find(
      (p: { text: string }) => p.text === "Account Executive, Commercial"
    )
    const plain = stripBoilerplate(outreach.descriptionPlain + "\n" + (outreach.additionalPlain ?? ""))
    expect(`${outreach.descriptionPlain}\n${outreach.additionalPlain ?? ""}`).toMatch(/medical, dental, and vision/)
    expect(plain).not.toMatch(/medical, dental|401k|About Outreach/)
  })
})

describe("boilerplate: what stays", () => {
  it("synthetic lines: a payer-domain 'pharmacy benefit' sentence and 'About the team' / 'About you' sections stay; 'About Acme' goes", () => {
    const text = [
      "About Acme",
      "Acme makes widgets for retailers.",
      "About the team",
      "We sell to pharmacy benefit managers and health plans.",
      "About you",
      "You have led sales teams."
    ].join("\n")
    const out = stripBoilerplate(text)
    expect(out).not.toMatch(/widgets/)
    expect(out).toMatch(/pharmacy benefit managers and health plans/)
    expect(out).toMatch(/You have led sales teams/)
  })
})

describe("multi-role posts", () => {
  it("a post titled 'Multiple Engineering Roles' passes the prefilter; its listed 'Technical Lead' makes it senior", () => {
    const solace = hnPosting("47975870")
    expect(solace.title).toBe("Multiple Engineering Roles")
    expect(prefilter(profile, solace)).toMatchObject({ pass: true })
    expect(listedRoles(solace.description_text!)).toContain("Technical Lead")
    expect(lexicalScore(profile, solace).reason).toMatch(/senior title/)
  })

  it("a single-role title without seniority is still rejected, and an avoided word still rules a multi-role title out", () => {
    const single = hnPosting("47976070") // "Full Stack Engineer"
    expect(prefilter(profile, single)).toMatchObject({ pass: false, reason: expect.stringMatching(/seniority/) })
    expect(prefilter(profile, { ...hnPosting("47975870"), title: "Multiple nurse roles" })).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/avoided keyword "nurse"/)
    })
  })
})
