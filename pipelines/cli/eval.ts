import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { Warehouse } from "../../sinks/warehouse.ts"
import { loadProfile } from "../../transforms/profile.ts"
import { joinLabels, loadLabels, LABELS_FILE } from "../../transforms/relevance-eval/labels.ts"
import { evaluateWithModel, FIT_POSITIVE, type EvalFigures } from "../../transforms/relevance-eval/model.ts"
import { EVAL_DAG, loadRecordedJobs } from "./eval-set.ts"
import { loadDag } from "../load.ts"
import { kinds, migrations } from "../../app/index.ts"
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
      const { profile, hash } = yield* loadProfile(loaded)
      const labelledFor = yield* loadProfile(loadDag(EVAL_DAG, kinds))
      if (labelledFor.hash !== hash)
        yield* printErr(
          `eval: warning: ${LABELS_FILE} was labelled for ${labelledFor.path}; your profile (${loaded.resolvePath(loaded.spec.profile ?? "profile.yaml")}) differs, so the figures say how well the scorer finds that candidate's jobs, not yours`
        )
      yield* printErr(
        "eval: rebuilding the labelled postings from the recordings in fixtures/ (replay server, job sources, dedupe)"
      )
      const jobs = yield* loadRecordedJobs()
      const { set, unlabelled } = yield* Effect.flatMap(loadLabels(), (labels) => joinLabels(jobs, labels))
      if (unlabelled > 0) yield* printErr(`eval: ${unlabelled} recorded posting(s) have no label and are left out`)
      const runId = `eval-${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "")}`
      const f = yield* evaluateWithModel({
        kind: what,
        dag: loaded,
        profile,
        profileHash: hash,
        set,
        tier: Option.getOrUndefined(tier),
        runId
      }).pipe(Effect.provide(Warehouse.layer({ path: db, migrations })))
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
