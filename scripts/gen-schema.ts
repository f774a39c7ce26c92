/** `npm run schema`: writes dag.schema.json from the DAG and node-option Schemas. */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { dagJsonSchemaText } from "../pipelines/json-schema.ts"
import { kinds } from "../app/index.ts"

const out = join(import.meta.dirname, "..", "dag.schema.json")
writeFileSync(out, dagJsonSchemaText(kinds))
console.log(`wrote ${out}`)
