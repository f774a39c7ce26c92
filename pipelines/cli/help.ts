/**
 * The CLI's help, as plain data so `--help` prints without loading @effect/cli, Effect or any
 * command (@effect/cli's own help also names every text option "A user-defined piece of text" and
 * colours output that is not a terminal). test/foundation/cli.test.ts checks that every option a
 * command parses is described here.
 */
export interface OptionHelp {
  readonly flag: string
  readonly text: string
}
export interface CommandHelp {
  readonly name: string
  readonly summary: string
  readonly args?: string
  readonly options: ReadonlyArray<OptionHelp>
  readonly examples: ReadonlyArray<string>
}

const dag: OptionHelp = { flag: "--dag FILE", text: "The DAG file (default dag.yaml)" }
const db: OptionHelp = {
  flag: "--db FILE",
  text: "The DuckDB warehouse (default data/jobsignal.duckdb, or $JOBSIGNAL_DB)"
}
const logFormat: OptionHelp = {
  flag: "--log-format text|json",
  text: "text: readable lines and a live progress line on a terminal; json: one JSON event a line (default text)"
}
const asOf: OptionHelp = {
  flag: "--as-of YYYY-MM-DD",
  text: "The day every window is computed from, instead of today (signals, velocity, open jobs, the queue)"
}
const format = (d = "table"): OptionHelp => ({
  flag: "--format table|csv|json",
  text: `How to print the rows (default ${d})`
})

export const COMMANDS: ReadonlyArray<CommandHelp> = [
  {
    name: "run",
    summary:
      "Run the DAG once (inside jobsignal up when it owns the warehouse). Exit code 0 only if every node succeeded or skipped itself.",
    options: [
      dag,
      db,
      logFormat,
      {
        flag: "--only NODES",
        text: "Run only these nodes (comma-separated), plus what they need that has no committed output"
      },
      { flag: "--resume RUN_ID", text: "Re-run only the nodes of RUN_ID that did not succeed" },
      { flag: "--dry-run", text: "Print the nodes that would run and what they would fetch and cost; run nothing" },
      asOf
    ],
    examples: [
      "jobsignal run",
      "jobsignal run --only greenhouse,dedupe --db /tmp/try.duckdb",
      "jobsignal run --as-of 2026-05-15",
      "jobsignal run --resume 20261203T101500-a1b2c3   # what an interrupted run did not finish"
    ]
  },
  {
    name: "plan",
    summary:
      "Print the run order, the levels that run in parallel, schedules and budgets, and the searches a search node derives from the profile.",
    options: [dag],
    examples: ["jobsignal plan", "jobsignal plan --dag other.yaml"]
  },
  {
    name: "validate",
    summary: "Check a DAG file; list every problem with its YAML path and line. Exit 1 if any.",
    options: [dag],
    examples: ["jobsignal validate", "jobsignal validate --dag my-dag.yaml"]
  },
  {
    name: "backfill",
    args: "NODE",
    summary: "Run one source over a past window, then its downstream nodes. Its cursor never moves backwards.",
    options: [
      { flag: "NODE", text: "The source node to backfill (a key under nodes: in the DAG)" },
      { flag: "--since YYYY-MM-DD", text: "First day of the window (required)" },
      { flag: "--until YYYY-MM-DD", text: "Last day of the window (default today)" },
      dag,
      db,
      logFormat,
      { flag: "--dry-run", text: "Print units, requests against rate limits, LLM tokens and USD; fetch nothing" }
    ],
    examples: [
      "jobsignal backfill hn --since 2026-01-01 --dry-run",
      "jobsignal backfill remotive --since 2026-01-01 --until 2026-01-31"
    ]
  },
  {
    name: "sql",
    args: "QUERY",
    summary: "Run DuckDB SQL on the warehouse and print the result. Read-only unless --write.",
    options: [
      { flag: "QUERY", text: 'DuckDB SQL, e.g. "select company, count(*) from jobs group by 1"' },
      format(),
      db,
      { flag: "--write", text: "Open the warehouse read-write so the query may change it (default read-only)" },
      dag
    ],
    examples: [
      'jobsignal sql "select company, count(*) as n from jobs group by 1 order by n desc"',
      'jobsignal sql "select * from runs" --format json'
    ]
  },
  {
    name: "runs",
    args: "[RUN_ID]",
    summary: "List recent runs, or show one run node by node: status, timings, rows, errors.",
    options: [
      {
        flag: "RUN_ID",
        text: "Show this run: each node's status, attempts, seconds, rows in and out, error; then its source errors"
      },
      { flag: "--limit N", text: "How many runs to list, newest first (default 20)" },
      format(),
      db,
      dag
    ],
    examples: ["jobsignal runs --limit 5", "jobsignal runs run-20260131-0600-ab12"]
  },
  {
    name: "schedule",
    summary:
      "Run each node on its dag.yaml schedule until SIGINT/SIGTERM (jobsignal up does it too); list, pause, resume or fire one now.",
    options: [
      dag,
      db,
      logFormat,
      { flag: "--list", text: "Print each trigger's next fire times, last fire and pause, and exit" },
      {
        flag: "--pause NAME",
        text: "Pause the schedule NAME: its fires are skipped (by up and schedule alike) until --resume NAME"
      },
      { flag: "--resume NAME", text: "Resume the paused schedule NAME from its next fire time" },
      {
        flag: "--fire NAME",
        text: "Run the schedule NAME now, a paused one too: in jobsignal up when it runs, else run --only its nodes"
      },
      {
        flag: "--grace DURATION",
        text: "On SIGINT/SIGTERM, how long running runs may finish before they are interrupted (default 30s)"
      }
    ],
    examples: [
      "jobsignal schedule --list",
      "jobsignal schedule --pause greenhouse        # on holiday: no board fetches",
      "jobsignal schedule --resume greenhouse",
      "jobsignal schedule --fire hn                 # the hn run now, followed in this terminal",
      "jobsignal schedule --grace 2m"
    ]
  },
  {
    name: "worker",
    summary:
      "Run the fan-out units (one board, feed, EDGAR day, search page; one LLM call for each provider whose key is in this machine's environment) of DAGs whose executor is bullmq, on this machine, until SIGINT/SIGTERM.",
    options: [
      {
        ...dag,
        text: "The DAG file: its executor.redis_url, and the targets and profile files units read (default dag.yaml)"
      },
      {
        flag: "--concurrency N",
        text: "Units each host group's queue runs at once in this process (default 8); give each worker its share of the node's concurrency, or the first takes every slot"
      },
      {
        flag: "--redis-url URL",
        text: "Redis to take units from (default: dag.yaml executor.redis_url, filled in from $REDIS_URL)"
      },
      {
        flag: "--lock DURATION",
        text: "How long a unit stays claimed by a worker that stopped answering before another worker runs it (default 30s)"
      },
      {
        flag: "--grace DURATION",
        text: "On SIGINT/SIGTERM, how long the units in hand may finish before the worker lets them go (default 30s); a second signal stops at once. Exits 1 if it left a unit unfinished (another worker runs it once its lock expires)"
      }
    ],
    examples: [
      "REDIS_URL=redis://10.0.0.5:6379 jobsignal worker",
      "jobsignal worker --concurrency 16 --redis-url redis://queue.internal:6379",
      "jobsignal worker --dag team/dag.yaml --lock 1m --grace 2m",
      "OPENAI_API_KEY=sk-... REDIS_URL=redis://10.0.0.5:6379 jobsignal worker   # + openai LLM calls"
    ]
  },
  {
    name: "report",
    summary: "Print a summary of the warehouse since a day; write an HTML report with charts (offline).",
    options: [
      { flag: "--since YYYY-MM-DD", text: "First day to report (default 7 days ago)" },
      { flag: "--out DIR", text: "Directory for the HTML report (default reports/)" },
      db,
      dag
    ],
    examples: ["jobsignal report", "jobsignal report --since 2026-01-01 --out /tmp/reports"]
  },
  {
    name: "targets check",
    summary:
      "Ask every board whether it is alive (with its job count), dead, moved or blocked; record it in board_checks.",
    options: [
      { flag: "--dag FILE", text: "The DAG file whose targets: names the list to check (default dag.yaml)" },
      {
        flag: "--targets FILE",
        text: "The targets file, YAML or JSON (overrides the DAG's targets:; targets/universe.json for all)"
      },
      { flag: "--provider KIND", text: "Only companies on this ATS (greenhouse, lever, ashby, …)" },
      { flag: "--limit N", text: "Check at most N companies (after --provider)" },
      { flag: "--concurrency N", text: "Boards checked at once; per-host limits still apply (default 16)" },
      { flag: "--per-host N", text: "Requests in flight per ATS host (default 6)" },
      {
        flag: "--fresh-hours N",
        text: "A board checked less than N hours ago is not asked again: a killed check resumes (default 24; 0: all)"
      },
      db,
      { flag: "--format table|json", text: "How to print the result (default table)" },
      { flag: "--base-url-for KIND=URL", text: "Send that provider's requests to URL (repeatable or comma-separated)" }
    ],
    examples: [
      "jobsignal targets check --provider greenhouse --limit 20",
      "jobsignal targets check --targets targets/universe.json --format json"
    ]
  },
  {
    name: "targets discover",
    args: "COMPANY_OR_DOMAIN",
    summary: "Find a company's ATS boards from its name or domain, each one asked through its connector.",
    options: [
      {
        flag: "COMPANY_OR_DOMAIN",
        text: 'A company name ("Wealth.com", "Cohere Health") or its domain (ramp.com): a domain also reads its careers pages, where a Workday link (https://TENANT.wdN.myworkdayjobs.com/SITE) gives the Workday board; when nothing answers, each careers page and provider is listed with what it answered (404, timeout, network down)'
      },
      { flag: "--add", text: "Append the boards that answered to targets/curated.tsv, with their evidence" },
      { flag: "--format table|json", text: "How to print the boards found (default table)" },
      { flag: "--site URL", text: "Fetch the careers pages from URL instead of https://DOMAIN (a mirror)" },
      { flag: "--base-url-for KIND=URL", text: "Send that provider's requests to URL (repeatable or comma-separated)" }
    ],
    examples: [
      'jobsignal targets discover "Cohere Health"',
      "jobsignal targets discover ramp.com --add",
      "jobsignal targets discover humana.com --format json"
    ]
  },
  {
    name: "record",
    args: "SOURCE",
    summary: "Run one source against the live site; save the raw responses as fixtures (secrets stripped).",
    options: [
      { flag: "SOURCE", text: "The source kind to record (e.g. remotive, search, hn)" },
      dag,
      { flag: "--node NODE", text: "The node whose with: to use (default the first node of that kind)" },
      { flag: "--out DIR", text: "Where to write the responses (default fixtures/recorded)" }
    ],
    examples: ["jobsignal record remotive", "jobsignal record greenhouse --node gh_small --out /tmp/rec"]
  },
  {
    name: "quarantine list",
    summary: "List rows the data-quality gates parked: rule, reason, record, run.",
    options: [
      { flag: "--status parked|replayed|superseded|all", text: "Which rows (default parked)" },
      { flag: "--rule RULE", text: "Only rows parked by this rule (its name in dq_results)" },
      { flag: "--node NODE", text: "Only rows of this sink node" },
      { flag: "--limit N", text: "At most N rows (default 50)" },
      format(),
      db
    ],
    examples: ["jobsignal quarantine list", "jobsignal quarantine list --rule salary_sane --format json"]
  },
  {
    name: "quarantine show",
    args: "ID",
    summary: "Show one quarantined row with its full record.",
    options: [{ flag: "ID", text: "The quarantine row id (from quarantine list)" }, db],
    examples: ["jobsignal quarantine show 42"]
  },
  {
    name: "quarantine replay",
    summary: "Check parked rows again against the rules in dag.yaml now; write those that pass.",
    options: [
      { flag: "--rule RULE", text: "Only rows parked by this rule (its name in dq_results)" },
      { flag: "--node NODE", text: "Only rows of this sink node" },
      dag,
      db
    ],
    examples: ["jobsignal quarantine replay", "jobsignal quarantine replay --rule salary_sane"]
  },
  {
    name: "serve",
    summary: "Serve the dashboard and its JSON API; this process owns the warehouse.",
    options: [
      { flag: "--port N", text: "Port to listen on (default 8787; 0 picks a free one)" },
      {
        flag: "--host ADDR",
        text: "Address to bind (default 127.0.0.1); anything but loopback needs JOBSIGNAL_UI_TOKEN"
      },
      { flag: "--replay", text: "Runs started from the dashboard read the recorded fixtures (offline)" },
      dag,
      db
    ],
    examples: ["jobsignal serve", "jobsignal serve --replay --port 0"]
  },
  {
    name: "up",
    summary:
      "Run the scheduler, the dashboard and its API in one process that owns the warehouse; the CLI's commands on that warehouse go through it (schedule, serve and search --save refuse, naming it).",
    options: [
      { flag: "--port N", text: "Port of the dashboard and API (default 8787; 0 picks a free one)" },
      {
        flag: "--host ADDR",
        text: "Address to bind (default 127.0.0.1); anything but loopback needs JOBSIGNAL_UI_TOKEN"
      },
      { flag: "--replay", text: "Scheduled and dashboard runs read the recorded fixtures (offline)" },
      {
        flag: "--grace DURATION",
        text: "On SIGINT/SIGTERM, how long running runs (scheduled, dashboard or CLI) may finish before they are interrupted; --resume continues them (default 30s)"
      },
      dag,
      db,
      logFormat
    ],
    examples: [
      "jobsignal up",
      "jobsignal up --replay --port 0",
      "jobsignal up --grace 2m   # then elsewhere: jobsignal run (inside up; Ctrl-C cancels it)"
    ]
  },
  {
    name: "jobs",
    args: "[JOB_ID]",
    summary: "List jobs, best fit first, or show one job: posting, scores, signals, your status.",
    options: [
      {
        flag: "JOB_ID",
        text: "Show this one job (its id, or its first 4+ characters): posting, pay, boards, fit and why, company signals, your queue status, intel layers, description"
      },
      { flag: "--tier TIERS", text: "Only these fit tiers, comma-separated (e.g. A,B)" },
      { flag: "--relevant", text: "Only jobs the relevance filter kept" },
      { flag: "--since YYYY-MM-DD", text: "Only jobs posted (or first seen) on or after that day" },
      { flag: "--company NAME", text: "Only companies whose name contains NAME (any case)" },
      { flag: "--limit N", text: "At most N rows (default 50)" },
      format(),
      db
    ],
    examples: [
      "jobsignal jobs --tier A,B --relevant",
      "jobsignal jobs --company stripe --since 2026-01-01 --format csv",
      "jobsignal jobs 3eadbb7c   # one job, by the start of its id"
    ]
  },
  {
    name: "leads",
    summary: "List companies with a fresh signal and open relevant roles, strongest first.",
    options: [{ flag: "--limit N", text: "At most N rows (default 50)" }, asOf, format(), db],
    examples: ["jobsignal leads", "jobsignal leads --limit 10 --format json", "jobsignal leads --as-of 2025-12-20"]
  },
  {
    name: "today",
    args: "[applied|dismiss|snooze|interested JOB_ID]",
    summary:
      "Today's queue: relevant jobs ranked by fit, freshness, company signals and boards, minus dismissed; or record an action on one job.",
    options: [
      {
        flag: "ACTION JOB_ID",
        text: "applied | dismiss | snooze | interested, on job JOB_ID (its id or first 4+ characters): kept in queue_status and the level-2 status field"
      },
      { flag: "--as-of YYYY-MM-DD", text: "The day the queue is computed for (default today)" },
      { flag: "--limit N", text: "At most N items (default 20)" },
      { flag: "--until YYYY-MM-DD", text: "For snooze: the day the job comes back" },
      db
    ],
    examples: [
      "jobsignal today",
      "jobsignal today --as-of 2025-06-02 --limit 30",
      "jobsignal today dismiss 3eadbb7c1cee44173055",
      "jobsignal today snooze 3eadbb7c1cee44173055 --until 2026-10-01"
    ]
  },
  {
    name: "search",
    args: "QUERY",
    summary:
      "JobSpy's one call: search the job boards for QUERY, dedupe across sites, print JobSpy's columns and a line per site.",
    options: [
      { flag: "--location L", text: "Where (a city, a state, a country)" },
      {
        flag: "--sites a,b",
        text: "Comma-separated: linkedin, indeed, zip_recruiter, glassdoor, google (default all)"
      },
      { flag: "--results-wanted N", text: "Results per site at most (default 15)" },
      { flag: "--hours-old H", text: "Posted in the last H hours" },
      { flag: "--remote", text: "Remote jobs only" },
      { flag: "--job-type T", text: "Keep jobs of this type (fulltime, parttime, contract, internship)" },
      {
        flag: "--distance MILES",
        text: "Miles around --location: LinkedIn's distance, Indeed's and ZipRecruiter's radius (Glassdoor and Google take none: ignored there, and said)"
      },
      {
        flag: "--offset N",
        text: "Skip the first N results of each site (paging starts at the site's page holding result N)"
      },
      {
        flag: "--proxy URL",
        text: "An HTTP proxy, http://[user:pass@]host:port; repeat it to take them in turn, one per request (only host:port is printed)"
      },
      {
        flag: "--format table|csv|json",
        text: "table: one block per job within 100 columns; csv, json: JobSpy's columns (default table)"
      },
      { flag: "--out FILE", text: "Write the rows to FILE instead of stdout" },
      { flag: "--save", text: "Keep the run in the warehouse (--db) instead of a scratch one" },
      { flag: "--base-url URL", text: "A mirror: each site is asked under {base-url}/{site}" },
      { flag: "--replay", text: "Ask a loopback server replaying the recordings in fixtures/ instead of the sites" },
      db
    ],
    examples: [
      'jobsignal search "revops" --location "United States" --results-wanted 50 --hours-old 72',
      'jobsignal search "vp sales" --sites linkedin,indeed --job-type fulltime --distance 50 --offset 20',
      'jobsignal search "revenue operations" --remote --format csv --out jobs.csv',
      'jobsignal search "cro" --proxy http://user:pass@10.0.0.2:3128 --proxy 10.0.0.3:3128',
      'jobsignal search "revenue operations" --replay'
    ]
  },
  {
    name: "job",
    args: "JOB_ID",
    summary: "Run the per-job intelligence layers for one job; per-phase progress on stderr.",
    options: [
      { flag: "JOB_ID", text: "The job to run the layers for (jobs.id, or its first 4+ characters)" },
      { flag: "--ops LIST", text: "Comma-separated layers (default all)" },
      {
        flag: "--tier fast|balanced|quality|auto",
        text: "Model tier; auto picks from the job's fit tier (default auto)"
      },
      dag,
      db,
      { flag: "--run-id ID", text: "Ledger run id for the LLM calls (default job-<time>)" }
    ],
    examples: ["jobsignal job 3f2a9c", "jobsignal job 3f2a9c --ops score --tier fast"]
  },
  {
    name: "eval",
    args: "relevance|fit",
    summary: "Measure the relevance or fit scorer on the hand-labelled set: precision, recall, calls, tokens, USD.",
    options: [
      {
        flag: "relevance|fit",
        text: "relevance: the yes/no pass on the prefilter's survivors; fit: scores >= 70 count as 'look at this'"
      },
      {
        flag: "--tier fast|balanced|quality|auto",
        text: "Model tier (default: the node's tier in the DAG); without a key, the lexical scorer"
      },
      dag,
      db
    ],
    examples: ["jobsignal eval relevance", "jobsignal eval fit --tier quality"]
  }
]

/** Top-level command names, in the order help lists them. */
export const COMMAND_NAMES = [...new Set(COMMANDS.map((c) => c.name.split(" ")[0]))]

const WIDTH = 100

const wrap = (text: string | ReadonlyArray<string>, width: number): string[] => {
  const lines: string[] = []
  let line = ""
  for (const word of typeof text === "string" ? text.split(/\s+/) : text) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  return line ? [...lines, line] : lines
}

/** Flag column then description, wrapped so every line fits WIDTH columns. */
const table = (rows: ReadonlyArray<readonly [string, string]>) => {
  const col = Math.min(34, Math.max(...rows.map(([a]) => a.length)) + 4)
  return rows.flatMap(([a, b]) => {
    const text = wrap(b, WIDTH - col)
    const first =
      a.length + 4 > col
        ? [`  ${a}`, ...text.map((t) => " ".repeat(col) + t)]
        : [`  ${a.padEnd(col - 2)}${text[0] ?? ""}`, ...text.slice(1).map((t) => " ".repeat(col) + t)]
    return first
  })
}

const usageOf = (c: CommandHelp) => {
  const flags = c.options.filter((o) => o.flag.startsWith("--")).map((o) => `[${o.flag}]`)
  return wrap([`jobsignal ${c.name}${c.args ? ` ${c.args}` : ""}`, ...flags], WIDTH - 10).map((l, i) =>
    i === 0 ? `Usage:  ${l}` : `          ${l}`
  )
}

/** Help text for a command path ("run", "quarantine list"), the group ("quarantine"), or the whole CLI. */
export const renderHelp = (path: ReadonlyArray<string>, color: boolean): string => {
  const h = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s)
  const name = path.join(" ")
  const exact = COMMANDS.find((c) => c.name === name)
  if (exact) {
    return [
      // WIDTH - 2: continuation lines are indented by two.
      ...wrap(`jobsignal ${exact.name}: ${exact.summary}`, WIDTH - 2).map((l, i) =>
        i === 0 ? l.replace(`jobsignal ${exact.name}:`, `${h(`jobsignal ${exact.name}`)}:`) : `  ${l}`
      ),
      "",
      ...usageOf(exact),
      "",
      h("Options:"),
      ...table(exact.options.map((o) => [o.flag, o.text])),
      "",
      h("Examples:"),
      ...exact.examples.map((e) => `  ${e}`),
      ""
    ].join("\n")
  }
  const group = COMMANDS.filter((c) => (name ? c.name.startsWith(`${name} `) : true))
  return [
    name
      ? `${h(`jobsignal ${name}`)}: subcommands`
      : `${h("jobsignal")} 0.1.0: job discovery and company signals (a YAML DAG over a DuckDB warehouse)`,
    "",
    `Usage:  jobsignal ${name ? `${name} ` : ""}COMMAND [OPTIONS]`,
    `        jobsignal ${name ? `${name} ` : ""}COMMAND --help shows a command's options and examples`,
    "",
    h("Commands:"),
    ...table(group.map((c) => [c.name, c.summary])),
    "",
    h("Examples:"),
    ...(name
      ? group.slice(0, 2).map((c) => `  ${c.examples[0]}`)
      : ["  jobsignal validate", "  jobsignal run --dry-run", '  jobsignal sql "select count(*) from jobs"']),
    ""
  ].join("\n")
}
