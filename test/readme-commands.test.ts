/**
 * The README's command table is the CLI's --help in short: the same commands, each with the arguments and flags its
 * help lists (the options most commands share — --dag, --db, --log-format — are described once above the table).
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { COMMANDS } from "../pipelines/cli/help.ts"

const SHARED = new Set(["--dag", "--db", "--log-format"])
const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8")

/** Each command the table names, with the text of its usage cell: `quarantine list … · show ID · replay …` is three. */
const tableCommands = (): Map<string, string> => {
  const out = new Map<string, string>()
  const section = readme.slice(
    readme.indexOf("## Commands"),
    readme.indexOf("\n## ", readme.indexOf("## Commands") + 1)
  )
  for (const line of section.split("\n")) {
    if (!line.startsWith("| `jobsignal ")) continue
    const cell = line.split(/(?<!\\)\|/)[1].replaceAll("\\|", "|")
    const parts = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1])
    const first = parts[0].replace(/^jobsignal /, "").split(" ")
    const known = COMMANDS.map((c) => c.name)
    const group = known.includes(`${first[0]} ${first[1]}`) ? first[0] : undefined
    for (const [i, p] of parts.entries()) {
      const text = i === 0 ? p.replace(/^jobsignal /, "") : `${group} ${p}`
      const words = text.split(" ")
      const name = group ? `${words[0]} ${words[1]}` : words[0]
      out.set(name, text.slice(name.length))
    }
  }
  return out
}

const flagsIn = (text: string) => new Set([...text.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]))

describe("README command table", () => {
  const table = tableCommands()

  it("lists exactly the commands --help knows", () => {
    expect([...table.keys()].sort()).toEqual(COMMANDS.map((c) => c.name).sort())
  })

  for (const c of COMMANDS)
    it(`${c.name}: the same arguments and flags as its --help`, () => {
      const row = table.get(c.name) ?? ""
      const helpFlags = new Set(c.options.map((o) => o.flag.split(" ")[0]).filter((f) => f.startsWith("--")))
      const rowFlags = flagsIn(row)
      expect(
        [...rowFlags].filter((f) => !helpFlags.has(f)),
        "flags in the README that --help does not know"
      ).toEqual([])
      expect(
        [...helpFlags].filter((f) => !SHARED.has(f) && !rowFlags.has(f)),
        "flags --help lists that the README row lacks"
      ).toEqual([])
      if (c.args) expect(row).toContain(c.args.replace(/^\[|\]$/g, ""))
    })
})
