/**
 * Reads the two open directories copied in targets/directories/ (provenance in its README): stapply-ai/ats-scrapers
 * `name,url` CSVs and Feashliaa/job-board-aggregator token lists. Each row becomes a board with the evidence of where
 * it was listed; rows that name no usable board are counted by reason, not dropped silently.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { WorkdayBoard } from "./universe.ts"
import { normalizeBoard } from "./board-key.ts"

const dir = join(import.meta.dirname, "directories")

export const stapply = { repo: "stapply-ai/ats-scrapers", commit: "7202096c4e08d4b132837bb22206a09fb0149ba2" }
export const feashliaa = { repo: "Feashliaa/job-board-aggregator", commit: "4422881e12d3c0f00613a18f5998da2c5b72ab85" }

export interface DirectoryBoard {
  readonly ats: string
  readonly board: string | WorkdayBoard
  /** The name the directory gives, when it gives one (stapply does; feashliaa lists tokens only). */
  readonly name: string | null
  readonly evidence: string
}

export interface DirectoryReport {
  readonly rows: Record<string, number>
  readonly rejected: Record<string, number>
}

/** stapply-ai file per provider; the company's board is read off the URL's host and first path segment(s). */
const stapplyFiles: Record<string, string> = {
  greenhouse: "greenhouse/greenhouse_companies.csv",
  lever: "lever/lever_companies.csv",
  ashby: "ashby/companies.csv",
  workday: "workday/workday_companies.csv",
  smartrecruiters: "smartrecruiters/companies.csv",
  workable: "workable/workable_companies.csv",
  rippling: "rippling/rippling_companies.csv",
  gem: "gem/gem_companies.csv"
}

const hosts: Record<string, RegExp> = {
  greenhouse: /^(job-boards|boards)\.greenhouse\.io$/,
  lever: /^jobs\.lever\.co$/,
  ashby: /^jobs\.ashbyhq\.com$/,
  smartrecruiters: /^jobs\.smartrecruiters\.com$/,
  workable: /^apply\.workable\.com$/,
  rippling: /^ats\.rippling\.com$/,
  gem: /^jobs\.gem\.com$/
}

/** A Workday URL path that is only a locale (`en-us`, `de-de`, `es`): the site is not in the URL. */
const localeOnly = /^[a-z]{2}(-[a-z]{2,4})?$/i

type Parsed = { board: string | WorkdayBoard } | { reject: string }

const boardOfUrl = (ats: string, raw: string): Parsed => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { reject: "not a URL" }
  }
  const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent)
  if (ats === "workday") {
    const m = url.hostname.toLowerCase().match(/^([a-z0-9_-]+)\.(wd\d+)\.myworkdayjobs\.com$/)
    if (!m) return { reject: "not a tenant.wdN.myworkdayjobs.com URL" }
    const site = segments.find((s) => !localeOnly.test(s))
    if (!site) return { reject: "Workday URL names a locale, not a site" }
    return { board: { tenant: m[1], site, instance: m[2] } }
  }
  if (!hosts[ats]?.test(url.hostname.toLowerCase()))
    return { reject: `host ${url.hostname} is not ${ats}'s board host` }
  // SmartRecruiters rows are job links: the company id is the first segment, as it is for every other board URL.
  if (!segments[0]) return { reject: "URL has no board segment" }
  return { board: segments[0] }
}

const csvRows = (text: string): Array<[string, string]> =>
  text
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== "")
    .map((l) => {
      // name,url: the URL is the last field and holds no comma; a name may.
      const i = l.lastIndexOf(",")
      return [l.slice(0, i), l.slice(i + 1)]
    })

const bump = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1
}

/** A directory name that is only digits (`103644278`) names nothing. */
const usableName = (name: string) => {
  const n = name.trim()
  return n !== "" && !/^\d+$/.test(n) ? n : null
}

export const directoryBoards = (): { boards: Array<DirectoryBoard>; report: DirectoryReport } => {
  const boards: Array<DirectoryBoard> = []
  const rows: Record<string, number> = {}
  const rejected: Record<string, number> = {}
  for (const [ats, file] of Object.entries(stapplyFiles)) {
    for (const [name, url] of csvRows(readFileSync(join(dir, "stapply-ai", file), "utf8"))) {
      bump(rows, `stapply-ai ${ats}`)
      const p = boardOfUrl(ats, url)
      if ("reject" in p) {
        bump(rejected, `stapply-ai ${ats}: ${p.reject}`)
        continue
      }
      boards.push({
        ats,
        board: normalizeBoard(ats, p.board)!,
        name: usableName(name),
        evidence: `${stapply.repo}@${stapply.commit.slice(0, 12)} ${file} (targets/directories/stapply-ai) lists ${url}`
      })
    }
  }
  for (const ats of ["greenhouse", "lever", "ashby", "bamboohr", "workday"]) {
    const file = `${ats}_companies.json`
    for (const entry of JSON.parse(readFileSync(join(dir, "feashliaa", file), "utf8")) as Array<string>) {
      bump(rows, `feashliaa ${ats}`)
      let board: string | WorkdayBoard = entry
      if (ats === "workday") {
        const [tenant, instance, site] = entry.split("|")
        if (!tenant || !instance || !site || !/^wd\d+$/.test(instance)) {
          bump(rejected, "feashliaa workday: not tenant|wdN|site")
          continue
        }
        // `accenture|wd3|es`: a locale taken for a site, as in stapply's `/en-us` URLs.
        if (localeOnly.test(site)) {
          bump(rejected, "feashliaa workday: the site is a locale")
          continue
        }
        board = { tenant, site, instance }
      }
      if (typeof board === "string" && !/^[A-Za-z0-9._-]+$/.test(board)) {
        bump(rejected, `feashliaa ${ats}: token with characters no board URL has`)
        continue
      }
      boards.push({
        ats,
        board: normalizeBoard(ats, board)!,
        name: null,
        evidence: `${feashliaa.repo}@${feashliaa.commit.slice(0, 12)} data/${file} (targets/directories/feashliaa) lists ${JSON.stringify(entry)}`
      })
    }
  }
  return { boards, report: { rows, rejected } }
}
