import { JSONSchema } from "effect"
import { DagSpec } from "../core/spec.ts"
import type { KindDeclaration } from "../core/spec.ts"

const optionsSchema = (schema: Parameters<typeof JSONSchema.make>[0]): object => {
  try {
    const { $schema: _drop, ...rest } = JSONSchema.make(schema) as unknown as Record<string, unknown>
    return rest
  } catch {
    return { type: "object" }
  }
}

/**
 * The JSON Schema of dag.yaml for editors, from the same effect Schemas that decode it: the
 * file's shape, plus each kind's `with` options selected by the node's `source`/`transform`/`sink`.
 */
export const dagJsonSchema = (kinds: ReadonlyArray<KindDeclaration>): object => {
  const base = JSONSchema.make(DagSpec) as Record<string, any>
  const perKind = kinds.map((k) => ({
    if: { properties: { [k.role]: { const: k.kind } }, required: [k.role] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
    then: { properties: { with: optionsSchema(k.options) } }
  }))
  const defs = base.$defs ?? {}
  if (defs.Node) defs.Node = { ...defs.Node, allOf: perKind }
  return { ...base, $defs: defs }
}

export const dagJsonSchemaText = (kinds: ReadonlyArray<KindDeclaration>) =>
  JSON.stringify(dagJsonSchema(kinds), null, 2) + "\n"
