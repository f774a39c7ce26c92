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
  readonly wanted: number
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
  /** Postings for one search, lazily paged: the caller stops pulling at `results_wanted`. */
  readonly search: (env: SiteEnv) => Stream.Stream<Posting, SourceError, Http>
}

interface Gate {
  readonly sem: Effect.Semaphore
  next: number
}
const gates = new Map<string, Gate>()

/** One gate per (run, node, site): requests to a site are serialized and spaced, whatever the unit. */
export const gated = (key: string, delayMs: number) => {
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
        return yield* http.request(req).pipe(
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
