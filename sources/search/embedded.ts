/** JSON that pages embed in script text (Google's job arrays, Next.js flight chunks, Indeed's mosaic data). */

/** The balanced JSON array or object starting at the first `[` or `{` from `from` (strings and escapes respected), or null. */
export const jsonAt = (text: string, from: number, open: "[" | "{" = "["): unknown => {
  const start = text.indexOf(open, from)
  if (start < 0) return null
  const close = open === "[" ? "]" : "}"
  let depth = 0
  let inStr = false
  for (let i = start; i < text.length; i++) {
    const c = text[i]
    if (inStr) {
      if (c === "\\") i++
      else if (c === '"') inStr = false
    } else if (c === '"') inStr = true
    else if (c === open) depth++
    else if (c === close && --depth === 0) {
      try {
        return JSON.parse(text.slice(start, i + 1))
      } catch {
        return null
      }
    }
  }
  return null
}

/** The value after `"key":` (an object or array), or null when the key is absent or the JSON is cut. */
export const jsonAfterKey = (text: string, key: string): unknown => {
  const at = text.indexOf(`"${key}":`)
  if (at < 0) return null
  const from = at + key.length + 3
  const open = text.slice(from).match(/^\s*([[{])/)?.[1] as "[" | "{" | undefined
  return open ? jsonAt(text, from, open) : null
}

/**
 * The text a Next.js app-router page streams in `self.__next_f.push([1, "…"])` script chunks, joined:
 * the React Server Components payload, where the page's data sits as JSON fragments.
 */
export const nextFlightText = (html: string): string => {
  let out = ""
  for (const m of html.matchAll(/self\.__next_f\.push\((\[[\s\S]*?\])\)<\/script>/g)) {
    try {
      const chunk = JSON.parse(m[1]) as unknown[]
      if (typeof chunk[1] === "string") out += chunk[1]
    } catch {
      // A chunk that is not JSON (a bootstrap call) carries no data.
    }
  }
  return out
}
