import type { Source } from "../sources/source.ts"
import { boardConnectors, connectors } from "./connectors.ts"

/**
 * Every registered connector, imported: for what works with a connector's internals (the replay server, the
 * conformance suite, the demo). Node kinds need none of this: they import their connector on first run.
 */
export const sources: ReadonlyArray<Source> = await Promise.all(connectors.map((c) => c.load()))

/** The job boards and free job APIs among them (app/connectors.ts). */
export const boardSources: ReadonlyArray<Source> = sources.filter((s) => boardConnectors.some((b) => b.kind === s.kind))
