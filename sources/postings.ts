import type { Posting } from "../model/posting.ts"
import { httpUrl, refusedUrlFields } from "../model/url.ts"
import { stgJobs } from "../sinks/stg-jobs.ts"
import type { StagingOutput } from "./source.ts"

/**
 * Longest description staged, in characters. Real postings run to 5–30k characters; a 10 MB
 * description is a broken or hostile page, and every later stage (dedupe similarity, LLM prompts,
 * MongoDB documents) would carry it. Cut ones end with a note saying how long they were.
 */
export const MAX_DESCRIPTION_CHARS = 100_000

const capDescription = (text: string | null | undefined) =>
  text == null
    ? null
    : text.length <= MAX_DESCRIPTION_CHARS
      ? text
      : `${text.slice(0, MAX_DESCRIPTION_CHARS)}\n[description truncated: ${text.length} characters, kept ${MAX_DESCRIPTION_CHARS}]`

/** Every job source stages into `stg_jobs` (sinks/stg-jobs.ts); `dedupe` reads it from there. */
export const postingsStaging: StagingOutput<Posting, typeof stgJobs> = {
  table: stgJobs,
  toRow: (p) => {
    // A non-http(s) link (javascript:, data:, relative) is dropped here, the one path every job source stages through;
    // the row keeps which fields were dropped (not their values) in `raw.refused_urls`.
    const refused = refusedUrlFields({ url: p.url, apply_url: p.apply_url })
    const raw =
      refused.length === 0
        ? (p.raw ?? null)
        : p.raw && typeof p.raw === "object" && !Array.isArray(p.raw)
          ? { ...p.raw, refused_urls: refused }
          : { source_raw: p.raw ?? null, refused_urls: refused }
    return {
      source: p.source,
      source_id: p.source_id,
      board: p.board ?? null,
      url: httpUrl(p.url),
      apply_url: httpUrl(p.apply_url),
      title: p.title,
      company: p.company,
      company_domain: p.company_domain ?? null,
      location: p.location ?? null,
      remote: p.remote,
      posted_at: p.posted_at ?? null,
      posted_after: p.posted_after ?? null,
      posted_before: p.posted_before ?? null,
      updated_at: p.updated_at ?? null,
      description_text: capDescription(p.description_text),
      salary_min: p.salary_min ?? null,
      salary_max: p.salary_max ?? null,
      salary_currency: p.salary_currency ?? null,
      salary_period: p.salary_period ?? null,
      employment_type: p.employment_type ?? null,
      department: p.department ?? null,
      tags: p.tags ?? [],
      raw
    }
  },
  key: (p) => p.source_id,
  cursorValue: (p) => p.updated_at ?? p.posted_at ?? null,
  timeValue: (p) => p.posted_at ?? p.posted_before ?? null
}
