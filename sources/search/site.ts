import { Clock, Duration, Effect, type Stream } from "effect"
import type { SourceError } from "../../core/errors.ts"
import { Http, type HttpRequest, type HttpResponse } from "../http.ts"
import type { Posting, SourceContext } from "../source.ts"
import { Search, Site } from "./declaration.ts"

// The search vocabulary is declared with the node's options (declaration.ts), which validate loads without this module.
export { Search, Site }

/** What a site scraper gets for one (search × site) unit. */
export interface SiteEnv {
  readonly site: Site
  readonly baseUrl: string
  readonly search: Search
  /** Results to fetch from `start` on: `results_wanted` plus what `offset` skips within the first page. */
  readonly wanted: number
  /** The result index paging starts at: `offset` rounded down to the site's page (`SiteScraper.pageSize`). */
  readonly start: number
  /** Miles around the location, when the search or the node gives one. */
  readonly distance?: number
  readonly unit: string
  readonly ctx: SourceContext
  readonly opts: Record<string, any>
  /** An HTTP request through this site's politeness gate (one at a time, spaced by its delay). */
  readonly request: (req: Omit<HttpRequest, "unit">) => Effect.Effect<HttpResponse, SourceError, Http>
}

export interface SiteScraper {
  readonly site: Site
  readonly defaultBaseUrl: string
  /** The default base URL when it depends on the options (a site with a web and a mobile route). */
  readonly defaultBaseUrlFor?: (opts: Record<string, any>) => string
  /** Live politeness: pause between two requests to this site (overridable by `with.delay_ms`). */
  readonly delayMs: number
  /** A reason this site cannot run with these options (a missing credential), or null. */
  readonly unavailable: (opts: Record<string, any>) => string | null
  /**
   * Results a page of this route holds, when its paging can start at an offset (a `start` or `page`
   * parameter); undefined when it pages by cursor and an offset is fetched and dropped.
   */
  readonly pageSize?: (opts: Record<string, any>) => number | undefined
  /** This route's requests carry a credential (an app key in a header): they are never sent to a worker. */
  readonly credentialed?: (opts: Record<string, any>) => boolean
  /** Search parameters this site has no equivalent for: the node says so once, and they are ignored there. */
  readonly ignores?: ReadonlyArray<"distance">
  /** Postings for one search from result `start` on, lazily paged: the caller stops pulling at `results_wanted`. */
  readonly search: (env: SiteEnv) => Stream.Stream<Posting, SourceError, Http>
  /**
   * The job's own page for what the listing lacks (the description), with `with.fetch_descriptions`. Run on
   * the postings kept (after the offset, repeats and `results_wanted`); a failed one keeps the listing.
   */
  readonly detail?: (p: Posting, env: SiteEnv) => Effect.Effect<Posting, never, Http>
}

interface Gate {
  readonly sem: Effect.Semaphore
  next: number
}
const gates = new Map<string, Gate>()

/**
 * One gate per (run, node, site): requests to a site are serialized and spaced, whatever the unit, and wherever
 * `send` makes them (a worker, on the BullMQ executor; this process's client by default).
 */
export const gated = (
  key: string,
  delayMs: number,
  send?: (req: HttpRequest) => Effect.Effect<HttpResponse, SourceError, Http>
) => {
  let g = gates.get(key)
  if (!g) {
    g = { sem: Effect.unsafeMakeSemaphore(1), next: 0 }
    gates.set(key, g)
  }
  const gate = g
  return (req: HttpRequest) =>
    gate.sem.withPermits(1)(
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        if (gate.next > now) yield* Effect.sleep(Duration.millis(gate.next - now))
        const http = yield* Http
        return yield* (send ? send(req) : http.request(req)).pipe(
          Effect.ensuring(
            Effect.flatMap(Clock.currentTimeMillis, (t) =>
              Effect.sync(() => {
                gate.next = t + delayMs
              })
            )
          )
        )
      })
    )
}

/** Forgets the gates of this node's earlier runs (keys are `run:node:site`). */
export const dropOldGates = (runId: string, node: string) => {
  for (const k of [...gates.keys()]) if (k.includes(`:${node}:`) && !k.startsWith(`${runId}:`)) gates.delete(k)
}
