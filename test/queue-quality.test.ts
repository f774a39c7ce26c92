import { describe, expect, it } from "vitest"
import { displayCompanyName } from "../model/company.ts"
import { queueFromRows, queueRows, readableTitle } from "../transforms/queue/store.ts"
import { readTitle } from "../transforms/queue/title.ts"

describe("queue quality", () => {
  it("reads a role from a Hacker News post whose first line names none, or gives none", () => {
    expect(readTitle("NetBird | Berlin | Remote\nSenior Backend Engineer (Go)\nWe build networking.")).toBe(
      "Senior Backend Engineer (Go)"
    )
    expect(readTitle("Tech Mahindra | India\nOur division is hiring engineers and technical leaders to help.")).toBe(
      "Engineers"
    )
    expect(readTitle("Oxidian | Remote\nWe're doing to government software what challenger banks did.")).toBeNull()
  })

  it("names the roles a multi-role post lists, and un-shouts an all-capitals title", () => {
    expect(readableTitle("Multiple Roles", "Rootly | SF\n- Senior AI Engineer\n- Product Designer ($150k)")).toBe(
      "Multiple Roles: Senior AI Engineer, Product Designer"
    )
    expect(readableTitle("Multiple Roles", "nothing listed")).toBe("Multiple Roles")
    expect(readableTitle("DIRECTOR OF BUSINESS DEVELOPMENT", null)).toBe("Director Of Business Development")
    expect(readableTitle("SRE", null)).toBe("SRE")
  })

  it("shows company names as a person reads them", () => {
    expect(displayCompanyName("PermitFlow (YC W22)")).toBe("PermitFlow")
    expect(displayCompanyName("ParadeDB (YC S23,")).toBe("ParadeDB")
    expect(displayCompanyName("*Labor Solutions")).toBe("Labor Solutions")
    expect(displayCompanyName("ramp")).toBe("Ramp")
    expect(displayCompanyName("Capital Technology Group (CTG)")).toBe("Capital Technology Group (CTG)")
  })

  it("drops unreadable role-less posts, fills why-now from signals and company facts", () => {
    const base = {
      fit: 0.5,
      first_seen: "2026-05-02",
      opened_at: "2026-05-01",
      content_hash: "h",
      boards: 1,
      why_now: null
    }
    const q = queueFromRows(
      [
        { ...base, job_key: "a", company: "Oxidian", title: "(role not stated)", body: "Oxidian | Remote\nWe build." },
        {
          ...base,
          job_key: "b",
          company: "Cogram",
          posted_company: "Cogram (YC W22)",
          title: "Engineer",
          body: "We are a post-Series A startup."
        },
        {
          ...base,
          job_key: "c",
          company: "Acme",
          title: "Data Engineer",
          why_now: ["Acme filed a D on 2026-04-20: $5,000,000 sold [funding, 2026-04-20]"],
          company_roles: 3
        }
      ],
      new Map(),
      { asOf: "2026-05-10" }
    )
    expect(q.map((i) => i.job_key)).toEqual(["c", "b"])
    const rows = queueRows(q)
    expect(rows[0].why_now).toBe(
      "Acme filed a D on 2026-04-20: $5,000,000 sold [funding, 2026-04-20] · 3 roles open there"
    )
    expect(rows[1].why_now).toContain("YC W22 (the post)")
    expect(rows[1].why_now).toContain("Series A")
  })
})
