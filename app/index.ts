/**
 * The composition root: the one module that knows every domain. The engine (pipelines/), sinks/ and dq/ are
 * handed what they run — node kinds to `loadDag(file, kinds)` (the runner resolves nodes in the loaded DAG's
 * kinds), migrations to `Warehouse.layer({ path, migrations })` — and import no source, transform or target.
 * Everything else that depends on which sources exist (the universe's providers, dedupe's ATS URL keys, the
 * JSON schema, the conformance suite) is derived from the one list in app/sources.ts.
 */
import { compose } from "./compose.ts"
import { sources } from "./sources.ts"

export const app = compose(sources)
export const { kinds, AtsProvider, ats } = app

export { boardSources, sources } from "./sources.ts"
export { compose, type Composition } from "./compose.ts"
export { migrations } from "./migrations.ts"
