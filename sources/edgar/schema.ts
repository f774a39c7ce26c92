import { Schema } from "effect"
import type { FormD } from "./formd.ts"

/** https://www.sec.gov/files/company_tickers.json: {"0": {cik_str, ticker, title}, ...}. */
export const TickerEntry = Schema.Struct({ cik_str: Schema.Number, ticker: Schema.String, title: Schema.String })
export const CompanyTickers = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** The columnar filing table of `filings.recent` and of each `filings.files` page. */
export const FilingColumns = Schema.Struct({
  accessionNumber: Schema.Array(Schema.String),
  filingDate: Schema.Array(Schema.String),
  reportDate: Schema.optional(Schema.Array(Schema.String)),
  form: Schema.Array(Schema.String),
  items: Schema.optional(Schema.Array(Schema.String)),
  primaryDocument: Schema.optional(Schema.Array(Schema.String))
})
export type FilingColumns = typeof FilingColumns.Type

/** https://data.sec.gov/submissions/CIK##########.json (fields we read). */
export const Submissions = Schema.Struct({
  cik: Schema.String,
  name: Schema.String,
  tickers: Schema.optional(Schema.Array(Schema.String)),
  website: Schema.optional(Schema.NullOr(Schema.String)),
  sicDescription: Schema.optional(Schema.NullOr(Schema.String)),
  filings: Schema.Struct({
    recent: FilingColumns,
    files: Schema.optional(
      Schema.Array(
        Schema.Struct({
          name: Schema.String,
          filingFrom: Schema.optional(Schema.String),
          filingTo: Schema.optional(Schema.String)
        })
      )
    )
  })
})

/** https://efts.sec.gov/LATEST/search-index (EDGAR full-text search, an Elasticsearch answer). */
export const EftsHit = Schema.Struct({
  _id: Schema.String,
  _source: Schema.Struct({
    ciks: Schema.Array(Schema.String),
    display_names: Schema.Array(Schema.String),
    form: Schema.String,
    file_date: Schema.String,
    adsh: Schema.String,
    items: Schema.optional(Schema.Array(Schema.String)),
    root_forms: Schema.optional(Schema.Array(Schema.String))
  })
})
export type EftsHit = typeof EftsHit.Type
export const EftsResponse = Schema.Struct({
  hits: Schema.Struct({
    total: Schema.optional(Schema.Struct({ value: Schema.Number })),
    hits: Schema.Array(Schema.Unknown)
  })
})

/** One filing as staged in `stg_filings`, whichever EDGAR endpoint it came from. */
export interface Filing {
  readonly origin: "submissions" | "current" | "search" | "form_d"
  readonly accession: string
  readonly cik: string
  readonly company: string
  readonly ticker: string | null
  readonly form: string
  /** YYYY-MM-DD: the time dimension of this source. */
  readonly filed_at: string
  readonly report_date: string | null
  readonly items: ReadonlyArray<string>
  /** "Item 5.03: Amendments to ..." lines as the getcurrent feed words them. */
  readonly item_text: string | null
  readonly url: string
  readonly document_url: string | null
  readonly website: string | null
  /** A Form D / D/A read from its primary document (amounts, industry, first sale); null for other forms. */
  readonly form_d?: FormD | null
}
