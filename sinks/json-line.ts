/**
 * Rows as NDJSON lines for DuckDB's `read_json`, safe against hostile values: a row nested deeper
 * than `MAX_ROW_DEPTH` is refused (JSON.stringify recurses and overflows the stack on 100k levels,
 * and nothing we stage is legitimately that deep), and a lone UTF-16 surrogate, which JSON.stringify
 * escapes as `\udXXX` and `read_json` rejects for the whole file, becomes U+FFFD: the record is kept.
 */

export const MAX_ROW_DEPTH = 64

/** A row that cannot become a line; its message names the field and never prints the value. */
export class UnserializableRow extends Error {
  constructor(
    readonly field: string,
    readonly reason: "TooDeep" | "NotJson",
    detail: string
  ) {
    super(`field ${field}: ${detail}`)
  }
}

/** The path of the first value nested deeper than `limit`, or undefined. Recursion is bounded by `limit`. */
const tooDeepAt = (v: unknown, limit: number, path: string): string | undefined => {
  if (v === null || typeof v !== "object") return undefined
  if (limit === 0) return path
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = tooDeepAt(v[i], limit - 1, `${path}[${i}]`)
      if (p !== undefined) return p
    }
    return undefined
  }
  for (const k in v) {
    const p = tooDeepAt(
      (v as Record<string, unknown>)[k],
      limit - 1,
      path.length > 200 ? path : `${path}.${k.slice(0, 40)}`
    )
    if (p !== undefined) return p
  }
  return undefined
}

const bigintSafe = (_k: string, v: unknown) => (typeof v === "bigint" ? Number(v) : v)

// A `\udXXX` escape not itself escaped (preceded by an even run of backslashes): only lone surrogates
// are written this way, a valid pair is written as the characters themselves.
const loneSurrogate = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g

/**
 * One NDJSON line. Throws `UnserializableRow` for a row too deep or not JSON (a cycle); `onRepair` is
 * called when lone surrogates were replaced. The replacer (slow: a call per field) only for the rare
 * row holding a bigint.
 */
export const toJsonLine = (r: Record<string, unknown>, onRepair?: () => void): string => {
  for (const k in r) {
    const at = tooDeepAt(r[k], MAX_ROW_DEPTH, k)
    if (at !== undefined)
      throw new UnserializableRow(k, "TooDeep", `nested deeper than ${MAX_ROW_DEPTH} levels (at ${at.slice(0, 120)})`)
  }
  let line: string
  try {
    line = JSON.stringify(r)
  } catch {
    try {
      line = JSON.stringify(r, bigintSafe)
    } catch (e) {
      throw new UnserializableRow(
        "(row)",
        "NotJson",
        `cannot be written as JSON (${e instanceof Error ? e.name : "error"})`
      )
    }
  }
  if (line.includes("\\ud")) {
    const fixed = line.replace(loneSurrogate, "$1\ufffd")
    if (fixed !== line) {
      onRepair?.()
      return fixed
    }
  }
  return line
}
