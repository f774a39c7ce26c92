import type { DagSpec, NodeSpec } from "../core/spec.ts"

/** Nodes in levels: every node's needs are in earlier levels, so one level can run in parallel. */
export const levels = (nodes: Record<string, NodeSpec>, selected?: ReadonlySet<string>): string[][] => {
  const names = Object.keys(nodes).filter((n) => !selected || selected.has(n))
  const depth = new Map<string, number>()
  const depthOf = (n: string, seen: Set<string> = new Set()): number => {
    const d = depth.get(n)
    if (d !== undefined) return d
    if (seen.has(n)) throw new Error(`cycle through ${n}`)
    seen.add(n)
    const needs = (nodes[n]?.needs ?? []).filter((m) => !selected || selected.has(m))
    const v = needs.length === 0 ? 0 : 1 + Math.max(...needs.map((m) => depthOf(m, seen)))
    depth.set(n, v)
    return v
  }
  const out: string[][] = []
  for (const n of names) (out[depthOf(n)] ??= []).push(n)
  return out.filter(Boolean).map((l) => l.sort())
}

export const downstreamOf = (nodes: Record<string, NodeSpec>, start: string): Set<string> => {
  const out = new Set<string>([start])
  let grew = true
  while (grew) {
    grew = false
    for (const [n, spec] of Object.entries(nodes))
      if (!out.has(n) && (spec.needs ?? []).some((m) => out.has(m))) {
        out.add(n)
        grew = true
      }
  }
  return out
}

export const upstreamOf = (nodes: Record<string, NodeSpec>, start: string): Set<string> => {
  const out = new Set<string>()
  const walk = (n: string) => {
    for (const m of nodes[n]?.needs ?? [])
      if (!out.has(m)) {
        out.add(m)
        walk(m)
      }
  }
  walk(start)
  return out
}

export const enabledNodes = (spec: DagSpec) =>
  Object.fromEntries(Object.entries(spec.nodes).filter(([, n]) => n.enabled !== false)) as Record<string, NodeSpec>
