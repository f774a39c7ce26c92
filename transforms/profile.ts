import { Effect, Schema } from "effect"
import { createHash } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { Fatal } from "../core/errors.ts"
import type { LoadedDag } from "../pipelines/load.ts"
import { decodeYamlFile } from "../model/yaml-problems.ts"

const Words = Schema.Array(Schema.String.pipe(Schema.minLength(1)))

/** The candidate's profile (profile.yaml): what the relevance filter and fit scorer judge jobs against. */
export const Profile = Schema.Struct({
  name: Schema.optional(Schema.String),
  /** A few sentences for the model: who the candidate is and what they want next. */
  summary: Schema.String,
  /** Titles the candidate would take; a posting's title is matched against these word by word. */
  target_titles: Words.pipe(Schema.minItems(1)),
  /** Words a title needs one of to be senior enough (vp, director, head, ...). Empty: no seniority rule. */
  seniority: Schema.optionalWith(Words, { default: () => [] }),
  /** Words in a title that rule it out (intern, junior, ...). */
  exclude_seniority: Schema.optionalWith(Words, { default: () => [] }),
  /** A posting needs at least one of these in its title or description. */
  must_have: Schema.optionalWith(Words, { default: () => [] }),
  /** A title with any of these is rejected outright. */
  avoid: Schema.optionalWith(Words, { default: () => [] }),
  /** Raise the fit score when present (industry, domain, buyer). */
  industries: Schema.optionalWith(Words, { default: () => [] }),
  nice_to_have: Schema.optionalWith(Words, { default: () => [] }),
  /** Places the candidate can work from; a remote job passes regardless. */
  locations: Schema.optionalWith(Words, { default: () => [] }),
  remote: Schema.optionalWith(Schema.Literal("remote_only", "remote_preferred", "any"), {
    default: () => "remote_preferred" as const
  }),
  /** Annual base salary floor in USD; only postings that state a lower maximum are rejected. */
  salary_floor_usd: Schema.optional(Schema.Number.pipe(Schema.nonNegative())),
  /** Evidence the fit scorer may cite from the candidate's side. */
  strengths: Schema.optionalWith(Words, { default: () => [] })
})
export type Profile = typeof Profile.Type

export interface LoadedProfile {
  readonly path: string
  readonly profile: Profile
  /** Part of every prompt version: a changed profile means changed judgements. */
  readonly hash: string
}

/** Reads the profile dag.yaml names (`profile:`), or profile.yaml next to it. */
export const loadProfile = (dag: Pick<LoadedDag, "spec" | "resolvePath">) =>
  Effect.gen(function* () {
    const path = dag.resolvePath(dag.spec.profile ?? "profile.yaml")
    if (!existsSync(path))
      return yield* new Fatal({
        reason: "Config",
        message: `profile ${path} does not exist: the relevance and fit_score nodes judge jobs against it (set profile: in dag.yaml)`
      })
    const text = yield* Effect.try({
      try: () => readFileSync(path, "utf8"),
      catch: (e) => new Fatal({ reason: "Config", message: `profile ${path} cannot be read: ${(e as Error).message}` })
    })
    const decoded = decodeYamlFile(text, path, Profile)
    if (!decoded.value)
      return yield* new Fatal({
        reason: "Config",
        message: decoded.problems.map((p) => `${path}:${p.line ?? "?"}  ${p.path}: ${p.message}`).join("\n")
      })
    const profile = decoded.value
    const hash = createHash("sha256").update(JSON.stringify(profile)).digest("hex").slice(0, 8)
    return { path, profile, hash } satisfies LoadedProfile
  })
