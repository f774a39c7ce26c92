import { Either, Schema } from "effect"
import { createHash } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { type Problem, parseYaml, pathString, schemaProblems } from "../model/yaml-problems.ts"
import { validate as isCronExpression } from "node-cron"
import { DagSpec, roleOf, type KindDeclaration, type NodeSpec } from "../core/spec.ts"
import { findKind, kindsOf } from "./registry.ts"
import { expandSourcesWildcard, SOURCES_WILDCARD } from "./needs.ts"
import { dqProblems } from "../dq/rules.ts"

export type { Problem }

export interface LoadedDag {
  readonly path: string
  readonly dir: string
  readonly spec: DagSpec
  readonly hash: string
  /** The node kinds this DAG was checked against; the runner resolves nodes in them. */
  readonly kinds: ReadonlyArray<KindDeclaration>
  /** Resolves a path written in dag.yaml relative to the file. */
  readonly resolvePath: (p: string) => string
}

export class DagInvalid extends Error {
  constructor(
    readonly file: string,
    readonly problems: ReadonlyArray<Problem>
  ) {
    super(
      `${file} is not a valid DAG:\n` +
        problems.map((p) => `  ${p.path}${p.line ? ` (line ${p.line})` : ""}: ${p.message}`).join("\n")
    )
  }
}

/** Finds one cycle among `needs`, as the list of nodes around it, or undefined. */
export const findCycle = (nodes: Record<string, NodeSpec>): string[] | undefined => {
  const state = new Map<string, "visiting" | "done">()
  const stack: string[] = []
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === "done") return undefined
    if (state.get(n) === "visiting") return [...stack.slice(stack.indexOf(n)), n]
    state.set(n, "visiting")
    stack.push(n)
    for (const m of nodes[n]?.needs ?? []) {
      if (!(m in nodes)) continue
      const c = visit(m)
      if (c) return c
    }
    stack.pop()
    state.set(n, "done")
    return undefined
  }
  for (const n of Object.keys(nodes)) {
    const c = visit(n)
    if (c) return c
  }
  return undefined
}

/** Every problem in a dag.yaml text: YAML syntax, schema, kinds, options, needs, cycles, schedules. */
export const validateDagText = (
  text: string,
  _file: string,
  kinds: ReadonlyArray<KindDeclaration>
): { spec?: DagSpec; problems: Problem[] } => {
  const { value: json, lineOf, problems: syntax } = parseYaml(text)
  if (syntax.length > 0) return { problems: syntax }
  const decoded = Schema.decodeUnknownEither(DagSpec, { errors: "all", onExcessProperty: "error" })(json)
  if (Either.isLeft(decoded)) return { problems: schemaProblems(decoded.left, [], lineOf) }
  const spec = decoded.right
  const problems: Problem[] = []
  const at = (path: PropertyKey[], message: string) =>
    problems.push({ path: pathString(path), line: lineOf(path), message })
  for (const [name, node] of Object.entries(spec.nodes)) {
    const roles = (["source", "transform", "sink"] as const).filter((r) => node[r] !== undefined)
    if (roles.length !== 1) {
      at(
        ["nodes", name],
        roles.length === 0
          ? "needs exactly one of source:, transform: or sink:"
          : `has ${roles.join(" and ")}: a node is exactly one of source, transform or sink`
      )
      continue
    }
    const { role, kind } = roleOf(node)!
    const nodeKind = findKind(kinds, role, kind)
    if (!nodeKind) {
      at(
        ["nodes", name, role],
        `unknown ${role} kind ${JSON.stringify(kind)}; known: ${kindsOf(kinds, role).join(", ")}`
      )
    } else {
      const opts = Schema.decodeUnknownEither(nodeKind.options, { errors: "all", onExcessProperty: "error" })(
        node.with ?? {}
      )
      if (Either.isLeft(opts))
        problems.push(
          ...schemaProblems(opts.left, ["nodes", name, "with"], lineOf).map((p) => ({
            ...p,
            message: `${p.message} (for ${role} ${kind})`
          }))
        )
    }
    ;(node.needs ?? []).forEach((need, i) => {
      if (need === SOURCES_WILDCARD) return
      if (!(need in spec.nodes))
        at(["nodes", name, "needs", i], `needs ${JSON.stringify(need)}, which is not a node in this file`)
      if (need === name) at(["nodes", name, "needs", i], "a node cannot need itself")
    })
    if (node.dq !== undefined)
      for (const p of dqProblems(node.dq, role)) at(["nodes", name, "dq", ...p.path], p.message)
    if (node.schedule !== undefined && !isCronExpression(node.schedule))
      at(["nodes", name, "schedule"], `not a valid cron expression: ${JSON.stringify(node.schedule)}`)
  }
  const expanded = expandSourcesWildcard(spec, kinds)
  const cycle = findCycle(expanded.nodes as Record<string, NodeSpec>)
  if (cycle && cycle.length > 2) at(["nodes", cycle[0], "needs"], `cycle: ${cycle.join(" → ")}`)
  return { spec: expanded, problems }
}

/** A DAG whose text `validateDagText` found sound, as the runner takes it (validate checks it once, not twice). */
export const loadedDag = (
  file: string,
  text: string,
  spec: DagSpec,
  kinds: ReadonlyArray<KindDeclaration>
): LoadedDag => {
  const path = resolve(file)
  const dir = dirname(path)
  return {
    path,
    dir,
    spec,
    hash: createHash("sha256").update(text).digest("hex").slice(0, 12),
    kinds,
    resolvePath: (p) => resolve(dir, p)
  }
}

export const loadDag = (file: string, kinds: ReadonlyArray<KindDeclaration>): LoadedDag => {
  const path = resolve(file)
  if (!existsSync(path)) throw new DagInvalid(file, [{ path: "(file)", message: `${file} does not exist` }])
  const text = readFileSync(path, "utf8")
  const { spec, problems } = validateDagText(text, file, kinds)
  if (!spec || problems.length > 0) throw new DagInvalid(file, problems)
  return loadedDag(file, text, spec, kinds)
}
