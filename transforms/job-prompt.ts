import { Effect } from "effect"
import type { NodeContext } from "../pipelines/node.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import type { JobText } from "./lexical.ts"
import { annualMaxUsd } from "./lexical.ts"
import type { Profile } from "./profile.ts"

const squash = (s: string | null | undefined, max: number) => {
  const t = (s ?? "").replace(/\s+/g, " ").trim()
  return t.length > max ? `${t.slice(0, max)}…` : t
}

/** A job as the model sees it: the fields that matter, the description cut to `descChars`. */
export const renderJob = (j: JobText, descChars: number) => {
  const salary = annualMaxUsd(j)
  return [
    `title: ${squash(j.title, 200)}`,
    `company: ${squash(j.company, 100)}`,
    `location: ${squash(j.location, 120) || "not stated"} (${j.remote ?? "unknown"})`,
    salary !== undefined ? `salary max (USD/yr): ${Math.round(salary)}` : undefined,
    j.department ? `department: ${squash(j.department, 80)}` : undefined,
    descChars > 0 && j.description_text ? `description: ${squash(j.description_text, descChars)}` : undefined
  ]
    .filter(Boolean)
    .join("\n")
}

/** The candidate, for the system prompt (the same for every batch, so provider prompt caching applies). */
export const renderProfile = (p: Profile) =>
  [
    `Candidate: ${p.summary.trim()}`,
    `Target titles: ${p.target_titles.join("; ")}`,
    p.industries.length ? `Domains: ${p.industries.join(", ")}` : "",
    p.avoid.length ? `Not interested in: ${p.avoid.join(", ")}` : "",
    `Work style: ${p.remote.replace("_", " ")}${p.locations.length ? `; locations: ${p.locations.join(", ")}` : ""}`,
    p.salary_floor_usd ? `Salary floor: $${p.salary_floor_usd}/yr` : "",
    p.strengths.length ? `Strengths: ${p.strengths.join("; ")}` : ""
  ]
    .filter(Boolean)
    .join("\n")

export const JOB_COLUMNS =
  "j.id, j.title, j.company, j.location, j.remote, j.description_text, j.salary_min, j.salary_max, j.salary_currency, j.salary_period, j.department"

/** The distinct runs whose output this node reads. */
export const inputRunIds = (ctx: Pick<NodeContext, "inputs">) => [...new Set(ctx.inputs.map((i) => i.runId))]

/** Placeholders $k.. for a list, for `in (...)`. */
export const placeholders = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => `$${i + from}`).join(", ") || "null"

/** Canonical jobs the input runs touched (dedupe sets `last_run_id`). */
export const jobsTouchedBy = (runIds: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    return yield* w.query<JobText>(
      `select ${JOB_COLUMNS} from jobs j where j.last_run_id in (${placeholders(runIds.length)}) order by j.id`,
      runIds
    )
  })
