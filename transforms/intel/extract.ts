import { Effect } from "effect"
import type { LlmTask } from "../llm/batching.ts"
import { untrustedDataRules } from "../llm/prompt.ts"
import { askAll } from "./ask.ts"
import { jobItem } from "./context.ts"
import { oneCall, type LayerDef } from "./layer.ts"
import { deterministicJd } from "./rules.ts"
import { JdAnswer, jsonProps } from "./schemas.ts"

const VERSION = "extract_jd-v1"

export const jdTask = (_facts: unknown): LlmTask<JdAnswer> => ({
  name: "extract_jd",
  promptVersion: VERSION,
  schemaName: "extract_jd_results",
  system: `You are an expert job description analyst. For each posting, classify the role and extract what needs judgement.
Facts already extracted by rules are given with the posting (deterministic_facts): do not contradict them.
role_category: the closest of engineering_manager, staff_principal, director_of_engineering, head_of_engineering, vp_engineering, cto,
tech_lead, senior_engineer; "other" when the role is not an engineering role (e.g. sales leadership).
competency_weights: integers for delivery, process, architecture, leadership that sum to exactly 100.
responsibilities: 5-10 items; top_keywords: the 15 (at least 5) ATS keywords that matter most, copied as the posting writes them.
implied_pain_points: problems the hire is meant to solve, inferred only from the posting text.
Use only facts in the posting; null when the posting does not say.
${untrustedDataRules('{"id": "<item id>", "role_category": ..., "seniority_level": ..., "competency_weights": {...}, "responsibilities": [...], ...}')}`,
  itemSchema: JdAnswer,
  itemJsonProps: jsonProps(JdAnswer),
  outputTokensPerItem: 900
})

/** Layer 1.4: rules first (salary, years, remote policy, known skills, seniority from title), the model for the rest. */
export const extractJd: LayerDef = {
  op: "extract",
  name: "extract_jd",
  reads: ["job"],
  writes: ["extracted_jd"],
  version: VERSION,
  usesLlm: true,
  precondition: (v) =>
    (v.job.description_text ?? "").trim().length < 40 ? "the posting has no description to extract from" : undefined,
  run: (v, env) =>
    Effect.gen(function* () {
      const facts = deterministicJd(v.job)
      env.phase("rules", facts)
      const item = jobItem(v, { deterministic_facts: { ...facts, title: undefined, company: undefined } })
      env.phase("model")
      const asked = yield* askAll(env.llm!, "intel.extract_jd", jdTask(facts), [item])
      const a = asked.results.get(v.job.id)!.out
      const skills = [
        ...facts.technical_skills,
        ...a.technical_skills.filter((s) => !facts.technical_skills.some((f) => f.toLowerCase() === s.toLowerCase()))
      ]
      const extracted_jd = {
        title: facts.title,
        company: facts.company,
        location: facts.location,
        remote_policy: facts.remote_policy,
        role_category: a.role_category,
        // The title decides seniority when it names one; the model only fills the gap.
        seniority_level: facts.seniority_level ?? a.seniority_level,
        competency_weights: a.competency_weights,
        responsibilities: a.responsibilities,
        qualifications: a.qualifications,
        nice_to_haves: a.nice_to_haves,
        technical_skills: skills,
        soft_skills: a.soft_skills,
        implied_pain_points: a.implied_pain_points,
        success_metrics: a.success_metrics,
        top_keywords: a.top_keywords,
        industry_background: a.industry_background,
        years_experience_required: facts.years_experience_required,
        education_requirements: a.education_requirements,
        salary: facts.salary
      }
      return { values: { extracted_jd }, usd: asked.usd, model: asked.model }
    }),
  estimate: (v) => oneCall(2500 + Math.min(12_000, (v.job.description_text ?? "").length), 900)
}
