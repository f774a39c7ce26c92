import { describe, expect, it } from "vitest"
import { execFileSync } from "node:child_process"
import { checkCycles, failures, importEdges, type ImportEdge } from "../scripts/check-cycles.ts"
import { migrations } from "../app/index.ts"
import { migrationOrderProblems, orderMigrations } from "../sinks/migrations.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { Effect } from "effect"
import { join } from "node:path"
import { tempDir } from "./support/harness.ts"

const area = (file: string) => file.split("/")[0]

/**
 * The engine, sinks and dq know no domain. pipelines/cli and pipelines/serve are the application shell (commands,
 * dashboard): they sit above the composition root and may import anything. sources/http.ts (the Http service) and
 * sources/source.ts (the connector contract) are infrastructure kept in sources/ and may be imported; every other
 * file under sources/, transforms/ or targets/ is a domain. Type-only imports count: a type is knowledge too.
 */
const shell = (file: string) => file.startsWith("pipelines/cli/") || file.startsWith("pipelines/serve/")
const infrastructure = new Set(["sources/http.ts", "sources/source.ts"])
/** None left: the source node takes its targets from a hook app/ passes (app/targets.ts). */
const knownDomainImports = new Set<string>()

const domainImports = (edges: ReadonlyArray<ImportEdge>) =>
  edges
    .filter((e) => ["pipelines", "sinks", "dq"].includes(area(e.from)) && !shell(e.from))
    .filter((e) => ["sources", "transforms", "targets"].includes(area(e.to)) && !infrastructure.has(e.to))
    .map((e) => `${e.from} -> ${e.to}`)

describe("architecture", () => {
  const edges = importEdges()

  it("scripts/check-cycles.ts --strict exits 0: no file cycle, no folder cycle", () => {
    // Run as `npm test` would a CLI: a non-zero exit throws with its output.
    const out = execFileSync(process.execPath, ["--import", "tsx", "scripts/check-cycles.ts", "--strict"], {
      encoding: "utf8"
    })
    expect(out).toMatch(/0 folder cycle\(s\) \(0 failing\), 0 file cycle\(s\)/)
    const report = checkCycles(edges)
    expect(report.files).toEqual([])
    expect(failures(report, true).folders).toEqual([])
  })

  it("the check finds a cycle when there is one, type-only imports included", () => {
    const fake: ImportEdge[] = [
      { from: "pipelines/a.ts", to: "pipelines/b.ts", specifier: "./b.ts", typeOnly: true },
      { from: "pipelines/b.ts", to: "pipelines/a.ts", specifier: "./a.ts", typeOnly: false }
    ]
    expect(checkCycles(fake).files.map((c) => c.path)).toEqual([["pipelines/a.ts", "pipelines/b.ts", "pipelines/a.ts"]])
    const folders = checkCycles([
      { from: "sinks/w.ts", to: "transforms/m.ts", specifier: "../transforms/m.ts", typeOnly: false },
      { from: "transforms/m.ts", to: "sinks/x.ts", specifier: "../sinks/x.ts", typeOnly: false }
    ])
    expect(failures(folders).folders.map((c) => c.unknown.map((u) => u.edge).sort())).toEqual([
      ["sinks -> transforms", "transforms -> sinks"]
    ])
  })

  it("pipelines/, sinks/ and dq/ import nothing from sources/, transforms/ or targets/", () => {
    expect(domainImports(edges).filter((e) => !knownDomainImports.has(e))).toEqual([])
    // A known exception that got fixed must leave the list, so the list only shrinks.
    for (const known of knownDomainImports) expect(domainImports(edges)).toContain(known)
  })
})

describe("migrations", () => {
  it("the composition root's list is sorted by id, ids unique", () => {
    expect(migrationOrderProblems(migrations)).toEqual([])
    const ids = migrations.map((m) => m.id)
    expect(ids).toEqual([...ids].sort())
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids[0]).toBe("0001_core")
  })

  it("a list gathered out of order is sorted; a duplicate id is refused, naming it", () => {
    const a = { id: "0001_a", sql: "" },
      b = { id: "0002_b", sql: "" }
    expect(orderMigrations([b, a]).map((m) => m.id)).toEqual(["0001_a", "0002_b"])
    expect(migrationOrderProblems([b, a])).toEqual([
      "migration 0001_a is listed after 0002_b: ids apply in sorted order"
    ])
    expect(() => orderMigrations([a, b, { id: "0001_a", sql: "select 1" }])).toThrow(/0001_a is listed twice/)
  })

  it("a new warehouse applies them in that order, each once", async () => {
    const ids = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const w = yield* Warehouse
          return (yield* w.query<{ id: string }>("select id from schema_migrations order by rowid")).map((r) => r.id)
        }).pipe(Effect.provide(Warehouse.layer({ path: join(tempDir(), "order.duckdb"), migrations })))
      )
    )
    expect(ids).toEqual(migrations.map((m) => m.id))
  })
})
