import { Command } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { backfillCommand, runCommand } from "./run.ts"
import { planCommand, runsCommand, sqlCommand, validateCommand } from "./inspect.ts"
import { scheduleCommand } from "./schedule.ts"
import { reportCommand } from "./report.ts"
import { targetsCommand } from "./targets.ts"
import { recordCommand } from "./record.ts"
import { quarantineCommand } from "./quarantine.ts"
import { jobCommand } from "./job.ts"
import { serveCommand } from "./serve.ts"

const jobsignal = Command.make("jobsignal").pipe(
  Command.withDescription("Job discovery and company-signal pipeline: a YAML DAG of sources, transforms and sinks over a DuckDB warehouse."),
  Command.withSubcommands([runCommand, planCommand, validateCommand, backfillCommand, sqlCommand, runsCommand, scheduleCommand, reportCommand, targetsCommand, recordCommand, quarantineCommand, serveCommand, jobCommand])
)

const cli = Command.run(jobsignal, { name: "jobsignal", version: "0.1.0" })

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain({ disableErrorReporting: false }))
