/** The hand-labelled relevance set (fixtures/relevance-eval/labels.json): ids and labels, joined to the recorded postings. */
import { Effect, ParseResult, Schema } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Fatal } from "../../core/errors.ts"
import type { JobText } from "../lexical.ts"

export const LABELS_FILE = join(import.meta.dirname, "..", "..", "fixtures", "relevance-eval", "labels.json")

export const Label = Schema.Struct({
  source: Schema.String,
  source_id: Schema.String,
  /** For the reader of the file; the join is on (source, source_id). */
  title: Schema.String,
  company: Schema.String,
  relevant: Schema.Boolean,
  note: Schema.optional(Schema.String)
})
export type Label = typeof Label.Type

export const LabelsFile = Schema.Struct({
  about: Schema.String,
  labeller: Schema.String,
  method: Schema.String,
  profile: Schema.String,
  postings: Schema.Array(Label).pipe(Schema.minItems(1))
})
export type LabelsFile = typeof LabelsFile.Type

const key = (source: string, id: string) => `${source}:${id}`

/** The labels file, decoded; a missing or malformed file is a config error naming the file and field. */
export const loadLabels = (file = LABELS_FILE) =>
  Effect.gen(function* () {
    const json = yield* Effect.try({
      try: () => JSON.parse(readFileSync(file, "utf8")) as unknown,
      catch: (e) => new Fatal({ reason: "Config", message: `${file}: ${(e as Error).message}` })
    })
    const labels = yield* Schema.decodeUnknown(LabelsFile, { onExcessProperty: "error", errors: "all" })(json).pipe(
      Effect.mapError(
        (e) => new Fatal({ reason: "Config", message: `${file}: ${ParseResult.TreeFormatter.formatErrorSync(e)}` })
      )
    )
    // A posting labelled twice would count twice in every figure.
    const seen = new Set<string>()
    const twice = labels.postings.map((l) => key(l.source, l.source_id)).filter((k) => seen.has(k) || !seen.add(k))
    if (twice.length > 0)
      return yield* new Fatal({
        reason: "Config",
        message: `${file}: postings labelled more than once: ${twice.slice(0, 3).join(", ")}`
      })
    return labels
  })

/** A recorded posting as the scorers read it, with the (source, source id) its label names. */
export interface EvalJob extends JobText {
  readonly source: string
  readonly source_id: string
}

export interface LabelledJob {
  readonly job: EvalJob
  readonly label: Label
}

/** A label whose posting the recordings no longer produce: the set and the fixtures disagree. */
export class LabelsOutOfDate extends Schema.TaggedError<LabelsOutOfDate>()("LabelsOutOfDate", {
  missing: Schema.Array(Schema.String),
  message: Schema.String
}) {}

/** Every label joined to its recorded posting; postings nobody labelled are left out and counted. */
export const joinLabels = (jobs: ReadonlyArray<EvalJob>, labels: LabelsFile, file = LABELS_FILE) =>
  Effect.suspend(() => {
    const byKey = new Map(jobs.map((j) => [key(j.source, j.source_id), j]))
    const missing = labels.postings
      .filter((l) => !byKey.has(key(l.source, l.source_id)))
      .map((l) => key(l.source, l.source_id))
    if (missing.length > 0)
      return Effect.fail(
        new LabelsOutOfDate({
          missing,
          message: `${file}: ${missing.length} labelled posting(s) are not in the recordings any more (e.g. ${missing.slice(0, 3).join(", ")}): relabel or restore the fixtures`
        })
      )
    const labelled = new Set(labels.postings.map((l) => key(l.source, l.source_id)))
    const set: LabelledJob[] = labels.postings.map((l) => ({ label: l, job: byKey.get(key(l.source, l.source_id))! }))
    return Effect.succeed({ set, unlabelled: jobs.filter((j) => !labelled.has(key(j.source, j.source_id))).length })
  })
