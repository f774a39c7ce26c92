import { Effect, Layer } from "effect"
import { copyFileSync, cpSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Warehouse } from "../../sinks/warehouse.ts"
import { Http } from "../../sources/http.ts"
import { loadDag, type LoadedDag } from "../../pipelines/load.ts"
import type { NodeContext } from "../../pipelines/node.ts"
import { runDag, type RunRequest } from "../../pipelines/runner.ts"
import { collectingEvents } from "../../pipelines/events.ts"
import { kinds, migrations } from "../../app/index.ts"

export const tempDir = (prefix = "jobsignal-test-") => mkdtempSync(join(tmpdir(), prefix))

/** A temp dir holding the example profile (profile.yaml and the profile/ files it names), for a DAG that reads it. */
export const dirWithProfile = () => {
  const dir = tempDir()
  copyFileSync("profile.yaml", join(dir, "profile.yaml"))
  cpSync("profile", join(dir, "profile"), { recursive: true })
  return dir
}

/** A DAG written to a temp dir (so relative paths in it resolve there) and loaded. */
export const dagFrom = (yamlText: string, dir = tempDir(), nodeKinds: LoadedDag["kinds"] = kinds): LoadedDag => {
  const file = join(dir, "dag.yaml")
  writeFileSync(file, yamlText)
  return loadDag(file, nodeKinds)
}

/** The context a transform node `node` of `dag` runs with in run `runId`, reading the output of transform `input`. */
export const transformCtx = (dag: NodeContext["dag"], node: string, input: string, runId = "r1"): NodeContext => ({
  runId,
  node,
  spec: {},
  dag,
  mode: "run",
  window: {},
  cursor: null,
  events: collectingEvents(),
  inputs: [{ node: input, role: "transform", kind: input, runId }]
})

/** Warehouse on a fresh file + real HTTP client: what the CLI runs with. */
export const testLayer = (dbPath = join(tempDir(), "test.duckdb")) =>
  Layer.mergeAll(Warehouse.layer({ path: dbPath, migrations }), Http.layer({ timeoutMs: 5_000 }))

export const run = (req: Omit<RunRequest, "events"> & { events?: RunRequest["events"] }) => {
  const events = req.events ?? collectingEvents()
  return runDag({ ...req, events }).pipe(Effect.map((summary) => ({ summary, events })))
}

/** Runs an Effect needing the warehouse against one db file, closing it afterwards. */
export const withDb = <A, E>(dbPath: string, eff: Effect.Effect<A, E, Warehouse | Http>) =>
  Effect.runPromise(Effect.scoped(eff.pipe(Effect.provide(testLayer(dbPath)))) as Effect.Effect<A, E, never>)
