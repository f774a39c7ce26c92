/**
 * Runs one command module under @effect/cli on the Node runtime. Kept apart from main.ts so these libraries are
 * imported statically here, where esbuild can tree-shake them: a dynamic `import("@effect/platform-node")`, or its barrel, keeps
 * the whole barrel (its cluster, RPC, WebSocket and undici modules, 1.3 MB) alive on every start.
 */
import { Command, ValidationError } from "@effect/cli"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { Effect, Layer } from "effect"

// What @effect/cli needs (CliApp.Environment), not NodeContext.layer: that one adds a command executor and a worker
// manager no command uses, and loads node:child_process and their code on every start.
const cliEnvironment = Layer.mergeAll(NodePath.layer, NodeTerminal.layer, NodeFileSystem.layer)

export const launch = (command: Command.Command<string, never, unknown, unknown>, argv: ReadonlyArray<string>) => {
  const root = Command.make("jobsignal").pipe(Command.withSubcommands([command]))
  const cli = Command.run(root, { name: "jobsignal", version: "0.1.0" }) as (
    argv: ReadonlyArray<string>
  ) => Effect.Effect<void, unknown, Layer.Layer.Success<typeof cliEnvironment>>
  cli(argv).pipe(
    // @effect/cli has already printed what was wrong with the arguments; a usage error exits 2, without a stack.
    Effect.catchIf(ValidationError.isValidationError, () =>
      Effect.sync(() => {
        process.exitCode = 2
      })
    ),
    Effect.provide(cliEnvironment),
    NodeRuntime.runMain({ disableErrorReporting: false })
  )
}
