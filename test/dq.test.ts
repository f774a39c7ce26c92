import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { decodeRules } from "../dq/rules.ts"
import { checkDocs } from "../dq/check.ts"
import { applySeverities } from "../dq/gate.ts"
import { validateDagText } from "../pipelines/load.ts"
import { collectionNamed } from "../sinks/mongo/collections.ts"
import { Warehouse } from "../sinks/warehouse.ts"
import { tempDir, withDb } from "./support/harness.ts"
import { kinds } from "../app/index.ts"

const levelTwo = collectionNamed("level-2")!
const NOW = Date.parse("2026-11-01T00:00:00Z")

const good = {
  id: "a1",
  title: "Data Engineer",
  company: "Acme",
  job_url: "https://boards.example.com/acme/1",
  source: "greenhouse",
  remote: "remote",
  first_seen: "2026-10-30T10:00:00.000Z",
  posted_at: "2026-10-29T00:00:00.000Z",
  salary_min: 100_000,
  salary_max: 150_000,
  job_description: "Build pipelines in DuckDB and TypeScript."
}

const rules = (raw: unknown[]) => {
  const r = decodeRules(raw)
  expect(r.problems).toEqual([])
  return r.rules
}

const check = (raw: unknown[], docs: Array<Record<string, unknown>>) =>
  withDb(
    join(tempDir(), "dq.duckdb"),
    Effect.gen(function* () {
      const w = yield* Warehouse
      return yield* checkDocs({
        q: w,
        node: "store",
        collection: "level-2",
        rules: rules(raw),
        docs: docs.map((d) => ({ id: String(d.id), doc: d })),
        shape: levelTwo.shape,
        now: NOW
      })
    })
  )

describe("dq rule declarations", () => {
  it("decodes each rule kind, naming rules that have no name", () => {
    const r = rules([
      { rule: "schema", severity: "block" },
      { rule: "required", fields: ["title", "company"], severity: "block" },
      { rule: "url", fields: ["job_url"], severity: "quarantine" },
      { rule: "not_future", fields: ["posted_at"], tolerance: "1d", severity: "quarantine" },
      { rule: "salary_range", severity: "warn" },
      { rule: "enum", field: "remote", values: ["remote", "hybrid", "onsite", "unknown"], severity: "warn" },
      { rule: "sql", name: "has_description", expect: "length(job_description) >= 20", severity: "warn" }
    ])
    expect(r.map((x) => x.name)).toEqual([
      "schema",
      "required(title,company)",
      "url(job_url)",
      "not_future(posted_at)",
      "salary_range(salary_min,salary_max)",
      "enum(remote)",
      "has_description"
    ])
    expect(new Set(r.map((x) => x.collection))).toEqual(new Set(["level-2"]))
  })

  it("reports every bad rule by its index and field", () => {
    const { problems } = decodeRules([
      { rule: "required", severity: "block" },
      { rule: "nope", severity: "warn" },
      { rule: "url", fields: ["job_url"], severity: "sometimes" },
      { rule: "sql", expect: "1 = 1; drop table jobs", severity: "warn" },
      { rule: "enum", field: "remote", values: ["remote"], severity: "warn", colour: "red" }
    ])
    const at = problems.map((p) => `${p.path.join(".")}: ${p.message}`)
    expect(at).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^0\.fields: is required/),
        expect.stringMatching(/^1\.rule: unknown rule "nope"/),
        expect.stringMatching(/^2\.severity: /),
        expect.stringMatching(/^3\.expect: .*without ';'/),
        expect.stringMatching(/^4\.colour: is not a field of rule enum/)
      ])
    )
  })

  it("jobsignal validate lists bad rules with their YAML lines", () => {
    const text = [
      "version: 1",
      "nodes:",
      "  store:",
      "    sink: mongo",
      "    dq:",
      "      - rule: required",
      "        fields: [title]",
      "        severity: block",
      "      - rule: url",
      "        fields: [job_url]",
      "        severity: loud",
      "      - rule: wat",
      "        severity: warn"
    ].join("\n")
    const { problems } = validateDagText(text, "dag.yaml", kinds)
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: "nodes.store.dq[1].severity",
          line: 11,
          message: 'expected one of "block", "quarantine", "warn"; got "loud"'
        }),
        expect.objectContaining({ path: "nodes.store.dq[2].rule", line: 12 })
      ])
    )
    expect(problems).toHaveLength(2)
  })
})

describe("dq checks", () => {
  it("passes a good document through every rule kind", async () => {
    const r = await check(
      [
        { rule: "schema", severity: "block" },
        { rule: "required", fields: ["title", "company", "job_url"], severity: "block" },
        { rule: "url", fields: ["job_url"], severity: "quarantine" },
        { rule: "not_future", fields: ["posted_at"], severity: "quarantine" },
        { rule: "salary_range", severity: "quarantine" },
        { rule: "enum", field: "remote", values: ["remote", "hybrid", "onsite", "unknown"], severity: "quarantine" },
        { rule: "sql", expect: "salary_max < 1000000 and posted_at <= first_seen", severity: "quarantine" }
      ],
      [good]
    )
    expect(r.failures.size).toBe(0)
    expect(r.results.every((x) => x.checked === 1 && x.passed === 1)).toBe(true)
  })

  it("finds each kind of defect with a reason naming the field", async () => {
    const docs = [
      { ...good, id: "no-title", title: "  " },
      { ...good, id: "bad-url", job_url: "not a url" },
      { ...good, id: "ftp-url", job_url: "ftp://example.com/x" },
      { ...good, id: "future", posted_at: "2027-01-01T00:00:00Z" },
      { ...good, id: "salary", salary_min: 200_000, salary_max: 100_000 },
      { ...good, id: "enum", remote: "sometimes" },
      { ...good, id: "short", job_description: "tiny" },
      { ...good, id: "schema", fit_score: 140 }
    ]
    const r = await check(
      [
        { rule: "schema", severity: "warn" },
        { rule: "required", fields: ["title"], severity: "warn" },
        { rule: "url", fields: ["job_url"], severity: "warn" },
        { rule: "not_future", fields: ["posted_at"], tolerance: "1d", severity: "warn" },
        { rule: "salary_range", severity: "warn" },
        { rule: "enum", field: "remote", values: ["remote", "hybrid", "onsite", "unknown"], severity: "warn" },
        { rule: "sql", name: "long_description", expect: "length(job_description) >= 20", severity: "warn" }
      ],
      docs
    )
    const reasons = (id: string) => (r.failures.get(id) ?? []).map((f) => `${f.rule}: ${f.reason}`)
    expect(reasons("no-title")).toEqual(["schema: title: is empty", "required(title): missing title"])
    expect(reasons("bad-url")).toEqual([
      expect.stringMatching(/^url\(job_url\): job_url "not a url" is not a well-formed URL/)
    ])
    expect(reasons("ftp-url")).toEqual([expect.stringMatching(/is not http\(s\)/)])
    expect(reasons("future")).toEqual([expect.stringMatching(/posted_at 2027-01-01T00:00:00.000Z is in the future/)])
    expect(reasons("salary")).toEqual(["salary_range(salary_min,salary_max): salary_min 200000 > salary_max 100000"])
    expect(reasons("enum")[1]).toMatch(/remote "sometimes" is not one of/)
    expect(reasons("enum")[0]).toMatch(/^schema: remote/)
    expect(reasons("short")).toEqual(["long_description: expected length(job_description) >= 20"])
    expect(reasons("schema")).toEqual([expect.stringMatching(/^schema: fit_score/)])
    const byRule = Object.fromEntries(r.results.map((x) => [x.rule, x.failed]))
    expect(byRule).toEqual({
      schema: 3,
      "required(title)": 1,
      "url(job_url)": 2,
      "not_future(posted_at)": 1,
      "salary_range(salary_min,salary_max)": 1,
      "enum(remote)": 1,
      long_description: 1
    })
  })

  it("a null SQL expectation counts as failed, and bad SQL is a config error naming the rule", async () => {
    const r = await check(
      [{ rule: "sql", name: "desc", expect: "length(job_description) > 5", severity: "warn" }],
      [{ ...good, job_description: undefined }]
    )
    expect(r.results[0].failed).toBe(1)
    await expect(
      check([{ rule: "sql", name: "broken", expect: "no_such_column > 1", severity: "warn" }], [good])
    ).rejects.toThrow(/rule "broken".*not valid SQL/)
  })

  it("severities: block stops everything, quarantine parks, warn lets through", async () => {
    const docs = [good, { ...good, id: "bad-url", job_url: "nope" }, { ...good, id: "odd", remote: "sometimes" }]
    const raw = [
      { rule: "url", fields: ["job_url"], severity: "quarantine" },
      { rule: "enum", field: "remote", values: ["remote"], severity: "warn" }
    ]
    const r = await check(raw, docs)
    const g = applySeverities(
      docs.map((d) => ({ id: d.id, doc: d })),
      r
    )
    expect(g.blocking).toEqual([])
    expect(g.pass.map((d) => d.id)).toEqual(["a1", "odd"])
    expect(g.parked.map((d) => d.id)).toEqual(["bad-url"])
    expect(g.report.map((x) => [x.rule, x.checked, x.passed, x.failed, x.quarantined])).toEqual([
      ["url(job_url)", 3, 2, 1, 1],
      ["enum(remote)", 3, 2, 1, 0]
    ])
    const blocked = applySeverities(
      docs.map((d) => ({ id: d.id, doc: d })),
      await check([{ ...raw[0], severity: "block" }], docs)
    )
    expect(blocked.blocking.map((x) => x.rule)).toEqual(["url(job_url)"])
    expect(blocked.pass).toEqual([])
    expect(blocked.parked).toEqual([])
  })
})
