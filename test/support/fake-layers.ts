/**
 * Synthetic answers of a well-behaved model for the per-job layers, built from each item's text so
 * tests can predict them; `faults` makes the first answer of a layer break one rule, to drive the
 * re-ask and QA paths. Everything here is synthetic test data, not a recording.
 */
import type { FakeLlm } from "./fake-llm.ts"

const line = (text: string, name: string) => new RegExp(`^${name}: (.*)$`, "m").exec(text)?.[1] ?? ""
const words = (n: number, seed = "value") =>
  Array.from({ length: n }, (_, i) => (i === 0 ? "Hello" : i % 7 === 0 ? `${seed}.` : seed)).join(" ")
const pad = (s: string, len: number) => (s + " " + "x".repeat(len)).slice(0, len)

/** Sentences of the description, so evidence quotes are verbatim. */
const sentences = (text: string) =>
  line(text, "description")
    .split(/(?<=\.)\s+/)
    .map((s) => s.replace(/\.$/, "").trim())
    .filter((s) => s.split(" ").length >= 3)
    .map((s) => s.slice(0, 300).trim())

export interface LayerFaults {
  /** First extract answer: weights summing to 90. */
  weights?: boolean
  /** First pain answer: a "team player" pain point. */
  boilerplate?: boolean
  /** First pain answer: an evidence quote not in the posting. */
  unquoted?: boolean
  /** First outreach answer for the hiring manager: a 700-character InMail. */
  longInmail?: boolean
  /** Every outreach answer for the recruiter: an email of 300 words (never valid). */
  recruiterAlwaysLong?: boolean
  /** Each role also gets a bullet with an invented number. */
  inventedBullet?: boolean
  /** First role answer: only 2 bullets survive QA (re-asked). */
  tooFewValid?: boolean
}

export const installLayerAnswers = (fake: FakeLlm, faults: LayerFaults = {}) => {
  const once = new Set<string>()
  const first = (k: string) => (once.has(k) ? false : (once.add(k), true))

  fake.respond("extract_jd_results", (items) =>
    items.map(({ id }) => ({
      id,
      role_category: "other",
      seniority_level: "director",
      competency_weights:
        faults.weights && first("weights")
          ? { delivery: 30, process: 20, architecture: 10, leadership: 30 }
          : { delivery: 30, process: 20, architecture: 10, leadership: 40 },
      responsibilities: [
        "Own payer revenue targets",
        "Build and lead the sales team",
        "Run forecasting and pipeline reviews"
      ],
      qualifications: ["Enterprise sales leadership in healthcare"],
      nice_to_haves: ["Medicare Advantage experience"],
      technical_skills: ["Salesforce", "Clari"],
      soft_skills: ["executive presence"],
      implied_pain_points: ["Stalled health-plan revenue"],
      success_metrics: ["New health-plan ARR"],
      top_keywords: ["payer", "health plans", "revenue", "forecasting", "Salesforce", "Medicare Advantage"],
      industry_background: "Digital health",
      education_requirements: null
    }))
  )

  fake.respond("pain_points_results", (items) =>
    items.map(({ id, text }) => {
      const s = sentences(text)
      const item = (t: string, i: number) => ({ text: t, evidence: s[i % s.length], confidence: "high" })
      const bad = faults.boilerplate && first("boilerplate")
      const unq = !bad && faults.unquoted && first("unquoted")
      return {
        id,
        pain_points: [
          bad
            ? item("Needs a team player with strong communication", 0)
            : item("Health-plan revenue has stalled without a repeatable payer motion", 0),
          unq
            ? {
                text: "Board lost confidence in the forecast",
                evidence: "the board fired the last CRO",
                confidence: "low"
              }
            : item("Forecasts are unreliable", 1)
        ],
        strategic_needs: [item("Build a payer sales team", 2), item("Expand into Medicare Advantage plans", 0)],
        risks_if_unfilled: [
          item("Renewals slip with national health plans", 1),
          item("Competitors take the payer segment", 2)
        ],
        success_metrics: [item("New health-plan ARR", 0), item("Forecast accuracy", 1)],
        why_now: "New funding to expand payer sales",
        reasoning_summary: "The posting centres on payer revenue and forecasting."
      }
    })
  )

  fake.respond("company_research_results", (items) =>
    items.map(({ id, text }) => ({
      id,
      summary: `${line(text, "company")} sells software to health plans.`,
      company_type: "employer",
      relevant_signal_ids: /\[s1\]/.test(text) ? ["s1"] : []
    }))
  )

  fake.respond("role_research_results", (items) =>
    items.map(({ id }) => ({
      id,
      summary: "The role rebuilds payer revenue.",
      business_impact: ["Grow health-plan ARR", "Make the forecast reliable", "Shorten payer sales cycles"],
      why_now: "The company raised funding to expand payer sales."
    }))
  )

  fake.respond("fit_map_results", (items) =>
    items.map(({ id }) => ({
      id,
      score: 80,
      rationale: "Strong payer sales record [star-payer-arr] and forecasting [star-forecast] match the pain points.",
      star_ids: ["star-payer-arr", "star-forecast"],
      gaps: ["No Medicare Advantage pricing ownership"]
    }))
  )

  fake.respond("outreach_results", (items) =>
    items.map(({ id, text }) => {
      const type = line(text, "contact_type")
      const long = type === "hiring_manager" && faults.longInmail && first("inmail")
      return {
        id,
        linkedin_connection_message: pad(
          `Hi there, I lead payer revenue teams and would value connecting about the role (${type}).`,
          200
        ),
        linkedin_inmail_subject: pad("Payer revenue leadership", 27),
        linkedin_inmail: pad(
          "Hi there, I grew health-plan ARR and rebuilt forecasting; I would like to talk about the role.",
          long ? 700 : 500
        ),
        email_subject: "Payer revenue leadership for your team",
        email_body: words(type === "recruiter" && faults.recruiterAlwaysLong ? 300 : 120, "payer"),
        reasoning: `Tone for ${type}.`,
        already_applied_frame: "value_add"
      }
    })
  )

  fake.respond("cv_role_results", (items) =>
    items.map(({ id, text }) => {
      const achievements =
        text
          .split("achievements:\n")[1]
          ?.split("\n")
          .filter((l) => l.startsWith("- "))
          .map((l) => l.slice(2)) ?? []
      const bullet = (a: string, extra = "") => {
        const w =
          `${extra}${a.replace(/\.$/, "")} while partnering with product finance and customer success leaders across the business`.split(
            " "
          )
        return {
          text: w.slice(0, Math.max(20, Math.min(35, w.length))).join(" "),
          source_text: a,
          source_metric: /\d/.test(a) ? /\S*\d\S*/.exec(a)![0].replace(/[,.]$/, "") : null,
          jd_keyword_used: "payer",
          pain_point_addressed: null
        }
      }
      let bullets = achievements.slice(0, 4).map((a) => bullet(a))
      if (faults.tooFewValid && first("toofew"))
        bullets = bullets.map((b, i) =>
          i === 0
            ? b
            : { ...b, text: b.text.replace(/^/, "Delivered 977% growth and ").split(" ").slice(0, 35).join(" ") }
        )
      if (faults.inventedBullet)
        bullets = [
          ...bullets.slice(0, 4),
          {
            ...bullet(achievements[0], "Added 250 new logos and "),
            text: bullet(achievements[0], "Added 250 new logos and ").text
          }
        ]
      return { id, bullets: bullets.slice(0, 5) }
    })
  )

  fake.respond("cv_header_results", (items) =>
    items.map(({ id }) => ({
      id,
      headline: "Payer revenue and engineering leader",
      summary: "Builds payer sales teams and reliable forecasts for digital-health companies.",
      key_skills: ["Payer sales", "Forecasting", "Salesforce", "FHIR"]
    }))
  )
}
