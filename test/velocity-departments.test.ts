import { describe, expect, it } from "vitest"
import { departmentOf, departmentSpikes } from "../transforms/signals/departments.ts"

const settings = { asOf: "2026-03-10", minNew: 5, ratio: 2, baselineWeeks: 4 }
const role = (title: string, opened_at: string, department?: string) => ({
  company_key: "acme",
  company: "Acme",
  title,
  opened_at,
  department
})

describe("hiring velocity per department", () => {
  it("reads the department from the title when the source gives none", () => {
    expect(departmentOf("Senior Data Engineer")).toBe("Engineering")
    expect(departmentOf("Account Executive, Mid-Market")).toBe("Sales")
    expect(departmentOf("Staff Analyst")).toBe("Data")
    expect(departmentOf("Whatever", "Research")).toBe("Research")
    expect(departmentOf("Chef")).toBe("Other")
  })

  it("flags a team posting 5 roles in 7 days against its own baseline, not the quiet teams", () => {
    const roles = [
      ...["Backend", "Frontend", "Platform", "Infra", "Mobile"].map((t, i) =>
        role(`${t} Engineer`, `2026-03-0${4 + i}`)
      ),
      // One engineering role a month before: baseline 0.25 a week.
      role("Backend Engineer", "2026-02-10"),
      // Sales hires steadily: 2 this week, 8 over the 4 weeks before.
      ...["03-05", "03-06"].map((d) => role("Account Executive", `2026-${d}`)),
      ...["02-08", "02-10", "02-12", "02-15", "02-18", "02-20", "02-22", "02-25"].map((d) =>
        role("Account Executive", `2026-${d}`)
      )
    ]
    const spikes = departmentSpikes(roles, settings)
    expect(spikes).toHaveLength(1)
    expect(spikes[0]).toMatchObject({
      company_key: "acme",
      company: "Acme",
      department: "Engineering",
      newRoles: 5,
      baselinePerWeek: 0.25,
      baselineKnown: true
    })
  })

  it("does not flag a team whose week is its usual pace", () => {
    const week = ["03-04", "03-05", "03-06", "03-07", "03-08"].map((d) => role("Designer", `2026-${d}`, "Design"))
    const before = Array.from({ length: 16 }, (_, i) => role("Designer", `2026-02-${String(8 + i).padStart(2, "0")}`))
    expect(departmentSpikes([...week, ...before], settings)).toEqual([])
  })
})

describe("hiring_velocity signals", () => {
  it("a team's spike becomes one signal per company × department × week, with its why-now", async () => {
    const { velocityDraft } = await import("../transforms/signals/velocity-signal.ts")
    const d = velocityDraft(
      {
        company_key: "acme",
        company: "Acme",
        department: "Data",
        newRoles: 5,
        baselinePerWeek: 0.5,
        baselineKnown: true,
        titles: ["Data Analyst"]
      },
      { asOf: "2026-03-10", minNew: 5, ratio: 2, baselineWeeks: 8 },
      "2026-03-09"
    )
    expect(d.type).toBe("hiring_velocity")
    expect(d.dedupeKey).toBe("hiring_velocity|acme|Data|2026-03-09")
    expect(d.why_now).toBe("Acme's Data team opened 5 roles in the 7 days to 2026-03-10 (baseline 0.5/week)")
    expect(d.confidence).toBe(0.85)
  })
})
