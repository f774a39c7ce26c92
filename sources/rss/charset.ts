import type { HttpResponse } from "../http.ts"

/**
 * The charset a feed declares (XML prolog first, then Content-Type), or "utf-8". Feeds served as
 * ISO-8859-1 are common (EDGAR's getcurrent declares it), and decoding their bytes as UTF-8 garbles é.
 */
export const declaredCharset = (bytes: Uint8Array, contentType: string | null): string => {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 200))
  const prolog = /^\uFEFF?\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/i.exec(head)
  if (prolog) return prolog[1].toLowerCase()
  const ct = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? "")
  return ct ? ct[1].toLowerCase() : "utf-8"
}

export class UnsupportedCharset extends Error {}

/** Decodes a response body by its declared charset; throws UnsupportedCharset for one Node cannot decode. */
export const decodeBody = (res: HttpResponse): { text: string; charset: string } => {
  if (!res.bytes) return { text: res.text, charset: "utf-8" }
  const charset = declaredCharset(res.bytes, res.headers.get("content-type"))
  if (charset === "utf-8" || charset === "utf8") return { text: res.text, charset: "utf-8" }
  let decoder: TextDecoder
  try {
    decoder = new TextDecoder(charset)
  } catch {
    throw new UnsupportedCharset(`declares encoding ${JSON.stringify(charset)}, which this runtime cannot decode`)
  }
  return { text: decoder.decode(res.bytes), charset }
}
