import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import { FIT_POSITIVE, type EvalFigures } from "../../transforms/relevance-eval/model.ts"
import { type EvalAsk, runEval } from "../../app/eval-run.ts"
import { migrations } from "../../app/index.ts"
import { liveUp, type UpInfo } from "../../sinks/up-file.ts"
import { taskInUp } from "./up-client.ts"
import { dagOption, dbOption, fail, print, printErr } from "./shared.ts"
import { loadDagEffect } from "./load-dag.ts"

const n = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(4))

const render = (f: EvalFigures) => {
  const rows: Array<[string, string]> = [
    ["scorer", f.scorer === "llm" ? `llm (${f.models.join(", ") || "no answers"})` : "lexical (no model)"],
    ["tier", f.tiers.join(", ")],
    ["labelled postings", n(f.postings)],
    ["labelled relevant", n(f.relevant)],
    ["passed the prefilter (judged)", n(f.judged)],
    [f.kind === "fit" ? `precision (score >= ${FIT_POSITIVE})` : "precision", n(f.prediction.precision)],
    [f.kind === "fit" ? `recall (score >= ${FIT_POSITIVE})` : "recall", n(f.prediction.recall)],
    ...(f.precision_at_20 !== undefined ? [["precision in top 20", n(f.precision_at_20)] as [string, string]] : []),
    ["calls", n(f.calls)],
    ["result-cache hits", n(f.cache_hits)],
    ["tokens in / out", `${f.input_tokens} / ${f.output_tokens}`],
    ["usd", f.usd.toFixed(4)],
    ...(f.failed + f.unscored > 0
      ? [["not answered (failed / budget)", `${f.failed} / ${f.unscored}`] as [string, string]]
      : [])
  ]
  return rows.map(([k, v]) => `${k.padEnd(32)} ${v}`).join("\n")
}

const evalInUp = (up: UpInfo, dag: string, ask: EvalAsk) =>
  Effect.gen(function* () {
    const end = yield* taskInUp(up, "/api/cli/eval", { dag, ...ask }, (e) => {
      if (e.type === "say") void process.stderr.write(`${String(e.line)}\n`)
    })
    if (end.status !== "done")
      return yield* Effect.fail(new Error(end.error ?? `the eval was ${end.status} in jobsignal up (pid ${up.pid})`))
    return end.result as { figures: EvalFigures; runId: string }
  })

/**
 * `jobsignal eval relevance|fit [--tier T]`: the hand-labelled relevance set through the configured
 * model, so a user measures precision, recall and cost before trusting it; without a key, the lexical scorer.
 */
export const evalCommand = Command.make(
  "eval",
  {
    what: Args.choice(
      [
        ["relevance", "relevance"],
        ["fit", "fit"]
      ] as const,
      { name: "relevance|fit" }
    ),
    tier: Options.choice("tier", ["fast", "balanced", "quality", "auto"] as const).pipe(
      Options.optional,
      Options.withDescription("Model tier (default: the node's tier in the DAG)")
    ),
    dag: dagOption,
    db: dbOption
  },
  ({ what, tier, dag, db }) =>
    Effect.gen(function* () {
      const loaded = yield* loadDagEffect(dag)
      const ask = { what, ...(Option.isSome(tier) ? { tier: tier.value } : {}) }
      const up = liveUp(db)
      // While jobsignal up owns the warehouse, the eval runs there (its ledger rows are written there).
      const { figures: f, runId } = up
        ? yield* evalInUp(up, loaded.path, ask)
        : yield* runEval(loaded, ask, (line) => void process.stderr.write(`${line}\n`)).pipe(
            Effect.provide(Warehouse.layer({ path: db, migrations }))
          )
      if (f.note) yield* printErr(`eval: ${f.note}`)
      if (f.budget_stopped)
        yield* printErr(`eval: BudgetExceeded: ${f.budget_stopped}; the figures cover the answered postings only`)
      yield* print(render(f))
      for (const m of f.misses) yield* print(`missed: ${m}`)
      if (f.scorer === "llm") yield* print(`ledger: llm_calls rows with run_id = '${runId}' in ${db}`)
    }).pipe(
      Effect.catchAll((e) =>
        printErr(`error: ${(e as { message?: string }).message ?? String(e)}`).pipe(Effect.zipRight(fail(1)))
      )
    )
).pipe(
  Command.withDescription(
    "Measure the relevance or fit scorer (the configured model, else the lexical one) on the hand-labelled set: precision, recall, calls, tokens, USD."
  )
)
