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
import { boardKey, nameFromSlug, normalizeBoard } from "./board-key.ts"
import { type DirectoryBoard, type DirectoryReport, directoryBoards } from "./directory-boards.ts"

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
  subindustry?: string
  industries?: ReadonlyArray<string>
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

const kebab = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")

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
        // Our coarse tags first, then YC's own industries as kebab-case tags (`healthcare`, `healthcare-it`, `b2b`).
        tags: [
          ...new Set([
            "yc",
            ...(industryTags[c.industry] ?? ["general-tech"]),
            ...[...(c.industries ?? [c.industry]), ...(c.subindustry ? c.subindustry.split(" -> ") : [])].map(kebab)
          ])
        ]
      }
    })

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "")

/** A board's token as a name to compare (the tenant for Workday). */
const tokenName = (b: DirectoryBoard["board"]) => norm(typeof b === "string" ? b : b.tenant)

/**
 * Adds the directories' boards to the known companies. A board already held gets the directory's evidence appended.
 * A new board belongs to a known (curated or YC) company only on evidence of identity: its token is the first label
 * of the company's domain and part of its name, or its name part of the token (`tetrascience` ↔ TetraScience,
 * tetrascience.com; `devoted` ↔ Devoted Health, devoted.com), or it is a Workday site of a tenant the company's
 * Workday board already names; then it takes the company's name, domain and tags (and is the company's board if it
 * had none). A name alone is no such evidence (YC's Parallel is beparallel.com; jobs.ashbyhq.com/parallel need not
 * be it). Any other board is a company of its own, named by the directory, or by a directory's name for the same
 * token elsewhere (stapply names `mattermost`, Feashliaa only lists it), or failing that by its slug (`name_source: slug`).
 */
const mergeBoards = (known: Array<Target>, boards: ReadonlyArray<DirectoryBoard>): Array<Target> => {
  const out = known.map((t) => ({ ...t }))
  const byKey = new Map<string, Target & { evidence?: string }>()
  for (const t of out) if (t.board != null) byKey.set(boardKey(t.ats, t.board), t)
  const byStem = new Map<string, Target>()
  const byTenant = new Map<string, Target>()
  for (const t of out) {
    const stem = t.domain ? norm(t.domain.split(".")[0]) : ""
    if (stem.length >= 4 && !byStem.has(stem)) byStem.set(stem, t)
    if (t.ats === "workday" && t.board != null && typeof t.board !== "string" && !byTenant.has(t.board.tenant))
      byTenant.set(t.board.tenant.toLowerCase(), t)
  }
  const directoryNames = new Map<string, string>()
  for (const b of boards)
    if (b.name && !directoryNames.has(tokenName(b.board))) directoryNames.set(tokenName(b.board), b.name)
  for (const b of boards) {
    const key = boardKey(b.ats, b.board)
    const held = byKey.get(key)
    if (held) {
      // One more listing of a board we hold: its evidence grows, the board stays once.
      if (!held.evidence?.includes(b.evidence.split(" lists ")[0]))
        (held as { evidence?: string }).evidence = `${held.evidence}; ${b.evidence}`
      continue
    }
    const tenantOwner = typeof b.board === "string" ? undefined : byTenant.get(b.board.tenant.toLowerCase())
    const candidate = tenantOwner ? undefined : byStem.get(tokenName(b.board))
    // ... and the token is in the name or the name in the token (agent.nexus is Nexus's domain; `agent` is not Nexus).
    const stemOwner =
      candidate &&
      (norm(candidate.name).includes(tokenName(b.board)) || tokenName(b.board).includes(norm(candidate.name)))
        ? candidate
        : undefined
    const owner = tenantOwner ?? stemOwner
    const why = tenantOwner
      ? `the same Workday tenant as ${tenantOwner.name}'s board`
      : stemOwner
        ? `the token is the name of ${stemOwner.name}'s domain ${stemOwner.domain}`
        : ""
    let t: Target
    if (owner && owner.ats === "unknown" && owner.board == null) {
      // The company had no known board: this is it, with the directory as its evidence.
      const o = owner as { ats: string; board?: Target["board"]; evidence?: string; tags?: ReadonlyArray<string> }
      o.ats = b.ats
      o.board = b.board
      o.evidence = `${b.evidence}; ${why}`
      o.tags = [...(owner.tags ?? []), b.ats]
      byKey.set(key, owner)
      continue
    }
    if (owner)
      t = {
        name: owner.name,
        name_source: owner.name_source,
        ...(owner.domain ? { domain: owner.domain } : {}),
        ats: b.ats,
        board: b.board,
        evidence: `${b.evidence}; ${why}`,
        tags: [...new Set([...(owner.tags ?? []).filter((x) => x !== owner.ats), b.ats])]
      }
    else {
      const token = typeof b.board === "string" ? b.board : b.board.tenant
      const name = b.name ?? directoryNames.get(tokenName(b.board)) ?? null
      t = {
        name: name ?? nameFromSlug(token),
        name_source: name ? "directory" : "slug",
        ats: b.ats,
        board: b.board,
        evidence: b.evidence,
        tags: [b.ats]
      }
    }
    byKey.set(key, t)
    out.push(t)
  }
  return out
}

const curatedAndYc = (): Array<Target> => {
  const out: Array<Target> = []
  const names = new Set<string>()
  const domains = new Set<string>()
  for (const t of [
    ...curated().map((t) => ({ ...t, name_source: "curated" as const })),
    ...yc("yc-oss-industries-healthcare-it.json").map((t) => ({ ...t, name_source: "yc" as const })),
    ...yc("yc-oss-batches-fall-2025.json").map((t) => ({ ...t, name_source: "yc" as const }))
  ]) {
    // The first source to name a company wins; the YC files overlap each other and the curated list.
    if (names.has(norm(t.name)) || (t.domain && domains.has(t.domain))) continue
    names.add(norm(t.name))
    if (t.domain) domains.add(t.domain)
    out.push(t)
  }
  return out
}

/** The curated list and the YC directory: the companies we know by name and domain (companies.yaml). */
export const buildKnown = (): Array<Target> =>
  curatedAndYc().map((t) => ({
    ...t,
    ...(t.board != null ? { board: normalizeBoard(t.ats, t.board) } : {}),
    tags: [...new Set([...(t.tags ?? []), ...(t.ats !== "unknown" ? [t.ats] : [])])]
  }))

/** Curated, YC, then both open directories: every board once (targets/universe.json). */
export const buildUniverse = (): { companies: Array<Target>; report: DirectoryReport } => {
  const known = buildKnown()
  const { boards, report } = directoryBoards()
  return { companies: mergeBoards(known, boards), report }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const known = buildKnown()
  const header = [
    "# The companies we know by name and domain: generated by targets/build-universe.ts from targets/curated.tsv and",
    "# fixtures/yc/*.json (see targets/README.md). Every board token carries the evidence it was seen in;",
    "# a company without one is `ats: unknown`. The full universe (with both open directories) is targets/universe.json.",
    ""
  ].join("\n")
  writeFileSync(join(import.meta.dirname, "companies.yaml"), header + stringify({ companies: known }, { lineWidth: 0 }))
  const { companies, report } = buildUniverse()
  // One company a line: the file diffs by company and parses with JSON.parse (YAML of 20,000 entries is too slow).
  writeFileSync(
    join(import.meta.dirname, "universe.json"),
    `{"companies": [\n${companies.map((c) => JSON.stringify(c)).join(",\n")}\n]}\n`
  )
  const boards = companies.filter((c) => c.board != null)
  const perAts: Record<string, number> = {}
  for (const c of boards) perAts[c.ats] = (perAts[c.ats] ?? 0) + 1
  const names: Record<string, number> = {}
  for (const c of companies) names[c.name_source ?? "?"] = (names[c.name_source ?? "?"] ?? 0) + 1
  process.stdout.write(
    [
      `targets/companies.yaml: ${known.length} companies`,
      `targets/universe.json: ${companies.length} companies, ${boards.length} boards`,
      `  boards per provider: ${JSON.stringify(perAts)}`,
      `  names from: ${JSON.stringify(names)}`,
      `  directory rows: ${JSON.stringify(report.rows)}`,
      `  rows naming no usable board: ${JSON.stringify(report.rejected)}`,
      ""
    ].join("\n")
  )
}
