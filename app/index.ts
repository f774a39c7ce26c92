/**
 * The composition root: the one module that knows every domain. The engine (pipelines/), sinks/ and dq/ are
 * handed what they run — node kinds to `loadDag(file, kinds)` (the runner resolves nodes in the loaded DAG's
 * kinds), migrations to `Warehouse.layer({ path, migrations })` — and import no source, transform or target.
 * Everything else that depends on which sources exist (the universe's providers, dedupe's ATS URL keys, the
 * JSON schema, the conformance suite) is derived from the one list in app/connectors.ts. Importing this module
 * imports every connector; app/composition.ts gives the kinds without them.
 */
import { compose } from "./compose.ts"
import { sources } from "./sources.ts"

/** The composition over the imported connectors (the conformance suite and the replay server read their fixtures). */
export const app = compose(sources)
export { kinds, AtsProvider, ats } from "./composition.ts"

export { boardSources, sources } from "./sources.ts"
export { connectors, boardConnectors } from "./connectors.ts"
export { compose, type Composition } from "./compose.ts"
export { migrations } from "./migrations.ts"
