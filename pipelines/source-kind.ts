import { Schema } from "effect"
import type { SourceDeclaration } from "../sources/source.ts"
import type { NodeKindDeclaration } from "./node.ts"

/**
 * `with.universe` of an ATS node given no `with.boards`: `focus` (default) fans out over dag.yaml `targets:`, `all`
 * over the full `universe:`. Declared here, once, for every source that declares `ats`.
 */
export const UniverseOption = Schema.Struct({
  universe: Schema.optional(
    Schema.Literal("focus", "all").annotations({
      description:
        "Without with.boards: fan out over the focus list (dag.yaml targets:, default) or the full universe (universe:)."
    })
  )
})

/** A source's node kind as the loader knows it (pipelines/source-node.ts adds the run). */
export const sourceNodeDeclaration = (
  src: Pick<SourceDeclaration, "kind" | "description" | "options" | "ats">
): NodeKindDeclaration => ({
  role: "source",
  kind: src.kind,
  ownsTimeout: true,
  description: src.description,
  options: src.ats ? Schema.extend(src.options as Schema.Schema<any, any>, UniverseOption) : src.options
})
