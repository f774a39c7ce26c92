import { roleOf, type DagSpec, type KindDeclaration, type NodeSpec } from "./spec.ts"
import { findKind } from "./registry.ts"

/** `needs: [sources.*]`: the file's source nodes, so a newly registered source is read without editing a list. */
export const SOURCES_WILDCARD = "sources.*"

/**
 * Replaces `sources.*` in each node's needs by the enabled source nodes of the file — those staging into the
 * table the needing kind `reads`, when it declares one (dedupe reads postings, not filings) — keeping the
 * explicit needs and their order, each once. Everything after the loader sees plain node names.
 */
export const expandSourcesWildcard = (spec: DagSpec, kinds: ReadonlyArray<KindDeclaration>): DagSpec => {
  const declared = (node: NodeSpec) => {
    const r = roleOf(node)
    return r ? findKind(kinds, r.role, r.kind) : undefined
  }
  const entries = Object.entries(spec.nodes) as Array<[string, NodeSpec]>
  if (!entries.some(([, n]) => n.needs?.includes(SOURCES_WILDCARD))) return spec
  const nodes = Object.fromEntries(
    entries.map(([name, node]) => {
      if (!node.needs?.includes(SOURCES_WILDCARD)) return [name, node]
      const reads = declared(node)?.reads
      const sourceNodes = entries
        .filter(([other, n]) => other !== name && n.enabled !== false && roleOf(n)?.role === "source")
        .filter(([, n]) => reads === undefined || declared(n)?.stages === reads)
        .map(([other]) => other)
      const needs = [...new Set(node.needs.flatMap((m) => (m === SOURCES_WILDCARD ? sourceNodes : [m])))]
      return [name, { ...node, needs }]
    })
  )
  return { ...spec, nodes } as DagSpec
}
