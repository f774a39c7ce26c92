import { Options } from "@effect/cli"
import { Config, Effect, Option } from "effect"

export const dagOption = Options.text("dag").pipe(
  Options.withDefault("dag.yaml"),
  Options.withDescription("The DAG file (default dag.yaml)")
)

export const dbOption = Options.text("db").pipe(
  Options.withFallbackConfig(Config.string("JOBSIGNAL_DB")),
  Options.withDefault("data/jobsignal.duckdb"),
  Options.withDescription("The DuckDB warehouse file (default data/jobsignal.duckdb, or $JOBSIGNAL_DB)")
)

export const logFormatOption = Options.choice("log-format", ["text", "json"]).pipe(
  Options.withDefault("text" as const),
  Options.withDescription("text: readable lines and a live progress line on a terminal; json: one JSON event a line")
)

/** `--as-of YYYY-MM-DD`: the day every window is computed from, instead of today. */
export const asOfOption = Options.text("as-of").pipe(
  Options.optional,
  Options.withDescription("The day every window is computed from, YYYY-MM-DD (default today)")
)

/** The `--as-of` day, checked; today when it is not given. */
export const asOfDay = (o: Option.Option<string>) =>
  Effect.gen(function* () {
    const day = Option.getOrElse(o, () => new Date().toISOString().slice(0, 10))
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day)))
      return yield* Effect.fail(new Error(`--as-of ${JSON.stringify(day)}: expected a day as YYYY-MM-DD`))
    return day
  })

export const optionalList = (o: Option.Option<string>) =>
  Option.match(o, {
    onNone: () => undefined,
    onSome: (s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)
  })

/** Prints to stdout; the CLI's data goes there, its progress and errors to stderr. */
export const print = (s: string) => Effect.sync(() => void process.stdout.write(s.endsWith("\n") ? s : s + "\n"))
export const printErr = (s: string) => Effect.sync(() => void process.stderr.write(s.endsWith("\n") ? s : s + "\n"))

export const fail = (code: number) =>
  Effect.sync(() => {
    process.exitCode = code
  })
