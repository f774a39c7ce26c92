import { Either, ParseResult, Schema } from "effect"
import { CORE_SCHEMA, load } from "js-yaml"
import type { Document, LineCounter } from "yaml"
import { lazyRequire } from "../core/lazy-require.ts"

// `yaml` builds Documents that know every node's position; it is required only to locate a problem.
const yaml = lazyRequire<typeof import("yaml")>(import.meta.url, "yaml")

/** One thing wrong with a config file, located by YAML path and line; `file` when it is not the dag.yaml. */
export interface Problem {
  readonly path: string
  readonly line?: number
  readonly message: string
  readonly file?: string
}

export const pathString = (path: ReadonlyArray<PropertyKey>) =>
  path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join("") || "(root)"

const lineIn = (doc: Document, lc: LineCounter, path: ReadonlyArray<PropertyKey>): number | undefined => {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as Array<string | number>, true) as { range?: [number, number] } | undefined
    // For a missing key, the closest existing parent is where the fix goes.
    if (node && typeof node === "object" && node.range) return lc.linePos(node.range[0]).line
    if (n > 0 && yaml().isMap(doc.getIn(path.slice(0, n - 1) as Array<string | number>, true))) {
      const parent = doc.getIn(path.slice(0, n - 1) as Array<string | number>, true) as {
        items: Array<{ key: { value?: unknown; range?: [number, number] } }>
      }
      const pair = parent.items.find((it) => it.key?.value === path[n - 1])
      if (pair?.key?.range) return lc.linePos(pair.key.range[0]).line
    }
  }
  return undefined
}

/** The line a YAML path is on (the closest existing parent's for a missing key). */
export type LineOf = (path: ReadonlyArray<PropertyKey>) => number | undefined

export const schemaProblems = (
  error: ParseResult.ParseError,
  prefix: ReadonlyArray<PropertyKey>,
  lineOf: LineOf
): Problem[] =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    // An optional field that is present but wrong also fails its "or undefined" branch: noise.
    .filter((issue) => !issue.message.startsWith("Expected undefined, actual"))
    .map((issue) => {
      const full = [...prefix, ...issue.path]
      const message =
        issue._tag === "Missing" ? "is required" : issue._tag === "Unexpected" ? "is not a known field" : issue.message
      return { path: pathString(full), line: lineOf(full), message }
    })

export interface ParsedYaml {
  /** The parsed content (YAML 1.2 core schema); undefined for an empty file or one with syntax errors. */
  readonly value: unknown
  readonly lineOf: LineOf
  /** Syntax errors, each with its line; empty when the text parsed. */
  readonly problems: Problem[]
}

/**
 * js-yaml reads the text (5-7× faster than the `yaml` package: a 244-line dag.yaml in 7 ms, not 45), and `yaml`'s
 * Document, which knows where every node is, is built only when a problem needs its line or js-yaml refused the text
 * (then `yaml` names the syntax error and its line). Both follow the YAML 1.2 core schema: dates stay strings.
 */
export const parseYaml = (text: string): ParsedYaml => {
  let located: { doc: Document; lc: LineCounter } | undefined
  const locate = () => {
    if (!located) {
      const lc = new (yaml().LineCounter)()
      located = { doc: yaml().parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true }), lc }
    }
    return located
  }
  const lineOf: LineOf = (path) => lineIn(locate().doc, locate().lc, path)
  try {
    // A generated file written as JSON (valid YAML) parses at JSON.parse speed; anything else falls through.
    if (/^\s*[{[]/.test(text))
      try {
        return { value: JSON.parse(text), lineOf, problems: [] }
      } catch {
        // Not JSON after all (a flow mapping, a comment): read as YAML below.
      }
    return { value: load(text, { schema: CORE_SCHEMA }), lineOf, problems: [] }
  } catch (e) {
    const { doc, lc } = locate()
    const problems = doc.errors.map((err) => ({
      path: "(yaml)",
      line: lc.linePos(err.pos[0]).line,
      message: err.message.split("\n")[0]
    }))
    // What js-yaml refuses and `yaml` accepts still fails: the reader's message, with its line.
    if (problems.length === 0) {
      const mark = (e as { mark?: { line?: number } }).mark
      problems.push({
        path: "(yaml)",
        line: mark?.line !== undefined ? mark.line + 1 : 1,
        message: (e as { reason?: string }).reason ?? String(e)
      })
    }
    return { value: undefined, lineOf, problems }
  }
}

const decodeJson = <A, I>(
  text: string,
  file: string,
  schema: Schema.Schema<A, I>
): { value?: A; problems: Problem[] } => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return { problems: [{ file, path: "(json)", line: 1, message: (e as Error).message }] }
  }
  // The first problem only on the fast path; every problem once the file is known to be wrong.
  const fast = Schema.decodeUnknownEither(schema, { onExcessProperty: "error" })(json)
  if (Either.isRight(fast)) return { value: fast.right, problems: [] }
  const all = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(json)
  if (Either.isRight(all)) return { value: all.right, problems: [] }
  return {
    problems: ParseResult.ArrayFormatter.formatErrorSync(all.left)
      .slice(0, 20)
      .map((i) => ({ file, path: i.path.length > 0 ? i.path.join(".") : "(root)", message: i.message }))
  }
}

/** Parses and decodes a YAML config file; every problem names `file`, the YAML path and the line. */
export const decodeYamlFile = <A, I>(
  text: string,
  file: string,
  schema: Schema.Schema<A, I>
): { value?: A; problems: Problem[] } => {
  // A generated JSON file (targets/universe.json: 6 MB) decodes first-error-fast, its problems capped.
  if (file.endsWith(".json")) return decodeJson(text, file, schema)
  const { value, lineOf, problems } = parseYaml(text)
  if (problems.length > 0) return { problems: problems.map((p) => ({ ...p, file })) }
  if (value === undefined) return { problems: [{ file, path: "(root)", line: 1, message: "the file is empty" }] }
  const decoded = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(value)
  if (Either.isLeft(decoded)) return { problems: schemaProblems(decoded.left, [], lineOf).map((p) => ({ ...p, file })) }
  return { value: decoded.right, problems: [] }
}
