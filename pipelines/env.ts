import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { parseEnv } from "node:util"
import { Fatal } from "../core/errors.ts"

export interface DotEnvResult {
  /** The .env file read, or undefined when there is none. */
  readonly file?: string
  /** Names set from the file (values are never reported). */
  readonly set: ReadonlyArray<string>
  /** Names the file has that the real environment already had: the environment wins. */
  readonly kept: ReadonlyArray<string>
}

const ASSIGNMENT = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=/

/**
 * Line numbers of lines that are not `NAME=value`, a comment or blank. Node's parser reads such a line
 * as part of a strange key instead of refusing it, so a typo would silently drop a setting.
 */
const malformedLines = (text: string): number[] => {
  const bad: number[] = []
  let open: string | undefined
  let openedAt = 0
  text.split(/\r?\n/).forEach((line, i) => {
    if (open) {
      // Inside a quoted multi-line value: only its closing quote matters.
      if (line.includes(open)) open = undefined
      return
    }
    if (/^\s*(#.*)?$/.test(line)) return
    if (!ASSIGNMENT.test(line)) return void bad.push(i + 1)
    const value = line.slice(line.indexOf("=") + 1).trimStart()
    const q = value[0]
    if ((q === '"' || q === "'" || q === "`") && value.indexOf(q, 1) === -1) {
      open = q
      openedAt = i + 1
    }
  })
  // A quote never closed: Node would keep it as a literal character of a one-line value.
  if (open) bad.push(openedAt)
  return bad.sort((a, b) => a - b)
}

/**
 * Reads `.env` from `cwd` into `env` (default process.env), for secrets and endpoints the docs say may live
 * there (MONGODB_URI, provider keys, SEC_USER_AGENT). A variable already set in the environment is never
 * overridden. A malformed line fails with the file and line, never the line's text (it may hold a secret).
 */
export const loadDotEnv = (cwd: string, env: Record<string, string | undefined> = process.env): DotEnvResult => {
  const file = join(cwd, ".env")
  if (!existsSync(file)) return { set: [], kept: [] }
  let text: string
  try {
    // An editor's byte-order mark would otherwise make line 1 look malformed.
    text = readFileSync(file, "utf8").replace(/^\uFEFF/, "")
  } catch (e) {
    throw new Fatal({
      reason: "Config",
      message: `${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? "error"})`
    })
  }
  const bad = malformedLines(text)
  if (bad.length > 0)
    throw new Fatal({
      reason: "Config",
      message: `${file}:${bad[0]}: not a NAME=value line${bad.length > 1 ? ` (also line${bad.length > 2 ? "s" : ""} ${bad.slice(1).join(", ")})` : ""}; fix or remove it (comments start with #)`
    })
  const set: string[] = []
  const kept: string[] = []
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) kept.push(name)
    else {
      env[name] = value
      set.push(name)
    }
  }
  return { file, set, kept }
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g

/** The variable names `${NAME}` in a string. */
export const placeholdersIn = (s: string): string[] => [...s.matchAll(PLACEHOLDER)].map((m) => m[1])

/**
 * `${NAME}` in option strings replaced by the environment's value. A string naming an unset variable is
 * dropped (its field becomes absent), so a node falls back to its own default or notice; preflight has
 * already refused the run where the field was required.
 */
export const expandEnv = (value: unknown, env: Record<string, string | undefined> = process.env): unknown => {
  if (typeof value === "string") {
    const names = placeholdersIn(value)
    if (names.length === 0) return value
    if (names.some((n) => env[n] === undefined || env[n] === "")) return undefined
    return value.replace(PLACEHOLDER, (_, n: string) => env[n]!)
  }
  if (Array.isArray(value)) return value.map((v) => expandEnv(v, env)).filter((v) => v !== undefined)
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const x = expandEnv(v, env)
      if (x !== undefined) out[k] = x
    }
    return out
  }
  return value
}
