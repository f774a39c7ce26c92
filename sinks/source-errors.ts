import { table } from "./table.ts"

/** `source_errors`: one row per skipped record, failed unit or unfinished unit of a source node. Created by 0001_core. */
export const sourceErrors = table({
  name: "source_errors",
  createdBy: "0001_core",
  columns: {
    run_id: "VARCHAR NOT NULL",
    node: "VARCHAR NOT NULL",
    unit: "VARCHAR",
    error_tag: "VARCHAR NOT NULL",
    reason: "VARCHAR NOT NULL",
    message: "VARCHAR NOT NULL",
    occurred_at: "TIMESTAMPTZ NOT NULL"
  }
})
