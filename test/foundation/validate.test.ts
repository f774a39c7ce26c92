import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { validateDagText } from "../../pipelines/load.ts"
import { kinds } from "../../app/index.ts"

const problems = (text: string) => validateDagText(text, "dag.yaml", kinds).problems

describe("dag.yaml validation", () => {
  it("accepts the default dag.yaml", () => {
    expect(problems(readFileSync("dag.yaml", "utf8"))).toEqual([])
  })

  it("names the YAML path and line of an unknown kind", () => {
    const p = problems(`version: 1
nodes:
  a:
    source: greenhose
    with: { boards: [x] }
`)
    expect(p).toHaveLength(1)
    expect(p[0]).toMatchObject({ path: "nodes.a.source", line: 4 })
    expect(p[0].message).toContain('unknown source kind "greenhose"')
    expect(p[0].message).toContain("greenhouse")
  })

  it("lists every problem at once: missing needs target, bad option, bad cron, two roles", () => {
    const p = problems(`version: 1
nodes:
  gh:
    source: greenhouse
    with:
      boards: gitlab
      colour: blue
    schedule: "every day"
  d:
    transform: dedupe
    needs: [gh, nowhere]
  both:
    source: greenhouse
    transform: dedupe
`)
    const byPath = Object.fromEntries(p.map((x) => [x.path, x]))
    expect(byPath["nodes.gh.with.boards"]).toMatchObject({ line: 6 })
    expect(byPath["nodes.gh.with.colour"]).toMatchObject({ line: 7 })
    expect(byPath["nodes.gh.with.colour"].message).toContain("not a known field")
    expect(byPath["nodes.gh.schedule"]).toMatchObject({ line: 8 })
    expect(byPath["nodes.d.needs[1]"]).toMatchObject({ line: 11 })
    expect(byPath["nodes.d.needs[1]"].message).toContain('"nowhere"')
    expect(byPath["nodes.both"].message).toContain("exactly one of source, transform or sink")
  })

  it("prints a cycle", () => {
    const p = problems(`version: 1
nodes:
  gh: { source: greenhouse, with: { boards: [x] } }
  a: { transform: dedupe, needs: [gh, c] }
  b: { transform: dedupe, needs: [a] }
  c: { transform: dedupe, needs: [b] }
`)
    expect(p).toHaveLength(1)
    expect(p[0].message).toMatch(/^cycle: (a → c → b → a|b → a → c → b|c → b → a → c)$/)
    expect(p[0].line).toBeGreaterThan(0)
  })

  it("reports YAML syntax errors with their line and top-level schema errors by path", () => {
    const syntax = problems("version: 1\nnodes:\n  a: [unclosed\n")
    expect(syntax[0].path).toBe("(yaml)")
    expect(syntax[0].line).toBeGreaterThan(0)
    const shape = problems("version: 2\nnodes:\n  a:\n    source: greenhouse\n    retry: { times: -1 }\n")
    expect(shape.map((x) => x.path).sort()).toEqual(["nodes.a.retry.times", "version"])
    expect(shape.find((x) => x.path === "nodes.a.retry.times")!.line).toBe(5)
  })
})
