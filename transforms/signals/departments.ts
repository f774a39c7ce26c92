import { type HiringSpike, hiringSpikes, type RoleSighting, type VelocitySettings } from "./velocity.ts"

/** Departments a title's words point to, first match wins (engineering before data: "Data Engineer"). */
const DEPARTMENTS: ReadonlyArray<readonly [string, RegExp]> = [
  ["Sales", /\b(sales|account executive|business development|sdr|bdr)\b/i],
  ["Marketing", /\b(marketing|growth|brand|content|seo)\b/i],
  [
    "Customer Success",
    /\b(customer (success|support)|support engineer|solutions? (engineer|consultant)|implementation)\b/i
  ],
  ["Product", /\b(product (manager|owner|lead|director)|pm)\b/i],
  ["Design", /\b(designer|design|ux|ui)\b/i],
  ["Engineering", /\b(engineer(ing)?|developer|sre|devops|architect|programmer|swe)\b/i],
  ["Data", /\b(data|analytics?|analyst|scientist|machine learning|ml)\b/i],
  ["People", /\b(recruit(er|ing)|talent|people|hr|human resources)\b/i],
  ["Finance", /\b(finance|accountant|accounting|controller|fp&a|tax)\b/i],
  ["Legal", /\b(legal|counsel|attorney|compliance|paralegal)\b/i],
  ["Operations", /\b(operations|ops|logistics|supply chain)\b/i]
]

/** The department a role belongs to: the source's own when it gives one, else read from the title. */
export const departmentOf = (title: string, given?: string | null): string => {
  if (given?.trim()) return given.trim()
  return DEPARTMENTS.find(([, re]) => re.test(title))?.[0] ?? "Other"
}

export interface DepartmentSpike extends HiringSpike {
  readonly department: string
}

export type DepartmentSighting = RoleSighting & { readonly department?: string | null }

/**
 * Hiring velocity per team: the company rule of `hiringSpikes` (≥ minNew roles in 7 days and ≥
 * ratio × the team's own weekly baseline) applied to each company × department, so one team
 * opening five roles stands out even when the company as a whole hires steadily.
 */
export const departmentSpikes = (roles: ReadonlyArray<DepartmentSighting>, s: VelocitySettings): DepartmentSpike[] => {
  const SEP = "\u0000"
  const keyed = roles.map((r) => ({
    ...r,
    company_key: `${r.company_key}${SEP}${departmentOf(r.title, r.department)}`
  }))
  return hiringSpikes(keyed, s).map((spike) => {
    const [company_key, department] = spike.company_key.split(SEP)
    return { ...spike, company_key, department }
  })
}
