import { Effect } from "effect"
import { createHash } from "node:crypto"
import { Fatal, type SourceError } from "../core/errors.ts"
import {
  countRequests,
  Http,
  type HttpRequest,
  type HttpResponse,
  requestPolicy,
  sourcePolicy
} from "../sources/http.ts"
import type { PageGroup, Source } from "../sources/source.ts"
import { decodeError, encodeError, type TaskHandler, type TaskResult, type UnitExecutor } from "./executor.ts"

/**
 * One HTTP request of a source whose units share state (a search page) as a task on the BullMQ executor: the
 * coordinator keeps the paging decisions, the cross-search dedupe, offsets and each site's pacing gate, and a worker
 * makes the request and hands back the page. A queue per site and host, one request at a time, paced at the site's
 * delay, whichever worker takes it.
 */
export const PAGE_HANDLER = "page"

/** The host (and port) a URL asks: the queue of a host group is named after it. */
export const hostOf = (url: string) => {
  try {
    return new URL(url).host || undefined
  } catch {
    return undefined
  }
}

/** The limits of the node's `with` the request is made under on the worker (no proxies: those stay here). */
export interface PageLimits {
  readonly concurrency?: number
  readonly per_second?: number
  readonly max_body_mb?: number
  readonly max_decoded_mb?: number
  readonly max_retry_after_s?: number
}

interface PageTask {
  readonly source: string
  readonly req: HttpRequest
  readonly limits: PageLimits
}

/** A page as it crosses the queue: the headers sources read, not the raw bytes. */
interface SentPage {
  readonly status: number
  readonly url: string
  readonly text: string
  readonly headers: Record<string, string>
}
const KEPT_HEADERS = ["date", "content-type", "retry-after", "location", "last-modified", "etag"]

const pageOf = (r: TaskResult): Effect.Effect<HttpResponse, SourceError> => {
  if (r.error) return Effect.fail(decodeError(r.error))
  const p = r.value as SentPage | undefined
  if (r.defect !== undefined || typeof p?.text !== "string")
    return Effect.die(new Error(`the worker answered no page (${r.defect ?? "unexpected result"})`))
  const headers = new Map(Object.entries(p.headers ?? {}))
  return Effect.succeed({ status: p.status, url: p.url, text: p.text, headers: { get: (n) => headers.get(n) ?? null } })
}

/**
 * The coordinator's side: a request sent to a worker. The same request asked again in a run is a new task; a
 * resume's n-th ask of it is the first run's n-th, read back if it finished.
 */
export const pageSender = (
  executor: UnitExecutor,
  node: string,
  source: string,
  limits: PageLimits,
  /** The requests each page took on its worker (retries included), counted as the node's own. */
  counted: (requests: number) => void
) => {
  const runTask = executor.runTask
  if (!runTask) return undefined
  const asked = new Map<string, number>()
  return (group: PageGroup, req: HttpRequest): Effect.Effect<HttpResponse, SourceError> =>
    Effect.suspend(() => {
      const hash = createHash("sha1")
        .update(JSON.stringify([group.name, req.method ?? "GET", req.url, req.body ?? null, req.headers ?? {}]))
        .digest("hex")
      const n = (asked.get(hash) ?? 0) + 1
      asked.set(hash, n)
      const task: PageTask = { source, req, limits }
      return runTask(
        {
          source: group.name,
          host: hostOf(req.url) ?? source,
          concurrency: 1,
          ...(group.perSecond !== undefined ? { perSecond: group.perSecond } : {}),
          handler: PAGE_HANDLER
        },
        node,
        `page:${hash}:${n}`,
        task
      ).pipe(
        Effect.tap((r) => Effect.sync(() => counted(r.requests ?? 0))),
        Effect.flatMap(pageOf)
      )
    })
}

/** A worker's side: the request made with this machine's HTTP client under the source's policy. */
export const pageTaskHandler = (
  sources: ReadonlyArray<Source>,
  run: <A, E>(effect: Effect.Effect<A, E, Http>) => Promise<A>
): TaskHandler => {
  const byKind = new Map(sources.map((s) => [s.kind, s]))
  return {
    name: PAGE_HANDLER,
    capabilities: [],
    accepts: () => true,
    run: async (payload, attempts) => {
      const task = payload as PageTask
      const src = byKind.get(task.source)
      if (!src)
        return {
          error: encodeError(new Fatal({ reason: "Config", message: `this worker has no source ${task.source}` })),
          attempts
        }
      const made = await run(
        countRequests(
          Effect.either(
            Effect.flatMap(Http, (http) => http.request(task.req)).pipe(
              Effect.locally(requestPolicy, sourcePolicy(src, task.limits))
            )
          )
        )
      ).catch((e: unknown) => e as Error)
      if (made instanceof Error) return { defect: `${made.name}: ${made.message}`.slice(0, 300), attempts }
      const [answer, requests] = made
      if (answer._tag === "Left") return { error: encodeError(answer.left), attempts, requests }
      const res = answer.right
      const headers: Record<string, string> = {}
      for (const h of KEPT_HEADERS) {
        const v = res.headers.get(h)
        if (v !== null) headers[h] = v
      }
      return {
        value: { status: res.status, url: res.url, text: res.text, headers } satisfies SentPage,
        attempts,
        requests
      }
    }
  }
}
