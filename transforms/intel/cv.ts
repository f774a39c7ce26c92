import { Effect } from "effect"
import type { LlmTask } from "../llm/batching.ts"
import { makeItem, untrustedDataRules } from "../llm/prompt.ts"
import { askAll } from "./ask.ts"
import type { CvRole } from "./candidate.ts"
import { keywordsOf, painGist } from "./context.ts"
import { ANNOTATION_WEIGHTS } from "./fit.ts"
import type { JobView, LayerDef } from "./layer.ts"
import { bulletProblem, fold, numbersIn } from "./rules.ts"
import { HeaderAnswer, RoleBulletsAnswer, jsonProps, type Bullet } from "./schemas.ts"

const VERSION = "cv_tailor-v1"
const MIN_BULLETS = 3

export interface QaResult {
  readonly kept: Bullet[]
  readonly rejected: Array<{ bullet: Bullet; why: string }>
}

/** Role QA: the hallucination guard applied bullet by bullet. */
export const qaBullets = (bullets: ReadonlyArray<Bullet>, role: CvRole): QaResult => {
  const kept: Bullet[] = [],
    rejected: QaResult["rejected"] = []
  for (const b of bullets) {
    const why = bulletProblem(b, role.achievements)
    if (why) rejected.push({ bullet: b, why })
    else kept.push(b)
  }
  return { kept, rejected }
}

const roleKey = (jobId: string, r: CvRole) => `${jobId}#role:${r.id}`

export const bulletsTask = (roles: ReadonlyMap<string, CvRole>): LlmTask<RoleBulletsAnswer> => ({
  name: "cv_tailor",
  promptVersion: VERSION,
  schemaName: "cv_role_results",
  system: `You are a CV writer. For each role item, write 3-5 STAR bullets (20-35 words each) tailored to the target job.
Each bullet rewrites exactly one of the role's achievements: source_text is that achievement copied verbatim;
use only numbers and claims that appear in source_text (an invented number gets the bullet rejected);
source_metric: the quantified result as written in source_text, or null; jd_keyword_used: a target keyword you worked in, or null;
pain_point_addressed: the target pain point it answers, or null.
${untrustedDataRules('{"id": "<item id>", "bullets": [{"text": ..., "source_text": ..., "source_metric": ..., "jd_keyword_used": ..., "pain_point_addressed": ...}]}')}`,
  itemSchema: RoleBulletsAnswer,
  itemJsonProps: jsonProps(RoleBulletsAnswer),
  outputTokensPerItem: 700,
  // Too few bullets surviving QA is worth a re-ask; a single bad bullet is just dropped.
  check: (out, item) => {
    const role = roles.get(item.key)
    if (!role) return undefined
    const qa = qaBullets(out.bullets, role)
    return qa.kept.length >= MIN_BULLETS
      ? undefined
      : `only ${qa.kept.length} bullet(s) passed QA (need ${MIN_BULLETS}): ${qa.rejected
          .map((r) => r.why)
          .join("; ")
          .slice(0, 300)}`
  }
})

export const headerTask = (allowedNumbers: ReadonlySet<string>): LlmTask<HeaderAnswer> => ({
  name: "cv_header",
  promptVersion: `${VERSION}-header`,
  schemaName: "cv_header_results",
  system: `You write the header of a tailored CV: headline (one line), summary (2-4 sentences grounded only in the achievements given),
key_skills (3-12, prefer the target keywords the candidate's achievements support). Never state a number that is not in the achievements.
${untrustedDataRules('{"id": "<item id>", "headline": ..., "summary": ..., "key_skills": [...]}')}`,
  itemSchema: HeaderAnswer,
  itemJsonProps: jsonProps(HeaderAnswer),
  outputTokensPerItem: 400,
  check: (out) => {
    const invented = numbersIn(`${out.headline} ${out.summary}`).filter((n) => !allowedNumbers.has(n))
    return invented.length ? `numbers not in the achievements: ${invented.join(", ")}` : undefined
  }
})

const boostOf = (v: JobView, text: string) =>
  Math.round(
    v.candidate.annotations
      .filter((a) => fold(text).includes(fold(a.keyword)))
      .reduce((n, a) => n + (a.relevance ? ANNOTATION_WEIGHTS.relevance[a.relevance] : 0), 0) * 100
  ) / 100

/** Layer 6v2: bullets per role from the master CV, QA'd against their source text, then header and summary. */
export const cvTailor: LayerDef = {
  op: "cv",
  name: "cv_tailor",
  reads: ["job", "cv", "annotations", "extracted_jd", "pain_points", "role_research"],
  writes: ["cv_text", "cv_bullets", "cv_reasoning"],
  version: VERSION,
  usesLlm: true,
  run: (v, env) =>
    Effect.gen(function* () {
      const cv = v.candidate.cv
      const roles = new Map(cv.roles.map((r) => [roleKey(v.job.id, r), r]))
      const target = [
        `target job: ${v.job.title} at ${v.job.company}`,
        `target keywords: ${keywordsOf(v).join(", ") || "(none extracted)"}`,
        `target pain points: ${JSON.stringify(painGist(v) ?? [])}`
      ].join("\n")
      const items = cv.roles.map((r) =>
        makeItem(
          roleKey(v.job.id, r),
          `${target}\nrole: ${r.title}, ${r.company}\nachievements:\n${r.achievements.map((a) => `- ${a}`).join("\n")}`
        )
      )
      env.phase("roles", { roles: items.length })
      const asked = yield* askAll(env.llm!, "intel.cv_tailor", bulletsTask(roles), items, 4)
      const perRole = cv.roles.map((r) => ({
        role: r,
        qa: qaBullets(asked.results.get(roleKey(v.job.id, r))!.out.bullets, r)
      }))
      const rejected = perRole.flatMap((p) =>
        p.qa.rejected.map((x) => `${p.role.id}: ${x.why} — ${JSON.stringify(x.bullet.text.slice(0, 80))}`)
      )
      env.phase("qa", { kept: perRole.reduce((n, p) => n + p.qa.kept.length, 0), rejected: rejected.length })
      const kept = perRole.flatMap((p) => p.qa.kept)
      const allowed = new Set(kept.flatMap((b) => numbersIn(b.source_text)))
      const rr = v.intel.role_research as { business_impact?: string[] } | undefined
      env.phase("header")
      const header = yield* askAll(env.llm!, "intel.cv_header", headerTask(allowed), [
        makeItem(
          v.job.id,
          `${target}\nbusiness impact wanted: ${JSON.stringify(rr?.business_impact ?? [])}\ncandidate: ${cv.name}\nachievements:\n${kept.map((b) => `- ${b.source_text}`).join("\n")}`
        )
      ])
      const h = header.results.get(v.job.id)!.out
      const cv_bullets = perRole.map((p) => ({
        role_id: p.role.id,
        title: p.role.title,
        company: p.role.company,
        bullets: p.qa.kept.map((b) => ({ ...b, annotation_boost: boostOf(v, b.text) }))
      }))
      const contact = cv.contact ? Object.values(cv.contact).join(" · ") : ""
      const cv_text = [
        `# ${cv.name}`,
        contact,
        "",
        `**${h.headline}**`,
        "",
        h.summary,
        "",
        `**Key skills:** ${h.key_skills.join(", ")}`,
        "",
        "## Experience",
        ...perRole.flatMap((p) => [
          "",
          `### ${p.role.title} — ${p.role.company}${p.role.start ? ` (${p.role.start}–${p.role.end ?? ""})` : ""}`,
          ...p.qa.kept.map((b) => `- ${b.text}`)
        ]),
        ...(cv.education?.length ? ["", "## Education", ...cv.education.map((e) => `- ${e}`)] : [])
      ].join("\n")
      const used = [...new Set(kept.map((b) => b.jd_keyword_used).filter(Boolean))]
      const cv_reasoning =
        `${kept.length} bullet(s) over ${perRole.length} role(s) from the master CV; keywords worked in: ${used.join(", ") || "none"}; ` +
        (rejected.length ? `QA rejected ${rejected.length}: ${rejected.join("; ")}` : "QA rejected none")
      return {
        values: { cv_text, cv_bullets, cv_reasoning },
        usd: asked.usd + header.usd,
        model: asked.model,
        message: rejected.length ? `QA rejected ${rejected.length} bullet(s)` : undefined
      }
    }),
  estimate: (v) => ({
    calls: 1 + Math.ceil(v.candidate.cv.roles.length / 4),
    inputTokens: 900 * (v.candidate.cv.roles.length + 1),
    outputTokens: 700 * v.candidate.cv.roles.length + 400
  })
}
