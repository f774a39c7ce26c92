import type { Posting } from "../../model/posting.ts"
import { decodeHTML, htmlToText, isoDate, remoteFromText } from "../text.ts"
import { parseSalaryText } from "../jobboards/common.ts"

type Node = Record<string, any>
export type ApolloGraph = Record<string, Node>

/** `props.pageProps.apolloState.data` of the page's `<script id="__NEXT_DATA__">`, or null when absent. */
export const apolloState = (html: string): ApolloGraph | null => {
  const m = html.match(/<script[^>]*id=["']__NEXT_DATA__["'][^>]*>([\s\S]*?)<\/script>/i)
  if (!m) return null
  const data = JSON.parse(m[1]) as Node
  const graph = data?.props?.pageProps?.apolloState?.data
  return graph && typeof graph === "object" ? (graph as ApolloGraph) : null
}

/** An Apollo cache reference in either wire form: `{__ref}` (Apollo 3) or `{type: "id", id}` (Apollo 2). */
const refKey = (v: unknown): string | null => {
  if (!v || typeof v !== "object") return null
  const o = v as Node
  if (typeof o.__ref === "string") return o.__ref
  if (o.type === "id" && typeof o.id === "string") return o.id
  return null
}

/** `{type: "json", json: […]}` (Apollo 2 JSON scalars) or the value itself. */
const scalar = (v: unknown): unknown =>
  v && typeof v === "object" && (v as Node).type === "json" ? (v as Node).json : v

/** Search pages: how many, from ROOT_QUERY.talent's `seoLandingPageJobSearchResults…` entry. */
export const pageCount = (graph: ApolloGraph): number | null => {
  const talent = graph.ROOT_QUERY?.talent
  const resolved = refKey(talent) ? graph[refKey(talent)!] : talent
  if (!resolved || typeof resolved !== "object") return null
  const key = Object.keys(resolved).find((k) => k.includes("seoLandingPageJobSearchResults"))
  const entry = key ? resolved[key] : null
  const node = refKey(entry) ? graph[refKey(entry)!] : entry
  return typeof node?.pageCount === "number" ? node.pageCount : null
}

export interface WellfoundParse {
  readonly postings: Posting[]
  /** Listings a startup references that the page's Apollo state does not hold. */
  readonly dangling: Array<{ startup: string; ref: string }>
  readonly startups: number
}

const SIZES: Record<string, string> = {
  SIZE_1_10: "1-10",
  SIZE_11_50: "11-50",
  SIZE_51_200: "51-200",
  SIZE_201_500: "201-500",
  SIZE_501_1000: "501-1000",
  SIZE_1001_5000: "1001-5000",
  SIZE_5000_PLUS: "5000+"
}

/**
 * Postings of one search page: every `StartupResult` with its `highlightedJobListings` resolved
 * through the cache. A listing is emitted once even when two startups nodes reference it.
 */
export const parseWellfoundGraph = (graph: ApolloGraph): WellfoundParse => {
  const postings: Posting[] = []
  const dangling: WellfoundParse["dangling"] = []
  const seen = new Set<string>()
  const startups = Object.entries(graph).filter(
    ([k, v]) => k.startsWith("StartupResult:") || v?.__typename === "StartupResult"
  )
  for (const [key, s] of startups) {
    const company = String(s.name ?? "").trim()
    for (const r of (s.highlightedJobListings ?? []) as unknown[]) {
      const ref = refKey(r)
      const job = ref ? graph[ref] : r && typeof r === "object" && (r as Node).id ? (r as Node) : undefined
      if (!job) {
        if (!seen.has(`ref:${ref}`)) dangling.push({ startup: `${key} (${company})`, ref: ref ?? JSON.stringify(r) })
        seen.add(`ref:${ref}`)
        continue
      }
      const id = String(job.id)
      if (seen.has(id)) continue
      seen.add(id)
      const locations = ((scalar(job.locationNames) as unknown[] | undefined) ?? []).map(String)
      const title = String(job.title ?? job.primaryRoleTitle ?? "").trim()
      if (!title || !company) {
        dangling.push({ startup: `${key} (${company || "no name"})`, ref: `${ref ?? id} (no title)` })
        continue
      }
      postings.push({
        source: "wellfound",
        source_id: id,
        board: s.slug ? String(s.slug) : null,
        url: `https://wellfound.com/jobs/${id}${job.slug ? `-${job.slug}` : ""}`,
        apply_url: null,
        title: decodeHTML(title),
        company: decodeHTML(company),
        location: locations.length > 0 ? locations.join(", ") : null,
        remote: job.remote === true ? "remote" : remoteFromText(...locations),
        posted_at: isoDate(job.liveStartAt ?? null),
        description_text: htmlToText(job.description ?? null),
        ...parseSalaryText(typeof job.compensation === "string" ? job.compensation.split("•")[0] : null),
        employment_type: job.jobType ? String(job.jobType).replace(/_/g, " ").toLowerCase() : null,
        department: job.primaryRoleTitle ? String(job.primaryRoleTitle) : null,
        tags: [
          s.companySize ? `size:${SIZES[s.companySize] ?? s.companySize}` : null,
          s.highConcept ? String(s.highConcept) : null
        ].filter((x): x is string => !!x),
        raw: {
          job: { ...job, description: undefined },
          startup: { id: s.id, slug: s.slug, name: s.name, companySize: s.companySize, highConcept: s.highConcept }
        }
      })
    }
  }
  return { postings, dangling, startups: startups.length }
}

/** The recorded scraper output (an array of Apollo nodes) as the page it was extracted from. */
export const nextDataPage = (nodes: ReadonlyArray<Node>, extra: ApolloGraph = {}): string => {
  const data: ApolloGraph = { ...extra }
  for (const n of nodes) data[`${n.__typename}:${n.id}`] = n
  const next = { props: { pageProps: { apolloState: { data } } }, page: "/role/[slug]" }
  return `<!DOCTYPE html><html><head></head><body><div id="__next"></div><script id="__NEXT_DATA__" type="application/json">${JSON.stringify(next)}</script></body></html>`
}
