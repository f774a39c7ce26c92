import { expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { dagJsonSchemaText } from "../../pipelines/json-schema.ts"
import { kinds } from "../../app/index.ts"

it("dag.schema.json is generated from the current Schemas (run `npm run schema` when this fails)", () => {
  expect(readFileSync("dag.schema.json", "utf8")).toBe(dagJsonSchemaText(kinds))
})
