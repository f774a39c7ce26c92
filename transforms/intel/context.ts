import { renderJob } from "../job-prompt.ts"
import { makeItem } from "../llm/prompt.ts"
import type { Candidate } from "./candidate.ts"
import type { JobView } from "./layer.ts"

/** How much of a description a layer sends (full postings rarely exceed it). */
export const DESCRIPTION_CHARS = 12_000

const json = (v: unknown) => JSON.stringify(v, null, 0)

/** The posting plus named earlier outputs, as one delimited item keyed by job id. */
export const jobItem = (v: JobView, extras: Record<string, unknown> = {}, key = v.job.id) =>
  makeItem(
    key,
    [
      renderJob(v.job, DESCRIPTION_CHARS),
      ...Object.entries(extras)
        .filter(([, x]) => x !== undefined && x !== null)
        .map(([k, x]) => `${k}: ${typeof x === "string" ? x : json(x)}`)
    ].join("\n")
  )

export const renderStars = (c: Candidate) =>
  c.stars
    .map(
      (s) => `[${s.id}] S: ${s.situation} T: ${s.task} A: ${s.action} R: ${s.result} (skills: ${s.skills.join(", ")})`
    )
    .join("\n")

export const renderCvFacts = (c: Candidate) =>
  c.cv.roles.map((r) => `${r.title}, ${r.company}:\n${r.achievements.map((a) => `  - ${a}`).join("\n")}`).join("\n")

/** Short forms of earlier layers for later prompts (the model needs their gist, not every field). */
export const painGist = (v: JobView) => {
  const p = v.intel.pain_points as ReadonlyArray<{ text: string }> | undefined
  return p?.map((x) => x.text)
}
export const keywordsOf = (v: JobView) =>
  (v.intel.extracted_jd as { top_keywords?: string[] } | undefined)?.top_keywords ?? []

export const descriptionOf = (v: JobView) => `${v.job.title}\n${v.job.description_text ?? ""}`
