import { Schema } from "effect"
import { existsSync, readFileSync, statSync } from "node:fs"
import { decodeYamlFile } from "../model/yaml-problems.ts"
import { boardKey } from "./board-key.ts"

/**
 * An ATS name: "unknown", or the kind of a registered source that declares `ats` — the list is not kept here but
 * derived from the registered sources (app/compose.ts `AtsProvider`), so registering a connector is enough.
 */
export const AtsName = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_]*$/, { message: () => "an ATS name is a source kind (lower case), or unknown" })
)
export type AtsProvider = string

export const WorkdayBoard = Schema.Struct({ tenant: Schema.String, site: Schema.String, instance: Schema.String })
export type WorkdayBoard = typeof WorkdayBoard.Type

/** One company the user wants watched: where its jobs are posted and what it is. */
export const Target = Schema.Struct({
  name: Schema.String,
  /**
   * Where the display name comes from: the curated list, the YC directory, an open directory's name column, or
   * (no source names the company) the board's slug made readable (targets/board-key.ts `nameFromSlug`).
   */
  name_source: Schema.optional(Schema.Literal("curated", "yc", "directory", "slug")),
  domain: Schema.optional(Schema.NullOr(Schema.String)),
  ats: AtsName,
  /** Board token (greenhouse/lever/ashby/smartrecruiters/workable) or {tenant, site, instance} (workday). */
  board: Schema.optional(Schema.NullOr(Schema.Union(Schema.String, WorkdayBoard))),
  tags: Schema.optional(Schema.Array(Schema.String)),
  /** Where the token was confirmed (a public page, an API answer); tokens are never guessed. */
  evidence: Schema.optional(Schema.String)
})
export type Target = typeof Target.Type

export const TargetsFile = Schema.Struct({ companies: Schema.Array(Target) })
export type TargetsFile = typeof TargetsFile.Type

// Parsed once per version of the file: reading 810 companies takes 80-290 ms, and every ATS node and
// the signals node of a run asks for them, several at once on the event loop.
const parsed = new Map<string, { version: string; companies: ReadonlyArray<Target> }>()

export const loadTargets = (path: string): ReadonlyArray<Target> => {
  if (!existsSync(path)) throw new Error(`targets file ${path} does not exist`)
  const st = statSync(path)
  const version = `${st.mtimeMs}:${st.ctimeMs}:${st.size}`
  const hit = parsed.get(path)
  if (hit?.version === version) return hit.companies
  if (st.isDirectory()) throw new Error(`targets file ${path} is a directory, not a file`)
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (e) {
    throw new Error(`targets file ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`)
  }
  // The generated universe is JSON (20,000+ companies: the YAML parser takes seconds on it); the curated files are YAML.
  const r = decodeYamlFile(text, path, TargetsFile)
  if (!r.value) throw new Error(r.problems.map((p) => `${path}:${p.line ?? "?"}  ${p.path}: ${p.message}`).join("\n"))
  parsed.set(path, { version, companies: r.value.companies })
  return r.value.companies
}

/** The boards of one provider in the universe, for a source node given no `with.boards`. */
export const boardsFor = (targets: ReadonlyArray<Target>, provider: AtsProvider) =>
  targets.filter((t) => t.ats === provider && t.board != null).map((t) => t.board!)

/** The name a job should carry from the universe: none when it was only made from the slug (the provider may know). */
export const displayName = (t: Target): string | null => (t.name_source === "slug" ? null : t.name)

/** A board's company in a universe: by board (without case), and for Workday by tenant too (one company, many sites). */
export interface CompanyIndex {
  readonly of: (ats: string, board: string | WorkdayBoard) => { name: string | null; domain: string | null } | undefined
}

const indexes = new WeakMap<ReadonlyArray<Target>, CompanyIndex>()

export const companyIndex = (targets: ReadonlyArray<Target>): CompanyIndex => {
  const hit = indexes.get(targets)
  if (hit) return hit
  const byBoard = new Map<string, { name: string | null; domain: string | null }>()
  const byTenant = new Map<string, { name: string | null; domain: string | null }>()
  for (const t of targets) {
    if (t.board == null) continue
    const who = { name: displayName(t), domain: t.domain ?? null }
    const key = boardKey(t.ats, t.board)
    if (!byBoard.has(key)) byBoard.set(key, who)
    if (typeof t.board !== "string") {
      const tenant = `${t.board.tenant.toLowerCase()}|${t.board.instance.toLowerCase()}`
      if (!byTenant.has(tenant)) byTenant.set(tenant, who)
    }
  }
  const index: CompanyIndex = {
    of: (ats, board) =>
      byBoard.get(boardKey(ats, board)) ??
      (typeof board === "string"
        ? undefined
        : byTenant.get(`${board.tenant.toLowerCase()}|${board.instance.toLowerCase()}`))
  }
  indexes.set(targets, index)
  return index
}
