import type { DepartmentSpike } from "./departments.ts"
import type { SignalDraft } from "./store.ts"
import type { VelocitySettings } from "./velocity.ts"

/**
 * A team hiring fast, from our own job history (the growth signal LinkedIn would give): one
 * `hiring_velocity` signal per company × department × week, so the same spike is one signal per week.
 */
export const velocityDraft = (s: DepartmentSpike, v: VelocitySettings, week: string): SignalDraft => ({
  dedupeKey: `hiring_velocity|${s.company_key}|${s.department}|${week}`,
  company_key: s.company_key,
  company_name: s.company,
  type: "hiring_velocity",
  signal_date: v.asOf,
  title: `${s.company} ${s.department}: ${s.newRoles} new roles in 7 days`,
  evidence: `${s.newRoles} new ${s.department} roles in the 7 days to ${v.asOf} (team baseline ${s.baselinePerWeek}/week over ${v.baselineWeeks} weeks${s.baselineKnown ? "" : ", no history before the window"}): ${s.titles.join("; ")}`,
  source: { url: null, origin: "jobs", title: "hiring velocity by department", published_at: v.asOf },
  // With no history before the window the burst may be the first crawl of a backlog.
  confidence: s.baselineKnown ? 0.85 : 0.55,
  details: {
    department: s.department,
    new_roles: s.newRoles,
    baseline_per_week: s.baselinePerWeek,
    baseline_known: s.baselineKnown,
    titles: s.titles
  },
  why_now: `${s.company}'s ${s.department} team opened ${s.newRoles} roles in the 7 days to ${v.asOf} (baseline ${s.baselinePerWeek}/week)`
})
