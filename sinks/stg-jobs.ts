import { stagingTable } from "./table.ts"

/**
 * `stg_jobs`: where every job source stages its postings and `dedupe` reads them. Created by 0001_core; a new
 * column is declared here with `since: "<new migration id>"`, and that migration is derived from it.
 */
export const stgJobs = stagingTable({
  name: "stg_jobs",
  createdBy: "0001_core",
  columns: {
    source: "VARCHAR NOT NULL",
    source_id: "VARCHAR NOT NULL",
    board: "VARCHAR",
    url: "VARCHAR",
    apply_url: "VARCHAR",
    title: "VARCHAR",
    company: "VARCHAR",
    company_domain: "VARCHAR",
    location: "VARCHAR",
    remote: "VARCHAR",
    posted_at: "TIMESTAMPTZ",
    posted_after: "TIMESTAMPTZ",
    posted_before: "TIMESTAMPTZ",
    updated_at: "TIMESTAMPTZ",
    description_text: "VARCHAR",
    salary_min: "DOUBLE",
    salary_max: "DOUBLE",
    salary_currency: "VARCHAR",
    salary_period: "VARCHAR",
    employment_type: "VARCHAR",
    department: "VARCHAR",
    tags: "VARCHAR[]",
    raw: "JSON"
  },
  indexes: { stg_jobs_run: ["run_id", "node"] }
})
