import { readFileSync } from "node:fs"
import { join } from "node:path"
import { CORE_SCHEMA, load } from "js-yaml"
import type { FixtureRoute } from "../source.ts"

/** The body string of the first interaction of a VCR cassette (the greenhouse_io gem records that way). */
export const vcrBody = (fixturesDir: string, file: string): string => {
  const doc = load(readFileSync(join(fixturesDir, file), "utf8"), { schema: CORE_SCHEMA }) as {
    http_interactions: Array<{ response: { body: { string: string } } }>
  }
  return doc.http_interactions[0].response.body.string
}

const fixturesRoot = join(import.meta.dirname, "..", "..", "fixtures")

export const greenhouseFixtures: ReadonlyArray<FixtureRoute> = [
  { path: "/v1/boards/gitlab/jobs", file: "greenhouse/breteai-gitlab-jobs-content.json" },
  { path: "/v1/boards/stripe/jobs", file: "greenhouse/intern-radar-stripe-jobs.json" },
  { path: "/v1/boards/gongio/jobs", file: "greenhouse/candidatezero-gong-jobs.json" },
  { path: "/v1/boards/anthropic/jobs", file: "greenhouse/jobradar-greenhouse-anthropic-jobs-content.json" },
  { path: "/v1/boards/stripe/jobs/8026689", file: "greenhouse/intern-radar-stripe-job-detail.json" },
  // Recorded in 2013 on the legacy `/embed/jobs?content=true` path, whose body has the same shape.
  {
    path: "/v1/boards/generalassembly/jobs",
    handler: () => ({ body: vcrBody(fixturesRoot, "greenhouse/greenhouse_io-embed-jobs-with-content.yml") })
  }
]
