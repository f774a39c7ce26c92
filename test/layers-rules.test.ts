import { describe, expect, it } from "vitest"
import { Either, Schema } from "effect"
import { AnalysisItem, CompetencyWeights, OutreachAnswer, Bullet } from "../transforms/intel/schemas.ts"
import {
  boilerplateIn,
  bulletProblem,
  deterministicJd,
  seniorityFromTitle,
  yearsRequired
} from "../transforms/intel/rules.ts"
import { annotationSignal, blendFit } from "../transforms/intel/fit.ts"
import { contactTypeOf } from "../transforms/intel/outreach.ts"

const ok = <A, I>(s: Schema.Schema<A, I>, v: unknown) => Either.isRight(Schema.decodeUnknownEither(s)(v))
const words = (n: number) => Array.from({ length: n }, () => "word").join(" ")
const pkg = {
  linkedin_connection_message: "x".repeat(300),
  linkedin_inmail_subject: "s".repeat(25),
  linkedin_inmail: "i".repeat(400),
  email_subject: "e".repeat(100),
  email_body: words(95),
  reasoning: "r",
  already_applied_frame: "value_add"
}

describe("layer schemas enforce the user's limits at their exact boundaries", () => {
  it("outreach: connection ≤ 300, InMail subject 25–30, InMail 400–600, email subject ≤ 100, email body 95–205 words", () => {
    expect(ok(OutreachAnswer, pkg)).toBe(true)
    expect(ok(OutreachAnswer, { ...pkg, linkedin_connection_message: "x".repeat(301) })).toBe(false)
    expect(ok(OutreachAnswer, { ...pkg, linkedin_inmail_subject: "s".repeat(24) })).toBe(false)
    expect(ok(OutreachAnswer, { ...pkg, linkedin_inmail_subject: "s".repeat(30) })).toBe(true)
    expect(ok(OutreachAnswer, { ...pkg, linkedin_inmail_subject: "s".repeat(31) })).toBe(false)
    expect(ok(OutreachAnswer, { ...pkg, linkedin_inmail: "i".repeat(399) })).toBe(false)
    expect(ok(OutreachAnswer, { ...pkg, linkedin_inmail: "i".repeat(600) })).toBe(true)
    expect(ok(OutreachAnswer, { ...pkg, linkedin_inmail: "i".repeat(601) })).toBe(false)
    expect(ok(OutreachAnswer, { ...pkg, email_subject: "e".repeat(101) })).toBe(false)
    expect(ok(OutreachAnswer, { ...pkg, email_body: words(94) })).toBe(false)
    expect(ok(OutreachAnswer, { ...pkg, email_body: words(205) })).toBe(true)
    expect(ok(OutreachAnswer, { ...pkg, email_body: words(206) })).toBe(false)
  })

  it("competency weights must sum to exactly 100; boilerplate pain points are rejected by rule", () => {
    expect(ok(CompetencyWeights, { delivery: 25, process: 25, architecture: 25, leadership: 25 })).toBe(true)
    expect(ok(CompetencyWeights, { delivery: 25, process: 25, architecture: 25, leadership: 24 })).toBe(false)
    expect(ok(AnalysisItem, { text: "Needs a team player", evidence: "x", confidence: "high" })).toBe(false)
    expect(ok(AnalysisItem, { text: "Must have strong communication skills", evidence: "x", confidence: "high" })).toBe(
      false
    )
    expect(ok(AnalysisItem, { text: "Payer revenue stalled at $4M", evidence: "x", confidence: "high" })).toBe(true)
    expect(boilerplateIn("Excellent written and verbal communication skills")).toBeDefined()
    expect(
      ok(Bullet, {
        text: words(19),
        source_text: "s",
        source_metric: null,
        jd_keyword_used: null,
        pain_point_addressed: null
      })
    ).toBe(false)
    expect(
      ok(Bullet, {
        text: words(20),
        source_text: "s",
        source_metric: null,
        jd_keyword_used: null,
        pain_point_addressed: null
      })
    ).toBe(true)
  })
})

describe("deterministic extraction and QA rules", () => {
  it("reads salary, years, remote policy, known skills and seniority without a model", () => {
    const d = deterministicJd({
      id: "x",
      title: "Sr. Director, Engineering",
      company: "C",
      location: "Boston, MA (Hybrid)",
      remote: null,
      description_text: "You have 8+ years of experience with Kubernetes, AWS and FHIR. Base pay $150k - $190k.",
      salary_min: null,
      salary_max: null,
      salary_currency: null,
      salary_period: null,
      department: null
    })
    expect(d).toMatchObject({
      remote_policy: "hybrid",
      seniority_level: "director",
      years_experience_required: 8,
      salary: { min: 150000, max: 190000 }
    })
    expect(d.technical_skills).toEqual(expect.arrayContaining(["Kubernetes", "AWS", "FHIR"]))
    expect(d.technical_skills).not.toContain("Go")
    expect(seniorityFromTitle("Chief Revenue Officer")).toBe("c_level")
    expect(seniorityFromTitle("VP of Sales")).toBe("vp")
    expect(seniorityFromTitle("Account Executive")).toBeNull()
    expect(yearsRequired("a 3-5 years experience range")).toBe(3)
    expect(yearsRequired("founded 20 years ago")).toBeNull()
  })

  it("rejects a bullet with an invented number, a paraphrased source, or a metric not in the source", () => {
    const src = ["Grew health-plan ARR from $4M to $19M in three years."]
    const b = { text: "Grew health-plan ARR from $4M to $19M", source_text: src[0], source_metric: "$19M" }
    expect(bulletProblem(b, src)).toBeUndefined()
    expect(bulletProblem({ ...b, text: "Grew ARR from $4M to $25M" }, src)).toMatch(
      /numbers not in the source achievement: 25/
    )
    expect(bulletProblem({ ...b, source_text: "Grew ARR a lot" }, src)).toMatch(/not one of this role's achievements/)
    expect(bulletProblem({ ...b, source_metric: "40% margin" }, src)).toMatch(/source_metric/)
  })

  it("blends 70 % model with 30 % annotation signal using the user's weights; no matching annotation leaves the model score", () => {
    const a = [
      { keyword: "payer", relevance: "core_strength" as const, passion: "love_it" as const, identity: "core" as const },
      { keyword: "kubernetes", relevance: "gap" as const }
    ]
    const s = annotationSignal(a, "Sell to payers, no Kubernetes")
    expect(s.sum).toBe(1.2)
    expect(s.score).toBe(Math.round(50 + 50 * Math.tanh(0.6)))
    expect(blendFit(80, s)).toBe(Math.round(0.7 * 80 + 0.3 * s.score!))
    expect(blendFit(80, annotationSignal(a, "nothing relevant"))).toBe(80)
    expect(contactTypeOf("Senior Technical Recruiter")).toBe("recruiter")
    expect(contactTypeOf("VP, Sales")).toBe("vp_director")
    expect(contactTypeOf("Engineering Manager")).toBe("hiring_manager")
  })
})
