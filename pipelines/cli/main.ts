import { COMMANDS } from "./commands.ts"

// No top-level await: dist/ runs this module as CommonJS (bin/build-dist.js), where V8 can cache its compiled code.
const main = async () => {
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
    const [{ launch }, command] = await Promise.all([
      import("./launch.ts"),
      COMMANDS[name as keyof typeof COMMANDS]() as Promise<any>
    ])
    launch(command, process.argv)
  }
}

// A rejection stays unhandled, so Node prints it and exits 1, as it did for the top-level await this was.
void main()
