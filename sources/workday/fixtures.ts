import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { FixtureRoute } from "../source.ts"
import type { WorkdayBoard } from "../../targets/universe.ts"

const root = join(import.meta.dirname, "..", "..", "fixtures")

/**
 * Two recorded listings did not keep which tenant/site they came from (candidatezero's is tenant
 * `workday` on wd5, site not recorded; intern-radar's names neither), so their replay boards say so
 * in their names rather than guessing one. JobRadar's GDIT listing was recorded at its real path.
 */
export const workdayReplayBoards: ReadonlyArray<WorkdayBoard> = [
  { tenant: "tenant-not-recorded", site: "site-not-recorded", instance: "wd1" },
  { tenant: "workday", site: "site-not-recorded", instance: "wd5" },
  { tenant: "gdit", site: "External_Career_Site", instance: "wd5" }
]
const listings: Record<string, string> = {
  "tenant-not-recorded.wd1.myworkdayjobs.com/wday/cxs/tenant-not-recorded/site-not-recorded":
    "workday/intern-radar-jobs.json",
  "workday.wd5.myworkdayjobs.com/wday/cxs/workday/site-not-recorded": "workday/candidatezero-workday-jobs.json",
  "gdit.wd5.myworkdayjobs.com/wday/cxs/gdit/External_Career_Site": "workday/jobradar-workday-gdit-cxs-search.json"
}

/**
 * Under a base_url the Workday host becomes the first path segment (`{base}/{tenant}.{instance}.myworkdayjobs.com/wday/cxs/…`),
 * which is how these routes tell tenants apart. Listings are served with Workday's offset/limit
 * slicing of the recorded postings; the Synchrony detail is served at its own path.
 */
export const workdayFixtures: ReadonlyArray<FixtureRoute> = [
  {
    path: "/synchronyfinancial.wd5.myworkdayjobs.com/wday/cxs/synchronyfinancial/University/job/Stamford-Hub/BLP-Intern---Technology_2601695-1",
    file: "workday/intern-radar-synchrony-job-detail.json"
  },
  {
    path: "/gdit.wd5.myworkdayjobs.com/wday/cxs/gdit/External_Career_Site/job/USA-DC-Washington/Data-Engineer_RQ216675",
    file: "workday/jobradar-workday-gdit-cxs-job-detail.json"
  },
  ...Object.entries(listings).map(
    ([prefix, file]): FixtureRoute => ({
      method: "POST",
      path: `/${prefix}/jobs`,
      handler: ({ body }) => {
        const page = JSON.parse(readFileSync(join(root, file), "utf8")) as { jobPostings: unknown[] }
        const req = (body ? JSON.parse(body) : {}) as { offset?: number; limit?: number }
        const offset = req.offset ?? 0
        const limit = req.limit ?? 20
        return { body: JSON.stringify({ ...page, jobPostings: page.jobPostings.slice(offset, offset + limit) }) }
      }
    })
  )
]
