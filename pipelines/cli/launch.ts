/**
 * Runs one command module under @effect/cli on the Node runtime. Kept apart from main.ts so these libraries are
 * imported statically here, where esbuild can tree-shake them: a dynamic `import("@effect/platform-node")`, or its barrel, keeps
 * the whole barrel (its cluster, RPC, WebSocket and undici modules, 1.3 MB) alive on every start.
 */
import { Command, ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"

export const launch = (command: Command.Command<string, never, unknown, unknown>, argv: ReadonlyArray<string>) => {
  const root = Command.make("jobsignal").pipe(Command.withSubcommands([command]))
  const cli = Command.run(root, { name: "jobsignal", version: "0.1.0" }) as (
    argv: ReadonlyArray<string>
  ) => Effect.Effect<void, unknown, NodeContext.NodeContext>
  cli(argv).pipe(
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
