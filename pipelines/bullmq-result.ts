import { deflateRawSync, inflateRawSync } from "node:zlib"
import type { UnitResult } from "./executor.ts"

/**
 * A unit's result as it crosses Redis. BullMQ keeps a job's return value twice (in the job and in the queue's
 * event stream) until the node commits, and the coordinator reads every byte of it: a board's postings as JSON are
 * tens of kilobytes of HTML-laden text that deflate several times smaller. Small results travel as they are.
 */
export type PackedResult<T = UnitResult> = T | { readonly deflated: string }

/** Below this many characters of JSON a result is not worth deflating. */
const PACK_FROM = 2_048

export const packResult = (r: UnitResult): PackedResult => {
  const json = JSON.stringify(r)
  return json.length < PACK_FROM ? r : { deflated: deflateRawSync(json, { level: 1 }).toString("base64") }
}

/** A result that was never packed (a task's) passes through as it is. */
export const unpackResult = <T = UnitResult>(p: PackedResult<T>): T =>
  typeof p === "object" && p !== null && "deflated" in p
    ? (JSON.parse(inflateRawSync(Buffer.from(p.deflated, "base64")).toString("utf8")) as T)
    : (p as T)
