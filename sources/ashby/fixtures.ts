import type { FixtureRoute } from "../source.ts"

/**
 * Recorded boards. `ashby/intern-radar-ramp-board-1job.json` (the same ramp board cut to one job
 * with its full description) is read by test/ats-sources.test.ts, not served: one path, one answer.
 */
export const ashbyFixtures: ReadonlyArray<FixtureRoute> = [
  { path: "/posting-api/job-board/ramp", file: "ashby/intern-radar-ramp-board.json" },
  { path: "/posting-api/job-board/wealth-com", file: "ashby/candidatezero-wealthcom-board.json" },
  { path: "/posting-api/job-board/notion", file: "ashby/breteai-notion-board.json" }
]
