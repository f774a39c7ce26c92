/**
 * The composition root: the one module that knows every domain. The engine (pipelines/), sinks/ and dq/ are
 * handed what they run — node kinds to `loadDag(file, kinds)` (the runner resolves nodes in the loaded DAG's
 * kinds), migrations to `Warehouse.layer({ path, migrations })` — and import no source, transform or target.
 */
export { boardSources, sources } from "./sources.ts"
export { kinds, kindsWith } from "./kinds.ts"
export { migrations } from "./migrations.ts"
