/** ATS connectors against their recorded responses: normalization, paging, details, boards from the universe. */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { sources } from "../app/index.ts"
import { fixturesDir, startReplayServer, type ReplayServer } from "../sources/replay.ts"
import { greenhouse } from "../sources/greenhouse/index.ts"
import { lever, LEVER_EU, leverBaseUrl } from "../sources/lever/index.ts"
import { ashby, normalizeAshbyJob } from "../sources/ashby/index.ts"
import { AshbyJob } from "../sources/ashby/schema.ts"
import { workday, cxsRoot } from "../sources/workday/index.ts"
import { workdayPosted } from "../sources/workday/posted.ts"
import { smartrecruiters } from "../sources/smartrecruiters/index.ts"
import { workable } from "../sources/workable/index.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { collectPromise } from "./support/source-run.ts"
import { dagFrom, run, tempDir, withDb } from "./support/harness.ts"
import { Schema } from "effect"
import type { Posting } from "../model/posting.ts"

let replay: ReplayServer
beforeAll(async () => {
  replay = await startReplayServer(sources)
})
afterAll(() => replay.close())

const recorded = (file: string) => JSON.parse(readFileSync(join(fixturesDir, file), "utf8"))
const base = (kind: string) => replay.baseUrlFor(kind)
const hitsSince = (start: number, prefix: string) =>
  replay.requests.slice(start).filter((r) => r.path.startsWith(prefix))
const byId = (rs: ReadonlyArray<Posting>, suffix: string) => rs.find((r) => r.source_id.endsWith(suffix))!

describe("lever", () => {
  it("normalizes salaryRange, workplaceType, commitment and team from the recorded Outreach postings", async () => {
    const { records, skips } = await collectPromise(lever, { base_url: base("lever"), boards: ["outreach"] })
    expect(skips).toEqual([])
    expect(records).toHaveLength(4)
    expect(byId(records, "a60fb104-ce93-4ba0-8763-ffb075b3eed1")).toMatchObject({
      source_id: "outreach:a60fb104-ce93-4ba0-8763-ffb075b3eed1",
      remote: "remote",
      salary_min: 140000,
      salary_max: 160000,
      salary_currency: "USD",
      salary_period: "year",
      employment_type: "full_time",
      department: "Sales / Account Executives",
      apply_url: "https://jobs.lever.co/outreach/a60fb104-ce93-4ba0-8763-ffb075b3eed1/apply",
      posted_at: new Date(1782753306506).toISOString()
    })
    const noPay = byId(records, "f9e62dad-44bf-4e52-88ca-854a2b26fa58")
    expect(noPay.remote).toBe("hybrid")
    expect(noPay.salary_min ?? null).toBeNull()
  })

  it("pages with skip/limit and stops on the first short page", async () => {
    const start = replay.requests.length
    const { records } = await collectPromise(lever, { base_url: base("lever"), boards: ["outreach"], page_size: 2 })
    expect(records).toHaveLength(4)
    // 2 + 2 + an empty page: a full page never proves the end.
    expect(
      hitsSince(start, "/lever/v0/postings/outreach").map((r) => new URL(r.path, "http://x").searchParams.get("skip"))
    ).toEqual(["0", "2", "4"])
  })

  it("uses the EU host for region: eu unless a base_url is given", () => {
    expect(leverBaseUrl({ region: "eu" }, lever.defaultBaseUrl)).toBe(LEVER_EU)
    expect(leverBaseUrl({}, lever.defaultBaseUrl)).toBe("https://api.lever.co")
    expect(leverBaseUrl({ region: "eu", base_url: "http://127.0.0.1:1" }, "http://127.0.0.1:1")).toBe(
      "http://127.0.0.1:1"
    )
  })
})

describe("ashby", () => {
  it("turns the compensation summary into salary fields (yearly and hourly) and keeps unlisted jobs, tagged", async () => {
    const { records, skips } = await collectPromise(ashby, { base_url: base("ashby"), boards: ["wealth-com"] })
    expect(skips).toEqual([])
    expect(records).toHaveLength(5)
    expect(byId(records, "c46c1464-d1e3-4fb7-9ace-7f1b9b65774c")).toMatchObject({
      salary_min: 130000,
      salary_max: 180000,
      salary_currency: "USD",
      salary_period: "year",
      remote: "remote",
      employment_type: "full_time"
    })
    expect(byId(records, "fcd184e8-d7c9-4c58-b5f5-56b7ee5c80ac")).toMatchObject({
      salary_min: 30,
      salary_max: 38,
      salary_period: "hour"
    })
    expect(byId(records, "nocomp-0002").salary_min ?? null).toBeNull()
    expect(byId(records, "unlisted-draft-0001").tags).toEqual(["unlisted"])
    // No workplaceType and no isRemote: unknown, not a guess.
    expect(byId(records, "2cba0d45-7a4f-4f38-ac73-3f8633bf0349").remote).toBe("unknown")
  })

  it("prefers workplaceType over isRemote, and reads the full description of the one-job recording", () => {
    const body = recorded("ashby/intern-radar-ramp-board-1job.json")
    const job = Schema.decodeUnknownSync(AshbyJob)(body.jobs[0], { onExcessProperty: "ignore" })
    const p = normalizeAshbyJob({ key: "ramp", token: "ramp", company: "Ramp", domain: "ramp.com" }, job)
    expect(p).toMatchObject({
      remote: "hybrid",
      company: "Ramp",
      company_domain: "ramp.com",
      department: "Engineering / Backend",
      employment_type: "full_time"
    })
    expect(p.description_text!.length).toBeGreaterThan(2000)
  })
})

describe("workday", () => {
  const now = Date.parse("2026-10-20T15:30:00Z")
  it("reads relative posted text honestly: exact days as posted_at, '30+ days' only as posted_before", () => {
    expect(workdayPosted("Posted Today", now)).toEqual({
      posted_at: "2026-10-20T00:00:00.000Z",
      posted_after: null,
      posted_before: null
    })
    expect(workdayPosted("Posted Yesterday", now).posted_at).toBe("2026-10-19T00:00:00.000Z")
    expect(workdayPosted("Posted 3 Days Ago", now).posted_at).toBe("2026-10-17T00:00:00.000Z")
    expect(workdayPosted("Posted 30+ Days Ago", now)).toEqual({
      posted_at: null,
      posted_after: null,
      posted_before: "2026-09-21T00:00:00.000Z"
    })
    expect(workdayPosted("Posted recently", now)).toEqual({ posted_at: null, posted_after: null, posted_before: null })
  })

  it("puts the tenant host into the path under a base_url, and uses the real host without one", () => {
    const b = { tenant: "synchronyfinancial", site: "University", instance: "wd5" }
    expect(cxsRoot(b, undefined)).toBe(
      "https://synchronyfinancial.wd5.myworkdayjobs.com/wday/cxs/synchronyfinancial/University"
    )
    expect(cxsRoot(b, "http://127.0.0.1:9/workday/")).toBe(
      "http://127.0.0.1:9/_host/synchronyfinancial.wd5.myworkdayjobs.com/workday/synchronyfinancial.wd5.myworkdayjobs.com/wday/cxs/synchronyfinancial/University"
    )
  })

  it("pages by offset (POST body) until a page comes back empty, and maps remoteType", async () => {
    const start = replay.requests.length
    const { records, skips } = await collectPromise(workday, {
      base_url: base("workday"),
      boards: [{ tenant: "workday", site: "site-not-recorded", instance: "wd5" }],
      details: false,
      page_size: 2
    })
    expect(skips).toEqual([])
    expect(records.map((r) => r.remote)).toEqual(["onsite", "onsite", "onsite", "hybrid"])
    expect(
      hitsSince(start, "/workday/workday.wd5.myworkdayjobs.com/wday/cxs/workday/site-not-recorded/jobs")
    ).toHaveLength(3)
    expect(records[0].source_id).toBe(
      "workday/site-not-recorded:/job/USAVAReston/Analytics-Sr-Software-Engineer--US-Federal-_JR-0105489-1"
    )
  })

  it("fetches each posting's detail: description, time type, hiring organization, and the 30+ day range", async () => {
    // A one-entry listing made from the recorded detail itself (no listing was recorded for this site).
    const info = recorded("workday/intern-radar-synchrony-job-detail.json").jobPostingInfo
    const externalPath = "/job/Stamford-Hub/BLP-Intern---Technology_2601695-1"
    replay.script("/workday/synchronyfinancial.wd5.myworkdayjobs.com/wday/cxs/synchronyfinancial/University/jobs", [
      {
        status: 200,
        body: JSON.stringify({
          total: 1,
          jobPostings: [
            {
              title: info.title,
              externalPath,
              locationsText: info.location,
              postedOn: info.postedOn,
              bulletFields: [info.jobReqId]
            }
          ]
        })
      }
    ])
    const { records, skips } = await collectPromise(workday, {
      base_url: base("workday"),
      boards: [{ tenant: "synchronyfinancial", site: "University", instance: "wd5" }]
    })
    expect(skips).toEqual([])
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({
      company: "Synchrony Bank",
      employment_type: "full_time",
      posted_at: null,
      url: "https://synchronyfinancial.wd5.myworkdayjobs.com/University/job/Stamford-Hub/BLP-Intern---Technology_2601695-1"
    })
    expect(records[0].posted_before).toMatch(/^\d{4}-\d\d-\d\dT00:00:00.000Z$/)
    expect(records[0].description_text).toContain("Business Leadership Program")
  })

  it("keeps a posting whose detail fails, counting the failure", async () => {
    const { records, skips } = await collectPromise(workday, {
      base_url: base("workday"),
      boards: [{ tenant: "workday", site: "site-not-recorded", instance: "wd5" }]
    })
    expect(records).toHaveLength(4)
    expect(records.every((r) => r.description_text == null)).toBe(true)
    expect(skips).toHaveLength(4)
    expect(skips[0]).toMatchObject({ reason: "NotFound", unit: "workday board workday.wd5/site-not-recorded" })
    expect(skips[0].message).toContain("posting kept without it")
  })
})

describe("smartrecruiters", () => {
  it("pages by offset/limit against totalFound and stops at a short page", async () => {
    const start = replay.requests.length
    const { records } = await collectPromise(smartrecruiters, {
      base_url: base("smartrecruiters"),
      boards: ["HireVue"],
      details: false,
      page_size: 2
    })
    expect(records).toHaveLength(3)
    expect(hitsSince(start, "/smartrecruiters/v1/companies/HireVue/postings")).toHaveLength(2)
    expect(records[0]).toMatchObject({
      remote: "remote",
      employment_type: "part_time",
      department: "Data Science",
      company: "HireVue Inc"
    })
  })

  it("reads the posting detail: job ad sections as text, hourly pay, posting and apply URLs", async () => {
    const detail = recorded("smartrecruiters/intern-radar-westerndigital-posting-detail.json")
    // A one-posting listing made from the recorded detail's own fields (its listing page was not recorded).
    const { jobAd: _ad, compensation: _c, postingUrl: _p, applyUrl: _a, ...listed } = detail
    replay.script("/smartrecruiters/v1/companies/WesternDigital/postings", [
      { status: 200, body: JSON.stringify({ offset: 0, limit: 100, totalFound: 1, content: [listed] }) }
    ])
    const { records, skips } = await collectPromise(smartrecruiters, {
      base_url: base("smartrecruiters"),
      boards: ["WesternDigital"]
    })
    expect(skips).toEqual([])
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({
      salary_min: 34,
      salary_max: 47,
      salary_currency: "USD",
      salary_period: "hour",
      remote: "hybrid",
      employment_type: "internship",
      url: detail.postingUrl,
      apply_url: detail.applyUrl
    })
    expect(records[0].description_text).toMatch(/^Company Description\n/)
    expect(records[0].description_text).toContain("Qualifications\n")
  })
})

describe("workable", () => {
  it("normalizes the recorded CrewAI account: telecommuting, employment type, locations, account name", async () => {
    const { records, skips } = await collectPromise(workable, { base_url: base("workable"), boards: ["crewai"] })
    expect(skips).toEqual([])
    expect(records).toHaveLength(4)
    expect(records[0]).toMatchObject({
      company: "CrewAI",
      remote: "remote",
      employment_type: "full_time",
      location: "São Paulo, State of São Paulo, Brazil",
      apply_url: "https://apply.workable.com/j/3862836931/apply"
    })
    expect(byId(records, "0AB5665160").remote).toBe("unknown")
  })
})

describe("greenhouse extended", () => {
  it("fetches the single-job detail for a job listed without content: description, departments, offices", async () => {
    const detail = recorded("greenhouse/intern-radar-stripe-job-detail.json")
    // The listing entry of this job is the detail without its content (what /jobs serves without ?content=true).
    const { content: _c, departments: _d, offices: _o, ...listed } = detail
    replay.script("/greenhouse/v1/boards/stripe/jobs", [
      { status: 200, body: JSON.stringify({ jobs: [listed], meta: { total: 1 } }) }
    ])
    const { records, skips } = await collectPromise(greenhouse, { base_url: base("greenhouse"), boards: ["stripe"] })
    expect(skips).toEqual([])
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({ source_id: "stripe:8026689", department: "6480 Internal Audit" })
    expect(records[0].description_text!.length).toBeGreaterThan(500)
  })

  it("keeps jobs whose detail fails, without a description, each failure counted", async () => {
    const { records, skips } = await collectPromise(greenhouse, { base_url: base("greenhouse"), boards: ["stripe"] })
    expect(records).toHaveLength(3)
    expect(skips.map((s) => s.reason)).toEqual(["NotFound", "NotFound", "NotFound"])
  })

  it("reads employment type from the board's metadata", async () => {
    const { records } = await collectPromise(greenhouse, {
      base_url: base("greenhouse"),
      boards: ["gongio"],
      details: false
    })
    expect(byId(records, "4678879006").employment_type).toBe("full_time")
    expect(byId(records, "4679941006").employment_type).toBeNull()
  })
})

describe("boards from the target universe", () => {
  it("fans out over the provider's boards in the universe, naming each company", async () => {
    const targets = [
      { name: "Palantir Technologies", domain: "palantir.com", ats: "lever" as const, board: "palantir" },
      { name: "Outreach", domain: "outreach.io", ats: "lever" as const, board: "outreach" },
      { name: "Notion", ats: "ashby" as const, board: "notion" },
      { name: "Some Payer", ats: "unknown" as const }
    ]
    const { records, units } = await collectPromise(lever, { base_url: base("lever") }, targets)
    expect(units.map((u: any) => u.key)).toEqual(["palantir", "outreach"])
    expect(records).toHaveLength(7)
    expect(records.find((r) => r.board === "palantir")).toMatchObject({
      company: "Palantir Technologies",
      company_domain: "palantir.com"
    })
  })

  it("without with.boards and without a universe file the node fails with a config error naming both", async () => {
    const dag = dagFrom(`version: 1
nodes:
  lv: { source: lever, with: { base_url: "${base("lever")}" } }
`)
    const { summary } = await withDb(join(tempDir(), "w.duckdb"), run({ dag }))
    expect(summary.nodes[0].status).toBe("failed")
    expect(summary.nodes[0].error).toMatch(/Fatal\/Config.*no with\.boards given.*targets\/companies\.yaml/s)
  })

  it("reads the universe file dag.yaml names", async () => {
    const dir = tempDir()
    const { writeFileSync } = await import("node:fs")
    writeFileSync(
      join(dir, "universe.yaml"),
      "companies:\n  - { name: CrewAI, domain: crewai.com, ats: workable, board: crewai }\n"
    )
    const dag = dagFrom(
      `version: 1
targets: universe.yaml
nodes:
  wk: { source: workable, with: { base_url: "${base("workable")}" } }
`,
      dir
    )
    const db = join(dir, "w.duckdb")
    const { summary } = await withDb(db, run({ dag }))
    expect(summary.nodes[0]).toMatchObject({ status: "success", rowsOut: 4 })
    const rows = await withDb(
      db,
      Effect.flatMap(Warehouse, (w) =>
        w.query<{ company_domain: string }>("select distinct company_domain from stg_jobs")
      )
    )
    expect(rows).toEqual([{ company_domain: "crewai.com" }])
  })
})
