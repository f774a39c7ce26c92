/**
 * `jobsignal targets discover "Company" | domain.com`: finds a company's ATS boards without knowing their tokens.
 * Two kinds of evidence, each verified by asking the board through its own connector (as `targets check` does):
 * ATS links on the company's careers pages, and the providers' public endpoints tried with tokens derived from the
 * name and domain. What answers is printed with its evidence, and with `--add` appended to targets/curated.tsv
 * (the universe's hand-kept input) so the next `npx tsx targets/build-universe.ts` keeps it.
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect } from "effect"
import { appendFileSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { sources as registeredSources } from "../../app/index.ts"
import { Http } from "../../sources/http.ts"
import type { Source } from "../../sources/source.ts"
import type { Target } from "../../targets/universe.ts"
import { formatTable } from "../console.ts"
import { fail, print, printErr } from "./shared.ts"
import { describe } from "../../core/errors.ts"
import { type CheckRow, checkOne, parseBaseUrlFor } from "../../app/board-check.ts"

/** Providers whose board is one token, and the link patterns that name it on a careers page. */
const LINKS: ReadonlyArray<{ ats: string; re: RegExp }> = [
  {
    ats: "greenhouse",
    re: /(?:boards|job-boards)(?:\.eu)?\.greenhouse\.io\/(?:embed\/job_board(?:\/js)?\?for=)?([a-z0-9_-]+)/gi
  },
  { ats: "greenhouse", re: /boards-api\.greenhouse\.io\/v1\/boards\/([a-z0-9_-]+)/gi },
  { ats: "lever", re: /jobs\.(?:eu\.)?lever\.co\/([a-z0-9_.-]+)/gi },
  { ats: "ashby", re: /jobs\.ashbyhq\.com\/([a-z0-9_.%-]+)/gi },
  { ats: "workable", re: /apply\.workable\.com\/([a-z0-9_-]+)/gi },
  { ats: "smartrecruiters", re: /(?:jobs|careers)\.smartrecruiters\.com\/([A-Za-z0-9_-]+)/g },
  { ats: "rippling", re: /ats\.rippling\.com\/([a-z0-9_-]+)/gi },
  { ats: "gem", re: /jobs\.gem\.com\/([a-z0-9_-]+)/gi },
  { ats: "bamboohr", re: /([a-z0-9-]+)\.bamboohr\.com/gi }
]
const NOT_TOKENS = new Set(["embed", "api", "v1", "jobs", "www", "careers", "job", "static", "assets"])

/**
 * A Workday career site: `https://{tenant}.wd{N}.myworkdayjobs.com/{site}` (a locale segment such as `en-US/` may come
 * first), or its CXS API `…/wday/cxs/{tenant}/{site}/`. The board is written `tenant/site/instance`, as curated.tsv has it.
 */
const WORKDAY_LINK =
  /([a-z0-9-]+)\.(wd\d+)\.myworkdayjobs\.com\/(?:wday\/cxs\/[a-z0-9-]+\/|[a-z]{2}-[a-z]{2}\/)?([a-z0-9_-]+)/gi
const NOT_WORKDAY_SITES = new Set(["wday", "job", "jobs", "login", "userhome"])

export interface Evidence {
  readonly ats: string
  /** The token; for Workday `tenant/site/instance`. */
  readonly board: string
  readonly evidence: string
}

/** `tenant/site/instance` as the Workday board the connector takes. */
const workdayBoard = (board: string) => {
  const [tenant, site, instance] = board.split("/")
  return { tenant, site, instance }
}

/** ATS boards linked from a page's HTML. */
export const linkedBoards = (html: string, pageUrl: string): Evidence[] => {
  const out = new Map<string, Evidence>()
  for (const m of html.matchAll(WORKDAY_LINK)) {
    const [, tenant, instance, site] = m
    if (NOT_WORKDAY_SITES.has(site.toLowerCase())) continue
    const board = `${tenant.toLowerCase()}/${site}/${instance.toLowerCase()}`
    out.set(`workday ${board.toLowerCase()}`, { ats: "workday", board, evidence: `linked from ${pageUrl} (${m[0]})` })
  }
  for (const { ats, re } of LINKS)
    for (const m of html.matchAll(re)) {
      const token = decodeURIComponent(m[1]).replace(/[.]+$/, "")
      if (!token || NOT_TOKENS.has(token.toLowerCase())) continue
      const board = ats === "smartrecruiters" ? token : token.toLowerCase()
      out.set(`${ats} ${board}`, { ats, board, evidence: `linked from ${pageUrl} (${m[0]})` })
    }
  return [...out.values()]
}

const SUFFIXES = /\b(inc|incorporated|llc|ltd|limited|corp|corporation|co|company|gmbh|plc|technologies|labs|hq)\b\.?/g

/** Likely tokens for a name or domain: "Wealth.com" → wealthcom, wealth-com, wealth; "ramp.com" → ramp. */
export const candidateTokens = (query: string): string[] => {
  const q = query.trim().toLowerCase()
  const isDomain = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(q) && !q.includes(" ")
  const base = isDomain ? q.replace(/^www\./, "") : q
  const label = isDomain ? base.split(".")[0] : undefined
  const words = base
    .replace(SUFFIXES, " ")
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
  const out = [label, words.join(""), words.join("-"), words.join("_"), words[0]]
  return [...new Set(out.filter((t): t is string => !!t && t.length >= 2))].slice(0, 6)
}

export interface DiscoverRequest {
  readonly query: string
  readonly sources: ReadonlyArray<Source>
  readonly baseUrls?: Readonly<Record<string, string>>
  /** Where careers pages are fetched from (a mirror or the tests' server); default https://{domain}. */
  readonly siteBaseUrl?: string
  readonly timeoutMs?: number
  readonly onProgress?: (line: string) => void
}

export interface Found extends CheckRow {
  readonly evidence: string
}

const CAREERS_PATHS = ["/", "/careers", "/jobs", "/company/careers"]

/** What one careers page answered: its status, or why it did not. */
export interface PageAnswer {
  readonly url: string
  readonly answer: string
}

export interface Discovery {
  /** The boards that answered (a guessed token with jobs, a linked board alive or moved). */
  readonly found: ReadonlyArray<Found>
  /** Every board asked, answered or not, with its evidence: what `triedLines` reports. */
  readonly asked: ReadonlyArray<Found>
  readonly pages: ReadonlyArray<PageAnswer>
  /** Providers not asked at all, with why. */
  readonly notAsked: ReadonlyArray<string>
}

/** Why a request got no answer, in a few words: offline, refused, timed out. */
const wireFailure = (detail: string) =>
  /no answer within|timed out/i.test(detail)
    ? "timeout"
    : /ENOTFOUND|EAI_AGAIN/.test(detail)
      ? "network down (DNS lookup failed)"
      : /ECONNREFUSED/.test(detail)
        ? "connection refused"
        : /ENETUNREACH|EHOSTUNREACH|ECONNRESET|socket|fetch failed|failed:/i.test(detail)
          ? "network down"
          : undefined

/** A board's answer in a few words: `404`, `timeout`, `network down`, `3 jobs`. */
export const answerOf = (r: Pick<CheckRow, "status" | "jobs" | "detail">): string => {
  if (r.status === "alive" || r.status === "moved")
    return `${r.status === "moved" ? "moved, " : ""}${r.jobs ?? 0} job${r.jobs === 1 ? "" : "s"}`
  const code = /answered HTTP (\d{3})/.exec(r.detail)?.[1]
  if (code) return code
  return wireFailure(r.detail) ?? `error (${r.detail.slice(0, 80)})`
}

const count = (answers: ReadonlyArray<string>) => {
  const n = new Map<string, number>()
  for (const a of answers) n.set(a, (n.get(a) ?? 0) + 1)
  return [...n].map(([a, k]) => (k > 1 ? `${a} ×${k}` : a)).join(", ")
}

/** One line per careers page and per provider asked: what was tried and what each answered. */
export const triedLines = (d: Pick<Discovery, "asked" | "pages" | "notAsked">): string[] => {
  const byAts = new Map<string, Found[]>()
  for (const r of d.asked) byAts.set(r.ats, [...(byAts.get(r.ats) ?? []), r])
  return [
    ...d.pages.map((p) => `careers page ${p.url}: ${p.answer}`),
    ...[...byAts].map(([ats, rs]) => `${ats}: asked ${rs.map((r) => r.board).join(", ")}: ${count(rs.map(answerOf))}`),
    ...d.notAsked
  ]
}

/** Every board asked for the query, verified through its connector, and what the careers pages answered. */
export const discoverAll = (req: DiscoverRequest): Effect.Effect<Discovery, never, Http> =>
  Effect.gen(function* () {
    const http = yield* Http
    const q = req.query.trim()
    const domain = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(q) ? q.toLowerCase().replace(/^www\./, "") : undefined
    const name = domain ? domain.split(".")[0] : q
    const tried = new Map<string, Evidence>()
    const pages: PageAnswer[] = []
    if (domain) {
      const site = (req.siteBaseUrl ?? `https://${domain}`).replace(/\/+$/, "")
      for (const path of CAREERS_PATHS) {
        const url = `${site}${path}`
        const page = yield* http
          .request({
            url,
            unit: `careers page ${url}`,
            headers: { accept: "text/html" },
            retry: { times: 1, baseMs: 500, capMs: 2_000 }
          })
          .pipe(Effect.either)
        if (page._tag === "Left") {
          const detail = describe(page.left)
          pages.push({ url, answer: answerOf({ status: "error", jobs: null, detail }) })
          continue
        }
        const links = linkedBoards(page.right.text, page.right.url)
        pages.push({ url, answer: `${page.right.status}, ${links.length} ATS link(s)` })
        for (const e of links) tried.set(`${e.ats} ${e.board.toLowerCase()}`, e)
      }
      req.onProgress?.(`careers pages of ${domain}: ${tried.size} ATS link(s)`)
    }
    // Workday boards need tenant, site and instance: only a careers-page link names them, never a guess.
    const tokenAts = req.sources.filter((s) => s.ats !== undefined && s.kind !== "workday")
    const guesses = candidateTokens(q)
    for (const s of tokenAts)
      for (const t of guesses)
        if (!tried.has(`${s.kind} ${t}`))
          tried.set(`${s.kind} ${t}`, {
            ats: s.kind,
            board: t,
            evidence: `${s.kind}'s public endpoint answered for "${t}"`
          })
    req.onProgress?.(`asking ${tried.size} candidate board(s) on ${tokenAts.length} providers`)
    const rows = yield* Effect.forEach(
      [...tried.values()],
      (e) => {
        const src = req.sources.find((s) => s.kind === e.ats)
        if (!src) return Effect.succeed(undefined)
        const board = e.ats === "workday" ? workdayBoard(e.board) : e.board
        const target: Target = { name, ats: e.ats, board, ...(domain ? { domain } : {}) }
        const base = (req.baseUrls?.[src.kind] ?? src.defaultBaseUrl).replace(/\/+$/, "")
        return checkOne(target, src, base, req.timeoutMs ?? 20_000).pipe(
          Effect.map((r): Found => ({ ...r, board: e.board, evidence: e.evidence }))
        )
      },
      { concurrency: 8 }
    )
    const asked = rows.filter((r): r is Found => r !== undefined)
    // A guessed token must list jobs (an empty board under a common word says nothing); a linked one need only answer.
    const found = asked.filter(
      (r) =>
        (r.status === "alive" || r.status === "moved") && (r.evidence.startsWith("linked from") || (r.jobs ?? 0) > 0)
    )
    const notAsked =
      req.sources.some((s) => s.kind === "workday") && !asked.some((r) => r.ats === "workday")
        ? [
            `workday: not asked: a Workday board (tenant, site, instance) comes only from a careers-page link${domain ? ` and none of ${domain}'s pages had one` : "; give the company's domain"}`
          ]
        : []
    return { found, asked, pages, notAsked }
  })

/** The boards that answer for the query (`discoverAll` without what did not answer). */
export const discover = (req: DiscoverRequest): Effect.Effect<ReadonlyArray<Found>, never, Http> =>
  Effect.map(discoverAll(req), (d) => d.found)

const curatedTsv = join(import.meta.dirname, "..", "..", "targets", "curated.tsv")

/** Lines for targets/curated.tsv (name, domain, ats, board, tags, evidence) for boards not listed there yet. */
const curatedLines = (found: ReadonlyArray<Found>, domain: string | undefined, day: string) => {
  const listed = new Set(
    readFileSync(curatedTsv, "utf8")
      .split("\n")
      .map((l) => l.split("\t"))
      .map(([, , ats, board]) => `${ats} ${(board ?? "").toLowerCase()}`)
  )
  return found
    .filter((f) => !listed.has(`${f.ats} ${f.board.toLowerCase()}`))
    .map((f) =>
      [f.company, domain ?? "", f.ats, f.board, "discovered", `idx:targets discover ${day}: ${f.evidence}`].join("\t")
    )
}

export const discoverCommand = Command.make(
  "discover",
  {
    query: Args.text({ name: "COMPANY_OR_DOMAIN" }).pipe(
      Args.withDescription('A company name ("Wealth.com", "Cohere Health") or its domain (ramp.com)')
    ),
    add: Options.boolean("add").pipe(
      Options.withDescription("Append the boards that answered to targets/curated.tsv, with their evidence")
    ),
    format: Options.choice("format", ["table", "json"]).pipe(Options.withDefault("table" as const)),
    site: Options.text("site").pipe(
      Options.optional,
      Options.withDescription("Fetch the careers pages from this URL instead of https://DOMAIN (a mirror)")
    ),
    baseUrlFor: Options.text("base-url-for").pipe(
      Options.repeated,
      Options.withDescription("kind=url: send that provider's requests to url (repeatable or comma-separated)")
    )
  },
  ({ query, add, format, site, baseUrlFor }) =>
    Effect.gen(function* () {
      const baseUrls = yield* Effect.try({
        try: () => parseBaseUrlFor(baseUrlFor),
        catch: (e) => e as Error
      })
      const discovery = yield* discoverAll({
        query,
        sources: registeredSources,
        baseUrls,
        siteBaseUrl: site._tag === "Some" ? site.value : undefined,
        onProgress: (l) => void process.stderr.write(`${l}\n`)
      })
      const found = discovery.found
      const rows = found.map((f) => ({
        ats: f.ats,
        board: f.board,
        jobs: f.jobs,
        status: f.status,
        evidence: f.evidence
      }))
      yield* print(
        format === "json"
          ? JSON.stringify(rows, null, 2)
          : rows.length === 0
            ? [
                `no board answered for ${JSON.stringify(query)}; tried:`,
                ...triedLines(discovery).map((l) => `  ${l}`)
              ].join("\n")
            : formatTable(rows)
      )
      // JSON keeps stdout to the boards found; what was tried goes to stderr there.
      if (format === "json" && rows.length === 0)
        yield* printErr([`no board answered; tried:`, ...triedLines(discovery).map((l) => `  ${l}`)].join("\n"))
      if (add && found.length > 0) {
        const domain = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(query.trim()) ? query.trim().toLowerCase() : undefined
        const lines = curatedLines(found, domain, new Date().toISOString().slice(0, 10))
        if (lines.length > 0) appendFileSync(curatedTsv, `${lines.join("\n")}\n`)
        yield* printErr(
          lines.length > 0
            ? `added ${lines.length} board(s) to targets/curated.tsv; run npx tsx targets/build-universe.ts (then targets/build-focus.ts) to use them`
            : "every board found is already in targets/curated.tsv"
        )
      }
    }).pipe(
      Effect.provide(Http.layer({ timeoutMs: 20_000 })),
      Effect.catchAll((e) => printErr(`error: ${e.message}`).pipe(Effect.zipRight(fail(2))))
    )
).pipe(
  Command.withDescription(
    "Find a company's ATS boards from its name or domain: careers-page links and likely tokens, each asked through its connector."
  )
)
