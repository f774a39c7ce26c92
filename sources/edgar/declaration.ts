import { Schema } from "effect"
import { baseSourceOptions } from "../options.ts"
import { stagingTable } from "../../sinks/table.ts"
import type { SourceDeclaration } from "../source.ts"

export const CurrentOptions = Schema.Struct({
  type: Schema.optional(Schema.String),
  count: Schema.optional(Schema.Int.pipe(Schema.between(1, 100))),
  start: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  pages: Schema.optional(Schema.Int.pipe(Schema.between(1, 50))),
  /** Keep only entries of the CIKs/tickers this node watches (default: true when it watches any). */
  watched_only: Schema.optional(Schema.Boolean)
})

/** Filings as `transform: signals` reads them. Source nodes created it at start until migration 0450 did. */
export const stgFilings = stagingTable({
  name: "stg_filings",
  createdBy: "0450_stg_filings",
  columns: {
    origin: "VARCHAR",
    accession: "VARCHAR",
    cik: "VARCHAR",
    company: "VARCHAR",
    ticker: "VARCHAR",
    form: "VARCHAR",
    filed_at: "DATE",
    report_date: "DATE",
    items: "VARCHAR[]",
    item_text: "VARCHAR",
    url: "VARCHAR",
    document_url: "VARCHAR",
    website: "VARCHAR",
    form_d: { type: "JSON", since: "0460_stg_filings_form_d" }
  }
})

export const EdgarOptions = Schema.Struct({
  ...baseSourceOptions,
  /** "App name contact@example.com", or "${ENV_VAR}"; default env SEC_USER_AGENT. SEC refuses anonymous clients. */
  user_agent: Schema.optional(Schema.String),
  ciks: Schema.optional(Schema.Array(Schema.Union(Schema.String, Schema.Number))),
  tickers: Schema.optional(Schema.Array(Schema.String.pipe(Schema.minLength(1)))),
  forms: Schema.optional(Schema.Array(Schema.String)),
  current: Schema.optional(Schema.Union(Schema.Literal(false), CurrentOptions)),
  /**
   * Form D mode (private raises): the watched companies' Form D / D/A filings and the daily form
   * index's new ones, each read from its `primary_doc.xml` into a `funding` signal by `transform: signals`.
   */
  form_d: Schema.optional(
    Schema.Union(
      Schema.Literal(false),
      Schema.Struct({
        /** Calendar days of the daily index to read, ending the day before the run (or at a backfill's end); default 1, weekends have none. */
        days: Schema.optional(Schema.Int.pipe(Schema.between(0, 31))),
        /** Exact index days (YYYY-MM-DD) instead of `days`, e.g. the days a replay has recorded. */
        dates: Schema.optional(Schema.Array(Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/)))),
        /** Also read the watched companies' own Form D / D/A filings from their submissions (default true). */
        watched: Schema.optional(Schema.Boolean),
        /** At most this many Form D documents per index day (default 200). */
        max: Schema.optional(Schema.Int.pipe(Schema.between(1, 5000)))
      })
    )
  ),
  search: Schema.optional(
    Schema.Array(
      Schema.Struct({
        q: Schema.String,
        forms: Schema.optional(Schema.String),
        pages: Schema.optional(Schema.Int.pipe(Schema.between(1, 10)))
      })
    )
  )
})

export type EdgarOptions = typeof EdgarOptions.Type

/** What dag.yaml and `validate` know of this source; the connector (index.ts) loads on a node's first run. */
export const edgarDeclaration: SourceDeclaration<EdgarOptions> = {
  kind: "edgar",
  description: "SEC EDGAR 8-K filings (submissions, getcurrent feed, full-text search)",
  options: EdgarOptions,
  table: stgFilings,
  timeDimension: "filed_at"
}
