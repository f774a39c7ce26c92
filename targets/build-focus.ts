/**
 * Builds targets/focus.json: the companies of targets/universe.json that fit profile.yaml, the list ATS nodes fan
 * out over by default (dag.yaml `targets:`; `with.universe: all` takes the whole universe).
 * Run after build-universe.ts: npx tsx targets/build-focus.ts [profile.yaml]   (offline)
 *
 * The rule, from what the universe holds (names and tags; no board is asked):
 * - each profile `industries` phrase, lower case without punctuation (`health plan` → `healthplan`), found in the
 *   company's name or one of its tags, written the same way (`Healthgrades`, tag `health-tech`, `healthcare-it`);
 * - or a word of the profile's `target_titles` that names a line of work (5+ letters, not a seniority word, not one
 *   too generic to name a company's field: officer, president, operations, market) as a whole tag or as `<word>-tech`
 *   (`sales`, `sales-tech`): the companies whose product serves the function the candidate would lead;
 * - words that merely contain a phrase and mean something else do not count (`hospitality` is no hospital).
 */
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parse } from "yaml"
import { loadTargets, type Target } from "./universe.ts"

const root = join(import.meta.dirname, "..")
const flat = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "")
const falseFriends = ["hospitality"]
const generic = ["officer", "president", "operations", "market"]

interface ProfileWords {
  industries?: ReadonlyArray<string>
  target_titles?: ReadonlyArray<string>
  seniority?: ReadonlyArray<string>
}

export const focusRule = (profile: ProfileWords) => {
  const industries = [...new Set((profile.industries ?? []).map(flat).filter((p) => p.length >= 4))]
  const seniority = new Set((profile.seniority ?? []).flatMap((s) => s.toLowerCase().split(/\s+/)))
  const titleWords = [
    ...new Set(
      (profile.target_titles ?? [])
        .flatMap((t) => t.toLowerCase().split(/[^a-z]+/))
        .filter((w) => w.length >= 5 && !seniority.has(w) && !generic.includes(w))
    )
  ]
  const strip = (s: string) => falseFriends.reduce((acc, f) => acc.replaceAll(f, " "), s)
  return (t: Target): string | undefined => {
    const name = strip(flat(t.name))
    const tags = (t.tags ?? []).map((x) => strip(flat(x)))
    const byName = industries.find((p) => name.includes(p))
    if (byName) return `name has "${byName}"`
    const byTag = industries.find((p) => tags.some((x) => x.includes(p)))
    if (byTag) return `tag has "${byTag}"`
    const byTitle = titleWords.find((w) => (t.tags ?? []).some((x) => x === w || x === `${w}-tech`))
    if (byTitle) return `tag has title word "${byTitle}"`
    return undefined
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const profilePath = join(root, process.argv[2] ?? "profile.yaml")
  const profile = parse(readFileSync(profilePath, "utf8")) as ProfileWords
  const universe = loadTargets(join(import.meta.dirname, "universe.json"))
  const fits = focusRule(profile)
  const why: Record<string, number> = {}
  const companies = universe.filter((t) => {
    const reason = fits(t)
    if (reason) why[reason] = (why[reason] ?? 0) + 1
    return reason !== undefined
  })
  const names = new Set(companies.map((c) => c.name.toLowerCase()))
  // JSON, one company a line (the rule and counts are in targets/README.md): `validate` and every run read this file,
  // and JSON.parse takes a few milliseconds where YAML took 60+ for 880 entries.
  writeFileSync(
    join(import.meta.dirname, "focus.json"),
    `{"companies": [\n${companies.map((c) => JSON.stringify(c)).join(",\n")}\n]}\n`
  )
  process.stdout.write(
    `targets/focus.json: ${companies.length} entries, ${names.size} companies, ${companies.filter((c) => c.board != null).length} boards\n` +
      Object.entries(why)
        .sort((a, b) => b[1] - a[1])
        .map(([r, n]) => `  ${n}  ${r}`)
        .join("\n") +
      "\n"
  )
}
