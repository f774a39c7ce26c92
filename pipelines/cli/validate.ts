import { pricesNote } from "../../transforms/llm/prices.ts"
import { Command } from "@effect/cli"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { formatTable } from "../console.ts"
import { loadedDag, validateDagText, type Problem } from "../load.ts"
import { formatProblem, preflight } from "../preflight.ts"
import { enabledNodes, levels } from "../plan.ts"
import { roleOf } from "../../core/spec.ts"
import { dagOption, fail, print, printErr } from "./shared.ts"
import { loadDagEffect } from "./load-dag.ts"
import { kinds } from "../../app/composition.ts"
import { effectiveSearches } from "../../sources/search/from-profile.ts"
import { llmNodeOf } from "../../app/llm-nodes.ts"

export const validateCommand = Command.make("validate", { dag: dagOption }, ({ dag }) =>
  Effect.gen(function* () {
    const text = yield* Effect.try(() => readFileSync(dag, "utf8")).pipe(Effect.orElseSucceed(() => undefined))
    if (text === undefined) return yield* printErr(`${dag}: cannot read the file`).pipe(Effect.zipRight(fail(2)))
    const checked = validateDagText(text, dag, kinds)
    let problems: ReadonlyArray<Problem> = checked.problems
    let notices: ReadonlyArray<Problem> = []
    // The files and variables the DAG depends on, once the DAG itself is sound.
    if (problems.length === 0 && checked.spec)
      ({ problems, notices } = preflight(loadedDag(dag, text, checked.spec, kinds)))
    for (const p of notices) yield* printErr(`notice: ${formatProblem(p, dag)}`)
    if (problems.length === 0) return yield* print(`${dag}: valid`)
    yield* printErr(`${dag}: ${problems.length} problem${problems.length === 1 ? "" : "s"}`)
    for (const p of problems) yield* printErr(`  ${formatProblem(p, dag)}`)
    yield* fail(1)
  })
).pipe(
  Command.withDescription(
    "Check a DAG file and the files and environment variables it needs (profile, targets, ${VAR}); list every problem with its file, YAML path and line."
  )
)

export const planCommand = Command.make("plan", { dag: dagOption }, ({ dag }) =>
  Effect.gen(function* () {
    const d = yield* loadDagEffect(dag)
    const nodes = enabledNodes(d.spec)
    const lv = levels(nodes)
    yield* print(`${d.path} (${Object.keys(nodes).length} nodes, ${lv.length} levels)\n`)
    lv.forEach((level, i) => void process.stdout.write(`level ${i + 1} (parallel): ${level.join(", ")}\n`))
    yield* print("")
    yield* print(
      formatTable(
        lv.flat().map((n) => {
          const s = nodes[n]
          const r = roleOf(s)!
          return {
            node: n,
            role: r.role,
            kind: r.kind,
            needs: (s.needs ?? []).join(", "),
            schedule: s.schedule ?? "",
            retry: s.retry
              ? `${s.retry.times}×`
              : d.spec.defaults?.retry
                ? `${d.spec.defaults.retry.times}× (default)`
                : "",
            timeout: s.timeout ?? d.spec.defaults?.timeout ?? "30m"
          }
        })
      )
    )
    // A search node without `searches:` runs the profile's titles × locations × remote: listed here.
    for (const n of lv.flat()) {
      const s = nodes[n]
      if (s.source !== "search" || (s.with?.searches as unknown[] | undefined)?.length) continue
      const profile = d.resolvePath(d.spec.profile ?? "profile.yaml")
      const eff = yield* Effect.try({
        try: () =>
          effectiveSearches({ max_derived_searches: s.with?.max_derived_searches as number | undefined }, profile),
        catch: (e) => new Error(`${n}: ${(e as Error).message}`)
      })
      yield* print(
        `\n${n}: ${eff.searches.length} searches derived from ${d.spec.profile ?? "profile.yaml"} (target titles × locations × remote${eff.total > eff.searches.length ? `; ${eff.total} in all, cut at max_derived_searches` : ""}; set with.searches to override):`
      )
      yield* print(
        formatTable(
          eff.searches.map((q) => ({
            term: q.term,
            location: q.location ?? "",
            remote: q.remote ? "yes" : "",
            results_wanted: q.results_wanted ?? ""
          }))
        )
      )
    }
    const llmNodes = lv.flat().flatMap((n) => {
      const l = llmNodeOf(d, n)
      return l
        ? [
            {
              node: n,
              kind: l.role.kind,
              tier: l.tierChoice,
              model: l.model,
              "jobsignal run": l.modeOf(false),
              "schedule / up": l.modeOf(true)
            }
          ]
        : []
    })
    if (llmNodes.length > 0) {
      yield* print(
        "\nLLM nodes (mode: with.mode, else batch when scheduled and online when run by hand; batch needs a provider with a batch API):"
      )
      yield* print(formatTable(llmNodes))
    }
    const b = d.spec.budgets?.llm
    if (b)
      yield* print(
        `\nLLM budget: ${b.per_run_usd !== undefined ? `$${b.per_run_usd} per run` : "no per-run cap"}, ${b.per_week_usd !== undefined ? `$${b.per_week_usd} per rolling week` : "no weekly cap"}${b.per_job_usd !== undefined ? `, $${b.per_job_usd} per job for the intel layers (downgrade, then skip)` : ""}`
      )
    yield* print(
      `${b ? "" : "\n"}LLM ${pricesNote((d.spec.llm as { prices?: Record<string, unknown> } | undefined)?.prices)}`
    )
  }).pipe(Effect.catchAll((e) => printErr(e.message).pipe(Effect.zipRight(fail(2)))))
).pipe(
  Command.withDescription(
    "Print the run order, the levels that run in parallel, schedules and budgets, and the searches a search node derives from the profile."
  )
)
