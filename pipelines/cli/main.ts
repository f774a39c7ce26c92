// The entry loads only what the command it is given runs: help needs nothing, `validate` no DuckDB,
// `sql` no MongoDB or LLM SDK. Each command module is imported when named (its own chunk in dist/).
const COMMANDS = {
  run: () => import("./run.ts").then((m) => m.runCommand),
  plan: () => import("./validate.ts").then((m) => m.planCommand),
  validate: () => import("./validate.ts").then((m) => m.validateCommand),
  backfill: () => import("./run.ts").then((m) => m.backfillCommand),
  sql: () => import("./sql-command.ts").then((m) => m.sqlCommand),
  runs: () => import("./runs.ts").then((m) => m.runsCommand),
  schedule: () => import("./schedule.ts").then((m) => m.scheduleCommand),
  report: () => import("./report.ts").then((m) => m.reportCommand),
  targets: () => import("./targets.ts").then((m) => m.targetsCommand),
  record: () => import("./record.ts").then((m) => m.recordCommand),
  quarantine: () => import("./quarantine.ts").then((m) => m.quarantineCommand),
  serve: () => import("./serve.ts").then((m) => m.serveCommand),
  job: () => import("./job.ts").then((m) => m.jobCommand),
  jobs: () => import("./jobs.ts").then((m) => m.jobsCommand),
  leads: () => import("./jobs.ts").then((m) => m.leadsCommand),
  eval: () => import("./eval.ts").then((m) => m.evalCommand),
  today: () => import("./today.ts").then((m) => m.todayCommand),
  search: () => import("./search.ts").then((m) => m.searchCommand)
} as const

const argv = process.argv.slice(2)
const name = argv[0]
const wantsHelp = argv.length === 0 || argv.includes("--help") || argv.includes("-h")

if (name === "--version" || name === "-v") process.stdout.write("0.1.0\n")
else if (wantsHelp || !(name in COMMANDS)) {
  const { renderHelp, COMMAND_NAMES, COMMANDS: helps } = await import("./help.ts")
  const known = name === undefined || name.startsWith("-") || COMMAND_NAMES.includes(name)
  if (!known)
    process.stderr.write(
      `jobsignal: unknown command ${JSON.stringify(name)}; commands: ${COMMAND_NAMES.join(", ")}\n\n`
    )
  const path = known ? argv.filter((a) => !a.startsWith("-")).slice(0, 2) : []
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR
  // A subcommand that is not one (`quarantine bogus --help`) falls back to its group's help.
  const exact = helps.some((c) => c.name === path.join(" ")) ? path : path.slice(0, 1)
  process.stdout.write(renderHelp(exact, color))
  if (!known) process.exitCode = 2
} else {
  // `.env` from the working directory before any option is read (so `JOBSIGNAL_DB` there counts), never over
  // the real environment; a malformed file stops here, naming its line, never its values.
  try {
    ;(await import("../env.ts")).loadDotEnv(process.cwd())
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`)
    process.exit(2)
  }
  // A SIGTERM that arrives while the libraries load still stops the process, as it would any program.
  // @effect/cli and the command load together; NodeRuntime then owns SIGINT/SIGTERM for the run.
  const [{ Command, ValidationError }, { NodeContext, NodeRuntime }, { Effect }, command] = await Promise.all([
    import("@effect/cli"),
    import("@effect/platform-node"),
    import("effect"),
    COMMANDS[name as keyof typeof COMMANDS]() as Promise<any>
  ])
  const root = Command.make("jobsignal").pipe(Command.withSubcommands([command]))
  const cli: (argv: ReadonlyArray<string>) => import("effect").Effect.Effect<void, unknown, never> = Command.run(root, {
    name: "jobsignal",
    version: "0.1.0"
  }) as never
  cli(process.argv).pipe(
    // @effect/cli has already printed what was wrong with the arguments; a usage error exits 2, without a stack.
    Effect.catchIf(ValidationError.isValidationError, () =>
      Effect.sync(() => {
        process.exitCode = 2
      })
    ),
    Effect.provide(NodeContext.layer),
    NodeRuntime.runMain({ disableErrorReporting: false })
  )
}
