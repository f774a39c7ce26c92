import { Effect } from "effect"
import { Fatal } from "../core/errors.ts"
import type { AtsProvider, Target } from "../targets/universe.ts"
import type { SourceContext, SourceUnit } from "./source.ts"
import { nameFromSlug } from "../targets/board-key.ts"

/**
 * The company of a job whose board neither the universe nor the provider's answer names: the token made readable
 * (`wealth-com` → `Wealth.com`; the rule is targets/board-key.ts `nameFromSlug`), never the bare slug.
 */
export const companyFromToken = (token: string): string => nameFromSlug(token)

/** One ATS board to fetch: the token, and the company it belongs to when the universe names it. */
export interface BoardUnit extends SourceUnit {
  readonly token: string
  readonly company: string | null
  readonly domain: string | null
}

/**
 * This provider's companies in the target universe (`ctx.targets()`), for a node given no
 * `with.boards`. A missing or invalid universe file stops the node: fetching nothing silently
 * would look like a board with no jobs.
 */
export const universeTargets = (
  provider: AtsProvider,
  ctx: SourceContext
): Effect.Effect<ReadonlyArray<Target>, Fatal> =>
  Effect.try({
    try: () => ctx.targets().filter((t) => t.ats === provider && t.board != null),
    catch: (e) =>
      new Fatal({
        reason: "Config",
        message:
          `${ctx.node}: no with.boards given, and the target universe could not be read (${e instanceof Error ? e.message : String(e)}). ` +
          `Give with.boards, or create the file dag.yaml's targets: names (default targets/companies.yaml).`
      })
  })

/** `with.boards` when given, else the `provider` boards of the universe; duplicates are fetched once. */
export const tokenBoards = (
  provider: AtsProvider,
  given: ReadonlyArray<string> | undefined,
  ctx: SourceContext
): Effect.Effect<ReadonlyArray<BoardUnit>, Fatal> =>
  Effect.gen(function* () {
    const seen = new Set<string>()
    const out: BoardUnit[] = []
    const add = (token: string, company: string | null, domain: string | null) => {
      if (seen.has(token)) return
      seen.add(token)
      out.push({ key: token, token, company, domain })
    }
    if (given && given.length > 0) {
      // A board named in with.boards still gets its company's name and domain when the universe lists it.
      for (const token of given) {
        const who = ctx.companyOf?.(provider, token)
        add(token, who?.name ?? null, who?.domain ?? null)
      }
      return out
    }
    for (const t of yield* universeTargets(provider, ctx)) {
      if (typeof t.board !== "string")
        return yield* Effect.fail(
          new Fatal({
            reason: "Config",
            message: `targets: ${t.name} (${provider}) has a {tenant, site, instance} board; ${provider} boards are plain tokens`
          })
        )
      // A name made from the slug gives way to the provider's own (greenhouse company_name, workable account name).
      add(t.board, t.name_source === "slug" ? null : t.name, t.domain ?? null)
    }
    if (out.length === 0)
      yield* ctx.log(`${ctx.node}: the target universe lists no ${provider} boards; nothing to fetch`)
    return out
  })
