import { Effect } from "effect"
import type { LlmTask } from "../llm/batching.ts"
import { makeItem, untrustedDataRules } from "../llm/prompt.ts"
import { ask, LayerFailed } from "./ask.ts"
import { painGist } from "./context.ts"
import type { JobView, LayerDef } from "./layer.ts"
import type { ContactRow } from "./store.ts"
import { OutreachAnswer, jsonProps, type CompanyResearch, type ContactType } from "./schemas.ts"

const VERSION = "outreach-v1"
export const CONTACT_TYPES: ReadonlyArray<ContactType> = [
  "hiring_manager",
  "recruiter",
  "vp_director",
  "executive",
  "peer"
]
const PRIMARY = new Set<ContactType>(["hiring_manager", "recruiter"])

/** Layer 5's strategies per contact type. */
const STRATEGY: Record<ContactType, string> = {
  hiring_manager:
    "peer-level, technical credibility: match the posting's needs with metrics from the candidate's record",
  recruiter: "efficient: the posting's keywords and quantified results, easy to forward",
  vp_director: "strategic outcomes and business impact, 50-150 words of substance",
  executive: "extreme brevity, industry trend and strategic vision",
  peer: "collaborative, technical depth and rapport"
}

export const contactTypeOf = (role: string | null): ContactType => {
  const r = ` ${(role ?? "").toLowerCase().replace(/[^a-z]+/g, " ")} `
  if (/recruit|talent|sourcer|people partner/.test(r)) return "recruiter"
  if (/ (chief|ceo|cto|cro|coo|founder|president) /.test(r)) return "executive"
  if (/ (vp|vice president|director|head) /.test(r)) return "vp_director"
  if (/manager|lead/.test(r)) return "hiring_manager"
  return "peer"
}

export interface Contact {
  readonly name: string | null
  readonly role: string
  readonly linkedin_url: string | null
  readonly contact_type: ContactType
  readonly why_relevant: string
  readonly recent_signals: ReadonlyArray<string>
  readonly source: string | null
  readonly is_synthetic: boolean
}

/** The contacts we actually have for this job or company; a placeholder per missing type, flagged is_synthetic. */
export const contactsFor = (v: JobView): Contact[] => {
  const real: Contact[] = v.contacts.map((c: ContactRow) => ({
    name: c.name,
    role: c.role ?? "unknown role",
    linkedin_url: c.linkedin_url,
    contact_type: (CONTACT_TYPES as ReadonlyArray<string>).includes(c.contact_type ?? "")
      ? (c.contact_type as ContactType)
      : contactTypeOf(c.role),
    why_relevant: `recorded contact (${c.source})`,
    recent_signals: c.recent_signals ? (JSON.parse(c.recent_signals) as string[]) : [],
    source: c.source_url ?? c.source,
    is_synthetic: false
  }))
  const placeholders: Contact[] = CONTACT_TYPES.filter((t) => !real.some((c) => c.contact_type === t)).map((t) => ({
    name: null,
    role: `${t.replace("_", " ")} for ${v.job.title} at ${v.job.company} (to identify)`,
    linkedin_url: null,
    contact_type: t,
    why_relevant: "placeholder: no contact of this type in our data",
    recent_signals: [],
    source: null,
    is_synthetic: true
  }))
  return [...real, ...placeholders]
}

export const outreachTask: LlmTask<OutreachAnswer> = {
  name: "outreach",
  promptVersion: VERSION,
  schemaName: "outreach_results",
  system: `You write outreach for a job seeker, one package per contact item. Hard limits (an answer outside them is rejected):
linkedin_connection_message at most 300 characters; linkedin_inmail_subject 25-30 characters; linkedin_inmail 400-600 characters;
email_subject at most 100 characters; email_body 95-205 words. Address a named contact by name; for a placeholder contact write
"Hi there" (the name is unknown). Use only the candidate facts and company facts given; never invent metrics, names or events.
already_applied_frame: adding_context, value_add or specific_interest. reasoning: one or two sentences on the strategy.
${untrustedDataRules('{"id": "<item id>", "linkedin_connection_message": ..., "linkedin_inmail_subject": ..., "linkedin_inmail": ..., "email_subject": ..., "email_body": ..., "reasoning": ..., "already_applied_frame": ...}')}`,
  itemSchema: OutreachAnswer,
  itemJsonProps: jsonProps(OutreachAnswer),
  outputTokensPerItem: 700
}

/** Layer 5: packages per contact type, the user's length limits enforced by schema and re-asked. */
export const outreach: LayerDef = {
  op: "outreach",
  name: "outreach",
  reads: ["job", "contacts", "pain_points", "why_now", "company_research", "role_research", "stars"],
  writes: ["primary_contacts", "secondary_contacts", "outreach_packages"],
  version: VERSION,
  usesLlm: true,
  run: (v, env) =>
    Effect.gen(function* () {
      const contacts = contactsFor(v)
      env.phase("contacts", {
        real: contacts.filter((c) => !c.is_synthetic).length,
        placeholders: contacts.filter((c) => c.is_synthetic).length
      })
      const cr = v.intel.company_research as CompanyResearch | undefined
      const rr = v.intel.role_research as { why_now?: string } | undefined
      const shared = [
        `job: ${v.job.title} at ${v.job.company}`,
        `pain points: ${JSON.stringify(painGist(v) ?? [])}`,
        `why now: ${rr?.why_now ?? v.intel.why_now ?? "not known"}`,
        cr ? `company: ${cr.summary}` : "",
        `candidate facts: ${v.candidate.stars.map((s) => s.result).join(" | ")}`
      ]
        .filter(Boolean)
        .join("\n")
      const keyed = contacts.map((c, i) => ({ c, key: `${v.job.id}#${i}` }))
      const items = keyed.map(({ c, key }) =>
        makeItem(
          key,
          `${shared}\ncontact: ${c.name ?? "placeholder (name unknown)"}, ${c.role}\ncontact_type: ${c.contact_type}\nstrategy: ${STRATEGY[c.contact_type]}`
        )
      )
      env.phase("model")
      const asked = yield* ask(env.llm!, "intel.outreach", outreachTask, items, CONTACT_TYPES.length)
      if (asked.results.size === 0)
        return yield* new LayerFailed({
          reason: "Invalid",
          message: `outreach: no valid package after re-asking: ${[...asked.failed.values()].join("; ").slice(0, 600)}`
        })
      const done = keyed.flatMap(({ c, key }) => {
        const r = asked.results.get(key)
        return r ? [{ ...c, ...r.out }] : []
      })
      const dropped = keyed
        .filter(({ key }) => asked.failed.has(key))
        .map(({ c, key }) => `${c.contact_type}: ${asked.failed.get(key)}`)
      return {
        values: {
          primary_contacts: done.filter((c) => PRIMARY.has(c.contact_type)),
          secondary_contacts: done.filter((c) => !PRIMARY.has(c.contact_type)),
          outreach_packages: done.map((c) => ({
            contact_type: c.contact_type,
            contact_name: c.name,
            is_synthetic: c.is_synthetic,
            linkedin_connection_message: c.linkedin_connection_message,
            linkedin_inmail_subject: c.linkedin_inmail_subject,
            linkedin_inmail: c.linkedin_inmail,
            email_subject: c.email_subject,
            email_body: c.email_body,
            already_applied_frame: c.already_applied_frame
          }))
        },
        usd: asked.usd,
        model: asked.model,
        message: dropped.length
          ? `${dropped.length} package(s) stayed invalid and were left out: ${dropped.join("; ").slice(0, 300)}`
          : undefined
      }
    }),
  estimate: (v) => ({
    calls: 1,
    inputTokens: 900 + Math.ceil(contactsFor(v).length * 250),
    outputTokens: contactsFor(v).length * 700
  })
}
