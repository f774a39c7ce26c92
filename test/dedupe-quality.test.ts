import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Warehouse } from "../sinks/warehouse.ts"
import { DEDUPE_MACROS } from "../transforms/dedupe/sql.ts"
import { companyKey } from "../model/company.ts"
import { runEvaluation } from "../bench/dedupe-eval.ts"
import { migrations } from "../app/index.ts"

const inMemory = <A, E>(eff: Effect.Effect<A, E, Warehouse>) =>
  Effect.runPromise(
    Effect.scoped(eff.pipe(Effect.provide(Warehouse.layer({ path: ":memory:", migrations })))) as Effect.Effect<
      A,
      E,
      never
    >
  )

describe("dedupe quality gate", () => {
  it("reaches precision and recall >= 0.95 on the labelled evaluation set", async () => {
    const r = await runEvaluation()
    expect(r.positives).toBeGreaterThan(100)
    expect(r.precision, JSON.stringify(r.misses, null, 1)).toBeGreaterThanOrEqual(0.95)
    expect(r.recall, JSON.stringify(r.misses, null, 1)).toBeGreaterThanOrEqual(0.95)
  })
})

describe("company key", () => {
  const cases: Array<[string, string | null, string]> = [
    ["Stripe, Inc.", null, "stripe"],
    ["stripe", null, "stripe"],
    ["Stripe Inc", null, "stripe"],
    ["STRIPE LLC", null, "stripe"],
    ["Gong.io", null, "gong"],
    ["The Home Depot", null, "home depot"],
    ["Georg Kuhn GmbH", null, "georg kuhn"],
    ["Zürich Insurance Group", null, "zurich insurance"],
    ["AT&T", null, "at and t"],
    ["Anything", "https://www.Stripe.com/jobs", "stripe.com"],
    ["Anything", "not a domain", "anything"],
    ["Inc.", null, "(unknown)"]
  ]
  it("folds name variants and prefers the domain", () => {
    for (const [name, domain, key] of cases) expect(companyKey(name, domain), `${name} / ${domain}`).toBe(key)
  })
  it("the SQL macro used by dedupe agrees with model/company.ts", async () => {
    const rows = await inMemory(
      Effect.gen(function* () {
        const w = yield* Warehouse
        for (const m of DEDUPE_MACROS) yield* w.exec(m)
        const out: string[] = []
        for (const [name, domain] of cases)
          out.push((yield* w.query<{ k: string }>("select company_key($1, $2) as k", [name, domain]))[0].k)
        return out
      })
    )
    expect(rows).toEqual(cases.map(([n, d]) => companyKey(n, d)))
  })
})
