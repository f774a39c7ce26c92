/**
 * The daily queue: which jobs a person sees today and in what order. Pure, so `jobsignal today`,
 * the Today page and the tests rank the same way.
 */
export type QueueStatus = "applied" | "dismiss" | "snooze" | "interested"

export interface QueueJob {
  readonly job_key: string
  readonly company: string
  readonly title: string
  /** Lexical or LLM fit in 0..1. */
  readonly fit: number
  /** When the posting was first seen (ISO): what "new since the last look" compares. */
  readonly first_seen: string
  /** When the role opened (the posting date when the source gives one, else first seen): freshness and `asOf`. */
  readonly opened_at?: string
  /** A digest of what the person would read (title, location, description); a change re-surfaces it. */
  readonly content_hash: string
  /** How many boards carry the same job after dedupe. */
  readonly boards: number
  /** Company signals in the window, newest first, as "why now" lines. */
  readonly whyNow: ReadonlyArray<string>
  /** What else the warehouse knows of the company (YC directory, roles open there): shown, not scored. */
  readonly context?: ReadonlyArray<string>
}

export interface StatusRecord {
  readonly status: QueueStatus
  /** The content hash the person acted on. */
  readonly content_hash: string
  /** For `snooze`: the day it comes back. */
  readonly until?: string | null
}

export interface QueueItem extends QueueJob {
  readonly score: number
  readonly isNew: boolean
  readonly status: QueueStatus | null
}

const DAY = 86_400_000

/** Weights: fit matters most; freshness halves every 7 days; signals and boards add evidence. */
export const scoreJob = (j: QueueJob, asOf: string): number => {
  const ageDays = Math.max(0, (Date.parse(asOf) + DAY - Date.parse(j.opened_at ?? j.first_seen)) / DAY)
  const freshness = 0.5 ** (ageDays / 7)
  const signals = Math.min(j.whyNow.length, 3) / 3
  const boards = Math.min(Math.max(j.boards - 1, 0), 3) / 3
  return Number((0.55 * j.fit + 0.25 * freshness + 0.12 * signals + 0.08 * boards).toFixed(4))
}

/**
 * Today's queue as of `asOf`: jobs seen on or before that day, minus what the person dismissed or
 * applied to (unless the posting changed since), minus snoozes not yet due. `lastLooked` marks the
 * jobs first seen after the person's last visit as new.
 */
export const todayQueue = (
  jobs: ReadonlyArray<QueueJob>,
  statuses: ReadonlyMap<string, StatusRecord>,
  opts: { asOf: string; lastLooked?: string | null; limit?: number }
): QueueItem[] => {
  const end = Date.parse(opts.asOf) + DAY
  const since = opts.lastLooked ? Date.parse(opts.lastLooked) : Number.NEGATIVE_INFINITY
  const out: QueueItem[] = []
  for (const j of jobs) {
    const seen = Date.parse(j.first_seen)
    const opened = Date.parse(j.opened_at ?? j.first_seen)
    if (Number.isNaN(opened) || opened >= end) continue
    const st = statuses.get(j.job_key)
    const changed = st !== undefined && st.content_hash !== j.content_hash
    if (st && !changed) {
      if (st.status === "dismiss" || st.status === "applied") continue
      if (st.status === "snooze" && st.until && Date.parse(st.until) >= end) continue
    }
    out.push({
      ...j,
      score: scoreJob(j, opts.asOf),
      isNew: seen > since,
      status: changed ? null : (st?.status ?? null)
    })
  }
  out.sort((a, b) => b.score - a.score || a.job_key.localeCompare(b.job_key))
  return out.slice(0, opts.limit ?? 50)
}
