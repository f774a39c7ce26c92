import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Chunk, Effect, Option, Stream } from "effect"
import { Fatal, Skippable } from "../../core/errors.ts"
import { Http } from "../http.ts"
import { postingsStaging } from "../postings.ts"
import { blocked, looksBlocked } from "../jobboards/common.ts"
import type { JobSource } from "../source.ts"
import { apolloState, nextDataPage, pageCount, parseWellfoundGraph } from "./parse.ts"
import { type WellfoundOptions, wellfoundDeclaration } from "./declaration.ts"

const fixturesRoot = join(import.meta.dirname, "..", "..", "fixtures")

/**
 * Wellfound (AngelList Talent) role search pages, read from the Next.js Apollo state in
 * `__NEXT_DATA__`. The site sits behind bot protection: a 403 or a challenge page fails that unit as
 * `Blocked` (counted in source_errors), never as "no jobs".
 */
export const wellfound: JobSource<WellfoundOptions> = {
  ...wellfoundDeclaration,
  defaultBaseUrl: "https://wellfound.com",
  hostLimits: { concurrency: 1, perSecond: 0.3 },
  output: postingsStaging,
  units: (opts) =>
    opts.roles && opts.roles.length > 0
      ? Effect.succeed(opts.roles.map((role) => ({ key: opts.location ? `${role}@${opts.location}` : role, role })))
      : Effect.fail(
          new Fatal({
            reason: "Config",
            message: "wellfound needs with.roles: role slugs as in wellfound.com/role/<slug>"
          })
        ),
  fetch: (unit, opts, ctx) => {
    const role = String(unit.role)
    const path = opts.location ? `/role/l/${role}/${opts.location}` : `/role/${role}`
    const maxPages = opts.max_pages ?? 3
    return Stream.paginateChunkEffect(1, (page) =>
      Effect.gen(function* () {
        const http = yield* Http
        const url = `${ctx.baseUrl}${path}${page > 1 ? `?page=${page}` : ""}`
        const label = `wellfound ${unit.key} page ${page}`
        const res = yield* http.request({ url, unit: label, headers: { accept: "text/html,application/xhtml+xml" } })
        const graph = yield* Effect.try({
          try: () => apolloState(res.text),
          catch: (e) =>
            new Skippable({
              reason: "BadBody",
              unit: label,
              message: `${label}: __NEXT_DATA__ is not valid JSON: ${(e as Error).message}`
            })
        })
        if (!graph) {
          const wall = looksBlocked(res.text)
          return yield* Effect.fail(
            wall
              ? blocked(label, wall, url)
              : new Skippable({
                  reason: "BadBody",
                  unit: label,
                  message: `${label}: no __NEXT_DATA__ Apollo state in the page (${res.text.length} bytes)`
                })
          )
        }
        const parsed = parseWellfoundGraph(graph)
        for (const d of parsed.dangling)
          yield* ctx.skip(
            new Skippable({
              reason: "InvalidRecord",
              unit: label,
              message: `${label}: ${d.startup} references ${d.ref}, which the page's Apollo state does not hold`
            })
          )
        const pages = pageCount(graph) ?? 1
        const more = page < pages && page < maxPages && parsed.startups > 0
        return [Chunk.fromIterable(parsed.postings), more ? Option.some(page + 1) : Option.none()] as const
      })
    )
  },
  fixtures: [
    { path: "/role/synthetic-python-developer", file: "wellfound/synthetic-role-page.html" },
    // The recording is scraper output (StartupResult nodes only): served as the page it came from.
    {
      path: "/role/python-developer",
      handler: () => ({
        contentType: "text/html; charset=utf-8",
        body: nextDataPage(
          JSON.parse(readFileSync(join(fixturesRoot, "wellfound/scrapfly-wellfound-search-results.json"), "utf8"))
        )
      })
    }
  ],
  replayOptions: { roles: ["synthetic-python-developer"] }
}
