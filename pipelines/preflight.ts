import type { Schema } from "effect"
import { existsSync, readFileSync, statSync } from "node:fs"
import type { LoadedDag } from "./load.ts"
import { enabledNodes } from "./plan.ts"
import { findKind } from "./registry.ts"
import { roleOf, type FileRead, type NodeSpec } from "../core/spec.ts"
import { parseYaml, pathString, decodeYamlFile, type Problem } from "../model/yaml-problems.ts"
import { placeholdersIn } from "./env.ts"

/** What a run would trip over in the files and environment a DAG depends on; notices do not stop it. */
export interface Preflight {
  readonly problems: ReadonlyArray<Problem>
  readonly notices: ReadonlyArray<Problem>
}

export interface PreflightOptions {
  /** The nodes that will run (default: every enabled node). A disabled node is never checked. */
  readonly nodes?: Iterable<string>
  /** A node's effective options (default its `with:`), e.g. with the demo's replay overrides. */
  readonly options?: (node: string) => Record<string, unknown>
  readonly env?: Record<string, string | undefined>
}

// A `with:` field with one of these names is a path relative to dag.yaml.
const PATH_FIELD = /(^|_)(file|path|dir)$/

/** Top-level option fields whose schema is a `Redacted` secret: an unset one means an optional feature is off. */
const secretFields = (schema: Schema.Schema.Any): Set<string> => {
  const out = new Set<string>()
  let ast = schema.ast
  if (ast._tag === "Transformation") ast = ast.from
  if (ast._tag === "TypeLiteral")
    for (const ps of ast.propertySignatures) if (String(ps.type).includes("Redacted(")) out.add(String(ps.name))
  return out
}

/** Strings in an options value with the YAML path below `with`. */
const stringsIn = (v: unknown, path: PropertyKey[] = []): Array<{ path: PropertyKey[]; value: string }> =>
  typeof v === "string"
    ? [{ path, value: v }]
    : Array.isArray(v)
      ? v.flatMap((x, i) => stringsIn(x, [...path, i]))
      : v && typeof v === "object"
        ? Object.entries(v).flatMap(([k, x]) => stringsIn(x, [...path, k]))
        : []

const readable = (path: string): string | undefined => {
  try {
    if (statSync(path).isDirectory()) return "is a directory, not a file"
    readFileSync(path)
    return undefined
  } catch (e) {
    return `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`
  }
}

/**
 * Checks what `validate` and the start of a run must both refuse: the profile, profile/ and targets files
 * the DAG names (present, readable, valid YAML of the right shape, not empty), `${VAR}` placeholders in the
 * options of the nodes that will run, and path options naming missing files.
 */
export const preflight = (dag: LoadedDag, opts: PreflightOptions = {}): Preflight => {
  const env = opts.env ?? process.env
  const problems: Problem[] = []
  const notices: Problem[] = []
  const dagFile = dag.path
  // The DAG file is read again for lines only when there is a problem to locate.
  let lines: ((path: PropertyKey[]) => number | undefined) | undefined
  const locate = (path: PropertyKey[]) => {
    if (!lines)
      try {
        lines = parseYaml(readFileSync(dagFile, "utf8")).lineOf
      } catch {
        // A DAG built in memory (tests) has no file to point into: problems carry no line.
        lines = () => undefined
      }
    return lines(path)
  }
  const at = (list: Problem[], path: PropertyKey[], message: string) =>
    list.push({ path: pathString(path), line: locate(path), message })

  const enabled = enabledNodes(dag.spec)
  const nodes = [...(opts.nodes ?? Object.keys(enabled))].filter((n) => n in enabled)

  /** A named YAML file: missing or unreadable is a problem at the dag.yaml field; its content at its own lines. */
  const checkFile = <A, I>(
    field: PropertyKey[],
    named: string,
    schema: Schema.Schema<A, I>,
    why: string
  ): A | undefined => {
    const file = dag.resolvePath(named)
    if (!existsSync(file)) return void at(problems, field, `${file} does not exist: ${why}`)
    const unreadable = readable(file)
    if (unreadable) return void at(problems, field, `${file} ${unreadable}: ${why}`)
    const r = decodeYamlFile(readFileSync(file, "utf8"), file, schema)
    problems.push(...r.problems)
    return r.value
  }

  // The files the nodes that will run read (validate: every enabled node), each once, checked in full.
  const reads = new Map<string, { read: FileRead; users: string[] }>()
  for (const n of nodes) {
    const r = roleOf(enabled[n])
    for (const read of (r && findKind(dag.kinds, r.role, r.kind)?.files?.(dag.spec, n)) ?? []) {
      const seen = reads.get(read.file)
      if (seen) seen.users.push(n)
      else reads.set(read.file, { read, users: [n] })
    }
  }
  for (const { read, users } of reads.values()) {
    if (read.optional && !existsSync(dag.resolvePath(read.file))) continue
    const value = checkFile([...read.field], read.file, read.schema, read.why(users))
    const wrong = value !== undefined ? read.check?.(value) : undefined
    if (wrong) {
      const file = dag.resolvePath(read.file)
      const { lineOf } = parseYaml(readFileSync(file, "utf8"))
      problems.push({
        file,
        path: pathString([...wrong.path]),
        line: lineOf([...wrong.path]) ?? 1,
        message: wrong.message
      })
    }
  }

  for (const n of nodes) {
    const spec: NodeSpec = enabled[n]
    const r = roleOf(spec)
    const kind = r && findKind(dag.kinds, r.role, r.kind)
    if (!r || !kind) continue
    const secrets = secretFields(kind.options)
    const options = opts.options?.(n) ?? spec.with ?? {}
    for (const { path, value } of stringsIn(options)) {
      const full = ["nodes", n, "with", ...path]
      for (const name of placeholdersIn(value)) {
        if (env[name] !== undefined && env[name] !== "") continue
        if (secrets.has(String(path[0])))
          at(
            notices,
            full,
            `\${${name}} is not set: ${r.kind} runs without this optional credential (set it in the environment or .env)`
          )
        else
          at(
            problems,
            full,
            `\${${name}} is not set: ${r.role} ${r.kind} needs it (set it in the environment or .env, or disable the node with enabled: false)`
          )
      }
      const key = path[path.length - 1]
      if (
        typeof key === "string" &&
        PATH_FIELD.test(key) &&
        placeholdersIn(value).length === 0 &&
        !existsSync(dag.resolvePath(value))
      )
        at(problems, full, `${dag.resolvePath(value)} does not exist`)
    }
  }
  return { problems, notices }
}

/** `file:line  yaml.path: message`, the form `validate` prints. */
export const formatProblem = (p: Problem, dagFile: string) =>
  `${p.file ?? dagFile}:${p.line ?? "?"}  ${p.path}: ${p.message}`
