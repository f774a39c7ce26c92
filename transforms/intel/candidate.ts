import { Effect, ParseResult, Schema } from "effect"
import { createHash } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { CORE_SCHEMA, load } from "js-yaml"
import { Fatal } from "../../core/errors.ts"
import type { LoadedDag } from "../../pipelines/load.ts"

const Text = Schema.String.pipe(Schema.minLength(1))

export const CvRole = Schema.Struct({
  id: Text,
  company: Text,
  title: Text,
  start: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
  end: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
  achievements: Schema.Array(Text).pipe(Schema.minItems(1))
})
export type CvRole = typeof CvRole.Type

/** profile/master-cv.yaml: the only facts the CV layer may use. */
export const MasterCv = Schema.Struct({
  name: Text,
  headline: Schema.optional(Schema.String),
  contact: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  roles: Schema.Array(CvRole).pipe(Schema.minItems(1)),
  education: Schema.optional(Schema.Array(Schema.String))
})
export type MasterCv = typeof MasterCv.Type

export const StarRecord = Schema.Struct({
  id: Text,
  role: Schema.optional(Schema.String),
  situation: Text,
  task: Text,
  action: Text,
  result: Text,
  skills: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
})
export type StarRecord = typeof StarRecord.Type

/** One of the user's keyword judgements (seed section 3, Layers 2 and 4). */
export const Annotation = Schema.Struct({
  keyword: Text,
  relevance: Schema.optional(Schema.Literal("core_strength", "extremely_relevant", "relevant", "tangential", "gap")),
  passion: Schema.optional(Schema.Literal("love_it", "avoid", "neutral")),
  identity: Schema.optional(Schema.Literal("core", "not_me", "neutral")),
  must_have: Schema.optional(Schema.Boolean)
})
export type Annotation = typeof Annotation.Type

export interface Candidate {
  readonly dir: string
  readonly cv: MasterCv
  readonly stars: ReadonlyArray<StarRecord>
  readonly annotations: ReadonlyArray<Annotation>
  /** Per file, so a layer's input hash changes only when a file it reads changes. */
  readonly hashes: { readonly cv: string; readonly stars: string; readonly annotations: string }
}

const hashOf = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 12)

const readYaml = <A, I>(path: string, schema: Schema.Schema<A, I>, fallback?: A) =>
  Effect.gen(function* () {
    if (!existsSync(path)) {
      if (fallback !== undefined) return fallback
      return yield* new Fatal({
        reason: "Config",
        message: `${path} does not exist: the per-job layers read the candidate from profile/ (see profile/README.md)`
      })
    }
    const json = yield* Effect.try({
      try: () => load(readFileSync(path, "utf8"), { schema: CORE_SCHEMA }) as unknown,
      catch: (e) => new Fatal({ reason: "Config", message: `${path}: not valid YAML: ${(e as Error).message}` })
    })
    return yield* Schema.decodeUnknown(schema, { onExcessProperty: "error", errors: "all" })(json).pipe(
      Effect.mapError(
        (e) => new Fatal({ reason: "Config", message: `${path}: ${ParseResult.TreeFormatter.formatErrorSync(e)}` })
      )
    )
  })

/** Reads profile/ (next to dag.yaml, or `dir`): master CV, STAR records, annotations. */
export const loadCandidate = (dag: Pick<LoadedDag, "resolvePath">, dir = "profile") =>
  Effect.gen(function* () {
    const root = dag.resolvePath(dir)
    const cv = yield* readYaml(join(root, "master-cv.yaml"), MasterCv)
    const stars = yield* readYaml(join(root, "star-records.yaml"), Schema.Array(StarRecord), [])
    const annotations = yield* readYaml(join(root, "annotations.yaml"), Schema.Array(Annotation), [])
    return {
      dir: root,
      cv,
      stars,
      annotations,
      hashes: { cv: hashOf(cv), stars: hashOf(stars), annotations: hashOf(annotations) }
    } satisfies Candidate
  })
