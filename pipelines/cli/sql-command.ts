import { Args, Command, Options } from "@effect/cli"
import { Effect } from "effect"
import { formatTable, toCsv } from "../console.ts"
import { dagOption, dbOption, fail, print, printErr } from "./shared.ts"
import { runSql } from "./sql.ts"

const render = (rows: ReadonlyArray<Record<string, unknown>>, format: "table" | "csv" | "json") =>
  format === "json" ? JSON.stringify(rows, null, 2) : format === "csv" ? toCsv(rows) : formatTable(rows)

export const sqlCommand = Command.make(
  "sql",
  {
    query: Args.text({ name: "QUERY" }).pipe(
      Args.withDescription('DuckDB SQL, e.g. "select company, count(*) from jobs group by 1"')
    ),
    format: Options.choice("format", ["table", "csv", "json"]).pipe(
      Options.withDefault("table" as const),
      Options.withDescription("How to print the rows (default table)")
    ),
    db: dbOption,
    write: Options.boolean("write").pipe(
      Options.withDescription("Open the warehouse read-write so the query may change it (default read-only)")
    ),
    dag: dagOption
  },
  ({ query, format, db, write }) =>
    runSql(db, query, write).pipe(
      Effect.flatMap((rows) => print(render(rows, format))),
      Effect.catchAll((e) => printErr(`error: ${e.message}`).pipe(Effect.zipRight(fail(1))))
    )
).pipe(Command.withDescription("Run DuckDB SQL on the warehouse and print the result."))
