import { Either, ParseResult, Schema } from "effect"
import { isMap, LineCounter, parseDocument, type Document } from "yaml"

/** One thing wrong with a config file, located by YAML path and line; `file` when it is not the dag.yaml. */
export interface Problem {
  readonly path: string
  readonly line?: number
  readonly message: string
  readonly file?: string
}

export const pathString = (path: ReadonlyArray<PropertyKey>) =>
  path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join("") || "(root)"

export const lineOf = (doc: Document, lc: LineCounter, path: ReadonlyArray<PropertyKey>): number | undefined => {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as Array<string | number>, true) as { range?: [number, number] } | undefined
    // For a missing key, the closest existing parent is where the fix goes.
    if (node && typeof node === "object" && node.range) return lc.linePos(node.range[0]).line
    if (n > 0 && isMap(doc.getIn(path.slice(0, n - 1) as Array<string | number>, true))) {
      const parent = doc.getIn(path.slice(0, n - 1) as Array<string | number>, true) as {
        items: Array<{ key: { value?: unknown; range?: [number, number] } }>
      }
      const pair = parent.items.find((it) => it.key?.value === path[n - 1])
      if (pair?.key?.range) return lc.linePos(pair.key.range[0]).line
    }
  }
  return undefined
}

export const schemaProblems = (
  error: ParseResult.ParseError,
  prefix: ReadonlyArray<PropertyKey>,
  doc: Document,
  lc: LineCounter
): Problem[] =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    // An optional field that is present but wrong also fails its "or undefined" branch: noise.
    .filter((issue) => !issue.message.startsWith("Expected undefined, actual"))
    .map((issue) => {
      const full = [...prefix, ...issue.path]
      const message =
        issue._tag === "Missing" ? "is required" : issue._tag === "Unexpected" ? "is not a known field" : issue.message
      return { path: pathString(full), line: lineOf(doc, lc, full), message }
    })

export interface ParsedYaml {
  readonly doc: Document
  readonly lc: LineCounter
  /** Syntax errors, each with its line; empty when the text parsed. */
  readonly problems: Problem[]
}

export const parseYaml = (text: string): ParsedYaml => {
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true })
  return {
    doc,
    lc,
    problems: doc.errors.map((e) => ({
      path: "(yaml)",
      line: lc.linePos(e.pos[0]).line,
      message: e.message.split("\n")[0]
    }))
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
  // A generated JSON file (targets/universe.json: 6 MB) parses in milliseconds with JSON.parse, in seconds as YAML.
  if (file.endsWith(".json")) return decodeJson(text, file, schema)
  const { doc, lc, problems } = parseYaml(text)
  if (problems.length > 0) return { problems: problems.map((p) => ({ ...p, file })) }
  if (doc.contents === null) return { problems: [{ file, path: "(root)", line: 1, message: "the file is empty" }] }
  const decoded = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(doc.toJS())
  if (Either.isLeft(decoded))
    return { problems: schemaProblems(decoded.left, [], doc, lc).map((p) => ({ ...p, file })) }
  return { value: decoded.right, problems: [] }
}
