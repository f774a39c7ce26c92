import { Command } from "@effect/cli"
import { discoverCommand } from "./targets-discover.ts"
import { checkCommand } from "./targets.ts"

export const targetsCommand = Command.make("targets").pipe(
  Command.withDescription("Inspect and grow the target-company universe (targets/)."),
  Command.withSubcommands([checkCommand, discoverCommand])
)
