import { describe, expect, it } from "vitest"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { loadDag, validateDagText } from "../../pipelines/load.ts"
import { formatProblem, preflight } from "../../pipelines/preflight.ts"
import { loadTargets } from "../../targets/universe.ts"
import { tempDir } from "../support/harness.ts"
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

// The files and variables a DAG depends on: `validate` must find what a run would otherwise trip over late.
describe("dag.yaml validation: files and variables it depends on", () => {
  const GOOD_PROFILE = "summary: A revenue leader\ntarget_titles: [vp sales]\n"
  const setup = (dagText: string, files: Record<string, string> = {}) => {
    const dir = tempDir()
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true })
      writeFileSync(join(dir, name), text)
    }
    writeFileSync(join(dir, "dag.yaml"), dagText)
    return { dir, dag: loadDag(join(dir, "dag.yaml"), kinds) }
  }
  const scoring = (extra = "") => `version: 1
${extra}nodes:
  gh: { source: greenhouse, with: { boards: [gitlab] } }
  dedupe: { transform: dedupe, needs: [gh] }
  relevance: { transform: relevance, needs: [dedupe] }
`
  const lines = (r: ReturnType<typeof preflight>) => r.problems.map((p) => formatProblem(p, "dag.yaml"))

  it("a missing profile is named at the dag.yaml line that names it", () => {
    const { dir, dag } = setup(scoring("profile: me.yaml\n"))
    const out = lines(preflight(dag, { env: {} }))
    expect(out).toEqual([
      `dag.yaml:2  profile: ${join(dir, "me.yaml")} does not exist: the candidate profile relevance judges jobs against (profile: in dag.yaml)`
    ])
  })

  it("a profile with a wrong type or an unknown field is reported at its own file, line and field", () => {
    const { dir, dag } = setup(scoring("profile: profile.yaml\n"), {
      "profile.yaml": GOOD_PROFILE + "salary_floor_usd: lots\nsalary_min: 100000\n"
    })
    const out = lines(preflight(dag, { env: {} })).sort()
    const file = join(dir, "profile.yaml")
    expect(out).toHaveLength(2)
    expect(out[0]).toMatch(new RegExp(`^${file}:3  salary_floor_usd: Expected number, actual "lots"`))
    expect(out[1]).toBe(`${file}:4  salary_min: is not a known field`)
  })

  it("malformed profile YAML and a profile missing a required field", () => {
    const broken = setup(scoring(), { "profile.yaml": "summary: x\ntarget_titles: [vp\n" })
    const p = preflight(broken.dag, { env: {} }).problems
    expect(p[0]).toMatchObject({ file: join(broken.dir, "profile.yaml"), path: "(yaml)" })
    expect(p[0].line).toBeGreaterThan(0)
    const partial = setup(scoring(), { "profile.yaml": "summary: x\n" })
    expect(lines(preflight(partial.dag, { env: {} }))).toEqual([
      `${join(partial.dir, "profile.yaml")}:1  target_titles: is required`
    ])
  })

  it("a default profile.yaml is required only when a node reads it", () => {
    const { dag } = setup("version: 1\nnodes:\n  gh: { source: greenhouse, with: { boards: [gitlab] } }\n")
    expect(preflight(dag, { env: {} }).problems).toEqual([])
    const scored = setup(scoring())
    expect(lines(preflight(scored.dag, { env: {} }))[0]).toMatch(
      /^dag\.yaml:5 {2}nodes\.relevance\.transform: .*profile\.yaml does not exist/
    )
  })

  it("a targets file that is missing, unreadable, empty or lists no companies", () => {
    const dagText = "version: 1\ntargets: t.yaml\nnodes:\n  gh: { source: greenhouse }\n"
    const missing = setup(dagText)
    expect(lines(preflight(missing.dag, { env: {} }))).toEqual([
      expect.stringMatching(/^dag\.yaml:2 {2}targets: .*t\.yaml does not exist: the target-company universe/)
    ])
    const dirInstead = setup(dagText)
    mkdirSync(join(dirInstead.dir, "t.yaml"))
    expect(lines(preflight(dirInstead.dag, { env: {} }))).toEqual([
      expect.stringMatching(/^dag\.yaml:2 {2}targets: .*t\.yaml is a directory, not a file/)
    ])
    const empty = setup(dagText, { "t.yaml": "" })
    expect(lines(preflight(empty.dag, { env: {} }))).toEqual([
      `${join(empty.dir, "t.yaml")}:1  (root): the file is empty`
    ])
    const none = setup(dagText, { "t.yaml": "companies: []\n" })
    expect(lines(preflight(none.dag, { env: {} }))[0]).toContain("companies: lists no companies")
    const wrong = setup(dagText, { "t.yaml": "companies:\n  - name: Acme\n    ats: taleo\n" })
    expect(lines(preflight(wrong.dag, { env: {} }))[0]).toMatch(
      new RegExp(`^${join(wrong.dir, "t.yaml")}:3  companies\\[0\\]\\.ats: `)
    )
  })

  it("an unset ${VAR} in an enabled node is an error at its line; in a disabled node it is not checked", () => {
    const dagText = `version: 1
nodes:
  edgar:
    source: edgar
    with: { user_agent: "\${UA_FOR_TEST}", tickers: [UNH] }
  off:
    source: edgar
    enabled: false
    with: { user_agent: "\${OTHER_UNSET}" }
`
    const { dag } = setup(dagText)
    expect(lines(preflight(dag, { env: {} }))).toEqual([
      "dag.yaml:5  nodes.edgar.with.user_agent: ${UA_FOR_TEST} is not set: source edgar needs it (set it in the environment or .env, or disable the node with enabled: false)"
    ])
    expect(preflight(dag, { env: { UA_FOR_TEST: "jobsignal me@example.com" } }).problems).toEqual([])
    expect(preflight(dag, { env: { UA_FOR_TEST: "" } }).problems).toHaveLength(1)
  })

  it("an unset secret for an optional feature (a Redacted option) is a notice, not an error", () => {
    const { dag } = setup(`version: 1
nodes:
  adzuna:
    source: adzuna
    with: { app_id: "\${ADZ_ID_T}", app_key: "\${ADZ_KEY_T}", searches: [{ term: nurse }] }
`)
    const r = preflight(dag, { env: {} })
    expect(r.problems).toEqual([])
    expect(r.notices.map((p) => formatProblem(p, "dag.yaml"))).toEqual([
      "dag.yaml:5  nodes.adzuna.with.app_id: ${ADZ_ID_T} is not set: adzuna runs without this optional credential (set it in the environment or .env)",
      "dag.yaml:5  nodes.adzuna.with.app_key: ${ADZ_KEY_T} is not set: adzuna runs without this optional credential (set it in the environment or .env)"
    ])
  })

  it("the default dag.yaml passes once SEC_USER_AGENT is set, and names edgar's field when it is not", () => {
    const dag = loadDag("dag.yaml", kinds)
    expect(preflight(dag, { env: { SEC_USER_AGENT: "jobsignal me@example.com" } }).problems).toEqual([])
    expect(preflight(dag, { env: {} }).problems.map((p) => p.path)).toEqual(["nodes.edgar.with.user_agent"])
  })
})

describe("targets file at run time", () => {
  it("loadTargets names the file, line and field of a bad entry, and an empty file as empty", () => {
    const dir = tempDir()
    const bad = join(dir, "bad.yaml")
    // Any lower-case kind is an ATS name here (the registered ones are the composition root's); this one is no name at all.
    writeFileSync(bad, "companies:\n  - name: Acme\n    ats: Taleo ATS\n")
    expect(() => loadTargets(bad)).toThrow(new RegExp(`^${bad}:3  companies\\[0\\]\\.ats: `))
    const empty = join(dir, "empty.yaml")
    writeFileSync(empty, "")
    expect(() => loadTargets(empty)).toThrow(`${empty}:1  (root): the file is empty`)
    expect(() => loadTargets(dir)).toThrow("is a directory, not a file")
  })
})
