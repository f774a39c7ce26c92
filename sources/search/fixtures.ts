import type { FixtureRoute } from "../source.ts"

/** Replay routes of the search fan-out, one folder per site under `/search/{site}`. Only LinkedIn's is recorded. */
export const searchFixtures: ReadonlyArray<FixtureRoute> = [
  {
    path: "/linkedin/jobs-guest/jobs/api/seeMoreJobPostings/search",
    file: "linkedin/hunt-seeMoreJobPostings-kraken.html"
  },
  { path: "/linkedin/jobs/view/4465923787", file: "linkedin/synthetic-job-view.html" },
  { method: "POST", path: "/indeed/graphql", file: "indeed/synthetic-graphql-jobsearch.json" },
  { path: "/ziprecruiter/jobs-app/jobs", file: "ziprecruiter/synthetic-jobs-app-jobs.json" },
  { path: "/glassdoor/Job/computer-science-jobs.htm", file: "glassdoor/synthetic-job-page-with-token.html" },
  { path: "/glassdoor/findPopularLocationAjax.htm", file: "glassdoor/synthetic-find-popular-location.json" },
  { method: "POST", path: "/glassdoor/graph", file: "glassdoor/synthetic-graph-jobsearch.json" },
  { path: "/google/search", file: "google/synthetic-search-udm8.html" }
]
