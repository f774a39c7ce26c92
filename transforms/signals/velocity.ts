export interface RoleSighting {
  readonly company_key: string
  readonly company: string
  readonly title: string
  /** When the role opened: the posting date when the source gives one, else when we first saw it. */
  readonly opened_at: string
}

export interface VelocitySettings {
  readonly asOf: string
  readonly minNew: number
  readonly ratio: number
  readonly baselineWeeks: number
}

export interface HiringSpike {
  readonly company_key: string
  readonly company: string
  readonly newRoles: number
  readonly baselinePerWeek: number
  /** False when the company has no history before the window (its first sighting may be a backlog). */
  readonly baselineKnown: boolean
  readonly titles: ReadonlyArray<string>
}

const DAY = 86_400_000

/**
 * New roles per company in the 7 days to `asOf`, against the company's own weekly average over the
 * weeks before: a spike is ≥ `minNew` new roles and ≥ `ratio` × that baseline.
 */
export const hiringSpikes = (roles: ReadonlyArray<RoleSighting>, s: VelocitySettings): HiringSpike[] => {
  const end = Date.parse(s.asOf) + DAY
  const start = end - 7 * DAY
  const baseStart = start - s.baselineWeeks * 7 * DAY
  const by = new Map<string, { company: string; recent: string[]; base: number; earliest: number }>()
  for (const r of roles) {
    const t = Date.parse(r.opened_at)
    if (Number.isNaN(t) || t >= end) continue
    const e = by.get(r.company_key) ?? { company: r.company, recent: [], base: 0, earliest: t }
    e.earliest = Math.min(e.earliest, t)
    if (t >= start) e.recent.push(r.title)
    else if (t >= baseStart) e.base++
    by.set(r.company_key, e)
  }
  const out: HiringSpike[] = []
  for (const [key, e] of by) {
    const baseline = e.base / s.baselineWeeks
    if (e.recent.length >= s.minNew && e.recent.length >= s.ratio * baseline)
      out.push({
        company_key: key,
        company: e.company,
        newRoles: e.recent.length,
        baselinePerWeek: Number(baseline.toFixed(2)),
        baselineKnown: e.earliest < start,
        titles: e.recent.slice(0, 5)
      })
  }
  return out.sort((a, b) => b.newRoles - a.newRoles)
}
