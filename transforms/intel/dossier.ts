import { Effect } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Fatal } from "../../core/errors.ts"
import type { JobView, LayerDef } from "./layer.ts"
import type { AnalysisItem, CompanyResearch } from "./schemas.ts"

const VERSION = "dossier-v1"

type Pkg = {
  contact_type: string
  contact_name: string | null
  is_synthetic: boolean
  email_subject: string
  email_body: string
  linkedin_connection_message: string
}
type Contact = {
  name: string | null
  role: string
  contact_type: string
  is_synthetic: boolean
  linkedin_url: string | null
}

const list = (xs: ReadonlyArray<string> | undefined) => (xs?.length ? xs.map((x) => `- ${x}`).join("\n") : "_none_")
const items = (xs: ReadonlyArray<AnalysisItem> | undefined) =>
  xs?.length ? xs.map((x) => `- ${x.text} (${x.confidence}) — _“${x.evidence}”_`).join("\n") : "_not analysed yet_"

/** The user's 10 dossier sections, from whatever the layers have produced so far. */
export const renderDossier = (v: JobView): string => {
  const i = v.intel
  const jd = i.extracted_jd as Record<string, any> | undefined
  const cr = i.company_research as CompanyResearch | undefined
  const rr = i.role_research as { summary: string; business_impact: string[]; why_now: string } | undefined
  const pains = i.pain_points as AnalysisItem[] | undefined
  const fd = i.fit_details as
    | {
        star_ids?: string[]
        model_score?: number
        annotation_score?: number | null
        gaps?: string[]
        matched_annotations?: string[]
      }
    | undefined
  const stars = v.candidate.stars.filter((s) => fd?.star_ids?.includes(s.id))
  const contacts = [...((i.primary_contacts as Contact[]) ?? []), ...((i.secondary_contacts as Contact[]) ?? [])]
  const pkgs = (i.outreach_packages as Pkg[] | undefined) ?? []
  const letter = pkgs.find((p) => p.contact_type === "hiring_manager") ?? pkgs[0]
  return (
    [
      `# Dossier: ${v.job.title} — ${v.job.company}`,
      "",
      "## 1. Pain → Proof → Plan",
      pains?.length
        ? `**Pain:** ${pains[0].text}\n\n**Proof:** ${stars[0] ? `${stars[0].result} [${stars[0].id}]` : "_no STAR record cited yet_"}\n\n**Plan:** ${rr?.business_impact?.[0] ?? "_run research_"}`
        : "_run the pain layer first_",
      "",
      "## 2. Job summary & requirements",
      `- Location: ${v.job.location ?? "not stated"} (${jd?.remote_policy ?? v.job.remote ?? "unknown"})`,
      jd
        ? `- Role category: ${jd.role_category}; seniority: ${jd.seniority_level}; years required: ${jd.years_experience_required ?? "not stated"}`
        : "",
      jd?.competency_weights
        ? `- Competency weights: ${Object.entries(jd.competency_weights)
            .map(([k, n]) => `${k} ${n}`)
            .join(", ")}`
        : "",
      jd
        ? `- Top keywords: ${(jd.top_keywords ?? []).join(", ")}\n\n**Qualifications**\n${list(jd.qualifications)}`
        : "",
      "",
      "## 3. Pain point analysis",
      items(pains),
      "",
      "**Strategic needs**",
      items(i.strategic_needs as AnalysisItem[]),
      "",
      "**Risks if unfilled**",
      items(i.risks_if_unfilled as AnalysisItem[]),
      "",
      "## 4. Role research",
      rr
        ? `${rr.summary}\n\n**Why now:** ${rr.why_now}\n\n**Business impact**\n${list(rr.business_impact)}`
        : "_not researched yet_",
      "",
      "## 5. Selected STAR achievements",
      stars.length
        ? stars.map((s) => `- **[${s.id}]** ${s.situation} → ${s.action} → ${s.result}`).join("\n")
        : "_none cited yet_",
      "",
      "## 6. Company overview & signals",
      cr
        ? `${cr.summary} (type: ${cr.company_type})\n\n${cr.signals.length ? cr.signals.map((s) => `- ${s.date} ${s.type}: ${s.description} — ${s.source}`).join("\n") : "_no recorded signals_"}`
        : "_not researched yet_",
      "",
      "## 7. Fit analysis",
      i.fit_score !== undefined
        ? `**${i.fit_score}/100** (${i.fit_category}, tier ${i.tier}; model ${fd?.model_score}, annotations ${fd?.annotation_score ?? "n/a"})\n\n${i.fit_rationale}\n\n**Gaps**\n${list(fd?.gaps)}`
        : "_not scored yet_",
      "",
      "## 8. People & outreach",
      contacts.length
        ? contacts
            .map(
              (c) =>
                `- ${c.name ?? "_unknown_"} — ${c.role} (${c.contact_type})${c.is_synthetic ? " **placeholder**" : ""}${c.linkedin_url ? ` ${c.linkedin_url}` : ""}`
            )
            .join("\n")
        : "_no outreach yet_",
      "",
      "## 9. Cover letter",
      letter
        ? `_Drafted from the ${letter.contact_type} email._\n\n**${letter.email_subject}**\n\n${letter.email_body}`
        : "_no draft yet (run outreach)_",
      "",
      "## 10. Metadata & application form fields",
      `- Job id: ${v.job.id}`,
      `- Job URL: ${v.job.url ?? "n/a"}`,
      `- Company key: ${v.job.company_key ?? "n/a"}`,
      `- Salary: ${jd?.salary ? `${jd.salary.min ?? "?"}–${jd.salary.max ?? "?"} ${jd.salary.currency ?? ""}/${jd.salary.period ?? ""}` : "not stated"}`,
      `- CV: ${i.cv_text ? "tailored (see job_intel.cv_text)" : "not generated"}`
    ]
      .filter((l) => l !== "")
      .join("\n")
      .replace(/\n(## )/g, "\n\n$1") + "\n"
  )
}

const safeName = (id: string) => id.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 120)

/** Layer 7: Markdown under dossiers/ (next to dag.yaml), path stored on the job. No model call. */
export const dossier: LayerDef = {
  op: "dossier",
  name: "dossier",
  reads: [
    "job",
    "stars",
    "extracted_jd",
    "pain_points",
    "strategic_needs",
    "risks_if_unfilled",
    "company_research",
    "role_research",
    "fit_score",
    "fit_rationale",
    "fit_details",
    "primary_contacts",
    "secondary_contacts",
    "outreach_packages",
    "cv_text"
  ],
  writes: ["dossier_path"],
  version: VERSION,
  usesLlm: false,
  precondition: (v) =>
    ["extracted_jd", "pain_points", "fit_score", "company_research"].some(
      (k) => v.intel[k as keyof typeof v.intel] !== undefined
    )
      ? undefined
      : "nothing to assemble yet: run extract, pain, research or fit first",
  run: (v, env) =>
    Effect.gen(function* () {
      const dir = env.dag.resolvePath("dossiers")
      const path = join(dir, `${safeName(v.job.id)}.md`)
      const text = renderDossier(v)
      yield* Effect.try({
        try: () => {
          mkdirSync(dir, { recursive: true })
          writeFileSync(path, text)
        },
        catch: (e) =>
          new Fatal({ reason: "Internal", message: `cannot write dossier ${path}: ${(e as Error).message}` })
      })
      env.phase("written", { path })
      return { values: { dossier_path: path }, usd: 0 }
    }),
  estimate: () => ({ calls: 0, inputTokens: 0, outputTokens: 0 })
}
