import { Schema } from "effect"
import type { NodeKind } from "../pipelines/node.ts"
import type { Connector, Source } from "../sources/source.ts"
import type { AtsSource } from "../transforms/dedupe/sql.ts"
import { kindsWith } from "./kinds.ts"

export interface Composition<S extends Source | Connector = Source> {
  readonly sources: ReadonlyArray<S>
  /** What `loadDag(file, kinds)` checks a DAG against and the runner runs. */
  readonly kinds: ReadonlyArray<NodeKind>
  /** The target universe's providers: "unknown" and every registered source that declares `ats`. */
  readonly AtsProvider: Schema.Literal<[string, ...string[]]>
  /** The ATS sources and their job-URL patterns, for dedupe (`ats_url_key`, and which sighting gives the apply URL). */
  readonly ats: ReadonlyArray<AtsSource>
}

/**
 * Everything derived from one list of sources: the production app is `compose(connectors)` (declarations only,
 * app/composition.ts) or `compose(sources)` (the same, imported); a test adds to the list.
 */
export const compose = <S extends Source | Connector>(sources: ReadonlyArray<S>): Composition<S> => {
  const kindsSeen = new Set<string>()
  for (const s of sources) {
    // Two connectors under one name: the loader would silently run the first.
    if (kindsSeen.has(s.kind)) throw new Error(`source kind ${s.kind} is registered twice`)
    kindsSeen.add(s.kind)
  }
  const ats = sources.filter((s) => s.ats !== undefined)
  return {
    sources,
    kinds: kindsWith(sources),
    AtsProvider: Schema.Literal("unknown", ...ats.map((s) => s.kind)),
    ats: ats.map((s) => ({ kind: s.kind, jobUrl: s.ats!.jobUrl }))
  }
}
