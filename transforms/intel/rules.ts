/**
 * The deterministic half of the layers: what a regular expression can decide is never asked of a
 * model (salary, years, remote policy, known skills, seniority), and the rules that reject a model's
 * answer (boilerplate pain points, invented numbers in CV bullets) are code, not hope.
 */
import type { JobText } from "../lexical.ts"

export type RemotePolicy = "fully_remote" | "hybrid" | "onsite" | "not_specified"
export type Seniority = "senior" | "staff" | "principal" | "director" | "vp" | "c_level"

export interface Salary {
  readonly min: number | null
  readonly max: number | null
  readonly currency: string | null
  readonly period: string | null
  readonly from: "posting_fields" | "description"
}

export interface Deterministic {
  readonly title: string
  readonly company: string
  readonly location: string | null
  readonly remote_policy: RemotePolicy
  readonly seniority_level: Seniority | null
  readonly years_experience_required: number | null
  readonly salary: Salary | null
  readonly technical_skills: ReadonlyArray<string>
}

/** Skills matched on word edges; the display spelling is what gets stored. */
export const KNOWN_SKILLS: ReadonlyArray<string> = [
  "Salesforce",
  "HubSpot",
  "Gong",
  "Outreach",
  "Clari",
  "Marketo",
  "Tableau",
  "Looker",
  "Power BI",
  "Snowflake",
  "dbt",
  "SQL",
  "Excel",
  "Python",
  "TypeScript",
  "JavaScript",
  "Java",
  "Go",
  "Golang",
  "Rust",
  "C#",
  "Ruby",
  "Scala",
  "Kotlin",
  "Swift",
  "React",
  "Node.js",
  "AWS",
  "GCP",
  "Azure",
  "Kubernetes",
  "Docker",
  "Terraform",
  "Kafka",
  "Spark",
  "Airflow",
  "PostgreSQL",
  "MongoDB",
  "Redis",
  "GraphQL",
  "FHIR",
  "HL7",
  "HIPAA",
  "SOC 2",
  "Epic",
  "Cerner",
  "EHR",
  "CI/CD",
  "Microservices",
  "Machine Learning",
  "LLM",
  "MEDDICC",
  "MEDDPICC",
  "Challenger",
  "CRM",
  "ERP",
  "NetSuite",
  "Jira"
]

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
const skillRes = KNOWN_SKILLS.map((s) => ({
  s,
  re: new RegExp(`(^|[^A-Za-z0-9])${escapeRe(s)}(?![A-Za-z0-9])`, s.length <= 3 ? "" : "i")
}))

export const knownSkills = (text: string) => skillRes.filter((k) => k.re.test(text)).map((k) => k.s)

export const seniorityFromTitle = (title: string): Seniority | null => {
  const t = ` ${title.toLowerCase().replace(/[^a-z]+/g, " ")} `
  if (/ (chief|cto|cro|ceo|coo|cfo|cpo|cio) /.test(t)) return "c_level"
  if (/ (vp|vice president|svp|evp) /.test(t)) return "vp"
  if (/ (director|head of|head) /.test(t)) return "director"
  if (/ principal /.test(t)) return "principal"
  if (/ staff /.test(t)) return "staff"
  if (/ (senior|sr|lead) /.test(t)) return "senior"
  return null
}

export const remotePolicyOf = (j: Pick<JobText, "remote" | "description_text" | "location">): RemotePolicy => {
  if (j.remote === "remote") return "fully_remote"
  if (j.remote === "hybrid") return "hybrid"
  if (j.remote === "onsite") return "onsite"
  const t = `${j.location ?? ""}\n${j.description_text ?? ""}`
  if (/\bhybrid\b/i.test(t)) return "hybrid"
  if (/\b(fully remote|100% remote|remote[- ]first|work from anywhere|remote)\b/i.test(t)) return "fully_remote"
  if (/\b(on-?site|in[- ]office|in person)\b/i.test(t)) return "onsite"
  return "not_specified"
}

/** The smallest "N+ years" the posting asks for (a range counts by its lower end). */
export const yearsRequired = (text: string): number | null => {
  const found = [
    ...text.matchAll(/\b(\d{1,2})\s*\+?\s*(?:(?:-|–|to)\s*\d{1,2}\s*)?\+?\s*years?\b(?:[^.\n]{0,40}\bexperience\b)?/gi)
  ]
    .filter((m) => /experience/i.test(m[0]) || /\+/.test(m[0]))
    .map((m) => Number(m[1]))
    .filter((n) => n > 0 && n <= 40)
  return found.length ? Math.min(...found) : null
}

const money = (s: string) => {
  const k = /k$/i.test(s)
  const n = Number(s.replace(/[k,$\s]/gi, ""))
  return Number.isFinite(n) ? (k ? n * 1000 : n) : null
}

export const salaryOf = (j: JobText): Salary | null => {
  if (j.salary_min !== null || j.salary_max !== null)
    return {
      min: j.salary_min,
      max: j.salary_max,
      currency: j.salary_currency,
      period: j.salary_period,
      from: "posting_fields"
    }
  const m = /\$\s?(\d{2,3}(?:,\d{3})+|\d{2,3}\s?[kK])\s*(?:-|–|to)\s*\$?\s?(\d{2,3}(?:,\d{3})+|\d{2,3}\s?[kK])/.exec(
    j.description_text ?? ""
  )
  if (!m) return null
  return { min: money(m[1]), max: money(m[2]), currency: "USD", period: "year", from: "description" }
}

export const deterministicJd = (j: JobText): Deterministic => ({
  title: j.title,
  company: j.company,
  location: j.location,
  remote_policy: remotePolicyOf(j),
  seniority_level: seniorityFromTitle(j.title),
  years_experience_required: yearsRequired(j.description_text ?? ""),
  salary: salaryOf(j),
  technical_skills: knownSkills(`${j.title}\n${j.description_text ?? ""}`)
})

/** Phrases every posting says: a pain point made of them tells the candidate nothing (Layer 2's anti-boilerplate). */
export const BOILERPLATE: ReadonlyArray<RegExp> = [
  /\bteam player\b/i,
  /\bstrong communication\b/i,
  /\b(excellent|good|great|strong) (written and verbal |verbal and written )?communication skills?\b/i,
  /\bcommunication skills\b/i,
  /\bself[- ]starter\b/i,
  /\bfast[- ]paced environment\b/i,
  /\bdetail[- ]oriented\b/i,
  /\bhard[- ]working\b/i,
  /\bpassionate about\b/i,
  /\bwears? many hats\b/i,
  /\bgo[- ]getter\b/i,
  /\bproblem[- ]solving skills\b/i,
  /\bwork independently\b/i,
  /\bcollaborative (team )?environment\b/i
]

export const boilerplateIn = (text: string): string | undefined =>
  BOILERPLATE.map((re) => re.exec(text)?.[0]).find(Boolean)

/** Letters and digits only, lower case, single spaces: quotes match across punctuation and spacing. */
export const fold = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9%$]+/g, " ")
    .trim()

export const quotedIn = (quote: string, source: string) => fold(source).includes(fold(quote))

/** Numbers as written ("$19M", "92%", "2.1", "14"), reduced to their digits for comparison. */
export const numbersIn = (text: string): string[] =>
  [...text.matchAll(/\d+(?:[.,]\d+)*/g)].map((m) => m[0].replace(/,/g, "")).map((n) => n.replace(/\.0+$/, ""))

export const wordCount = (s: string) => s.trim().split(/\s+/).filter(Boolean).length

/**
 * The hallucination guard of Layer 6: a bullet may only state numbers its source achievement
 * states, its source must be one of the role's achievements verbatim, and its metric must be in it.
 */
export const bulletProblem = (
  b: { text: string; source_text: string; source_metric: string | null },
  achievements: ReadonlyArray<string>
): string | undefined => {
  const source = achievements.find((a) => fold(a) === fold(b.source_text))
  if (!source)
    return `source_text is not one of this role's achievements: ${JSON.stringify(b.source_text.slice(0, 80))}`
  const have = new Set(numbersIn(source))
  const invented = numbersIn(b.text).filter((n) => !have.has(n))
  if (invented.length) return `numbers not in the source achievement: ${invented.join(", ")}`
  if (b.source_metric && !quotedIn(b.source_metric, source))
    return `source_metric ${JSON.stringify(b.source_metric)} is not in the source achievement`
  return undefined
}
