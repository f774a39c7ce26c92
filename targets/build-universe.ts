/**
 * Builds targets/companies.yaml from targets/curated.tsv and the recorded YC directory fixtures.
 * Run: npx tsx targets/build-universe.ts   (offline; reads only files in this repository)
 *
 * A board token is written only with the evidence it was seen in; a company without one is `ats: unknown`.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { stringify } from "yaml"
import type { Target } from "./universe.ts"

const root = join(import.meta.dirname, "..")

/** Where each kalil0321/ats-scrapers tenant list was read (commit of the stored copy). */
const atsCsv: Record<string, { commit: string; url: (board: string) => string }> = {
  ashby: { commit: "0f9e52ecd636", url: (b) => `https://jobs.ashbyhq.com/${b}` },
  lever: { commit: "23f6764d73d4", url: (b) => `https://jobs.lever.co/${b}` },
  greenhouse: { commit: "39b1568e0ec5", url: (b) => `https://job-boards.greenhouse.io/${b}` }
}

const expandEvidence = (key: string, ats: string, board: string): string => {
  if (key.startsWith("fx:")) return `recorded fixture fixtures/${key.slice(3)} (provenance in fixtures/SOURCES.md)`
  if (key.startsWith("idx:"))
    return `public job-aggregator code in the search index (file ids; repository not shown by the index) ${key.slice(4)}`
  const csv = atsCsv[key]
  if (csv)
    return `kalil0321/ats-scrapers@${csv.commit} ats-companies/${key}.csv lists ${csv.url(encodeURIComponent(board))}`
  throw new Error(`unknown evidence key ${JSON.stringify(key)} for board ${ats}:${board}`)
}

const parseBoard = (ats: string, raw: string): Target["board"] => {
  if (!raw) return undefined
  if (ats !== "workday") return raw
  const [tenant, site, instance] = raw.split("/")
  if (!tenant || !site || !instance) throw new Error(`workday board must be tenant/site/instance, got ${raw}`)
  return { tenant, site, instance }
}

const curated = (): Array<Target> =>
  readFileSync(join(import.meta.dirname, "curated.tsv"), "utf8")
    .split("\n")
    .map((l, i) => [l, i + 1] as const)
    .filter(([l]) => l.trim() !== "" && !l.startsWith("#"))
    .map(([line, n]) => {
      const [name, domain, ats, board = "", tags = "", evidence = ""] = line.split("\t")
      if (!name || !domain || !ats) throw new Error(`curated.tsv:${n}: needs name, domain and ats`)
      if (board && !evidence) throw new Error(`curated.tsv:${n}: board ${board} has no evidence`)
      return {
        name,
        domain,
        ats: ats as Target["ats"],
        ...(board ? { board: parseBoard(ats, board), evidence: expandEvidence(evidence, ats, board) } : {}),
        tags: tags.split(",").filter(Boolean)
      }
    })

interface YcCompany {
  name: string
  website: string
  status: string
  industry: string
  batch: string
  slug: string
}

/** YC companies whose boards appear in the kalil0321/ats-scrapers tenant lists under the same name. */
const ycBoards: Record<string, { ats: Target["ats"]; board: string }> = {
  "Candid Health": { ats: "ashby", board: "candidhealth" },
  "Blueberry Pediatrics": { ats: "ashby", board: "blueberrypediatrics" },
  "Sage Care": { ats: "ashby", board: "sagecare" },
  "Glass Health": { ats: "lever", board: "glass-health-inc" },
  H1: { ats: "lever", board: "h1" },
  Osmind: { ats: "lever", board: "Osmind" },
  Quartzy: { ats: "lever", board: "quartzy" },
  "Akido Labs": { ats: "greenhouse", board: "akidolabs" }
}

const industryTags: Record<string, ReadonlyArray<string>> = {
  Healthcare: ["yc-health", "health-tech"],
  B2B: ["saas"],
  Fintech: ["fintech"],
  Consumer: ["general-tech"],
  Industrials: ["general-tech"],
  "Real Estate and Construction": ["general-tech"],
  Government: ["general-tech"]
}

const domainOf = (website: string) => new URL(website).hostname.replace(/^www\./, "").toLowerCase()

const yc = (file: string): Array<Target> =>
  (JSON.parse(readFileSync(join(root, "fixtures", "yc", file), "utf8")) as Array<YcCompany>)
    .filter((c) => c.status === "Active" || c.status === "Public")
    .map((c) => {
      const b = ycBoards[c.name]
      return {
        name: c.name,
        domain: domainOf(c.website),
        ats: b?.ats ?? "unknown",
        ...(b ? { board: b.board, evidence: expandEvidence(b.ats, b.ats, b.board) } : {}),
        tags: ["yc", ...(industryTags[c.industry] ?? ["general-tech"])]
      }
    })

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "")

export const buildUniverse = (): Array<Target> => {
  const out: Array<Target> = []
  const names = new Set<string>()
  const domains = new Set<string>()
  for (const t of [
    ...curated(),
    ...yc("yc-oss-industries-healthcare-it.json"),
    ...yc("yc-oss-batches-fall-2025.json")
  ]) {
    // The first source to name a company wins; the YC files overlap each other and the curated list.
    if (names.has(norm(t.name)) || (t.domain && domains.has(t.domain))) continue
    names.add(norm(t.name))
    if (t.domain) domains.add(t.domain)
    out.push(t)
  }
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const companies = buildUniverse()
  const header = [
    "# The target-company universe: generated by targets/build-universe.ts from targets/curated.tsv and",
    "# fixtures/yc/*.json (see targets/README.md). Every board token carries the evidence it was seen in;",
    "# a company without one is `ats: unknown`. `jobsignal targets check` reports which boards answer.",
    ""
  ].join("\n")
  writeFileSync(join(import.meta.dirname, "companies.yaml"), header + stringify({ companies }, { lineWidth: 0 }))
  process.stdout.write(`targets/companies.yaml: ${companies.length} companies\n`)
}
