// The entry loads only what the command it is given runs: help needs nothing, `validate` no DuckDB,
// `sql` no MongoDB or LLM SDK. Each command module is imported when named (its own chunk in dist/).
export const COMMANDS = {
  run: () => import("./run.ts").then((m) => m.runCommand),
  plan: () => import("./validate.ts").then((m) => m.planCommand),
  validate: () => import("./validate.ts").then((m) => m.validateCommand),
  backfill: () => import("./run.ts").then((m) => m.backfillCommand),
  sql: () => import("./sql-command.ts").then((m) => m.sqlCommand),
  runs: () => import("./runs.ts").then((m) => m.runsCommand),
  schedule: () => import("./schedule.ts").then((m) => m.scheduleCommand),
  worker: () => import("./worker.ts").then((m) => m.workerCommand),
  report: () => import("./report.ts").then((m) => m.reportCommand),
  targets: () => import("./targets-command.ts").then((m) => m.targetsCommand),
  record: () => import("./record.ts").then((m) => m.recordCommand),
  quarantine: () => import("./quarantine.ts").then((m) => m.quarantineCommand),
  serve: () => import("./serve.ts").then((m) => m.serveCommand),
  up: () => import("./up.ts").then((m) => m.upCommand),
  job: () => import("./job.ts").then((m) => m.jobCommand),
  jobs: () => import("./jobs.ts").then((m) => m.jobsCommand),
  leads: () => import("./jobs.ts").then((m) => m.leadsCommand),
  eval: () => import("./eval.ts").then((m) => m.evalCommand),
  today: () => import("./today.ts").then((m) => m.todayCommand),
  search: () => import("./search.ts").then((m) => m.searchCommand)
} as const
