import { existsSync } from "node:fs"
import type { TargetsHook } from "../sources/source.ts"
import { companyIndex, loadTargets } from "../targets/universe.ts"

export const defaultTargets = "targets/companies.yaml"
export const defaultUniverse = "targets/universe.json"

/**
 * Where a source node's companies come from: `targets:` (the focus list) by default, `universe:` under
 * `with.universe: all`; a board's display name from the universe (else from the targets file), so a job from a
 * board in `with.boards` (the demo's recorded ones) carries its company's name and domain too.
 */
export const sourceTargets: TargetsHook = (dag, opts) => {
  const targetsPath = dag.resolvePath(dag.spec.targets ?? defaultTargets)
  const universePath = dag.resolvePath(dag.spec.universe ?? defaultUniverse)
  const all = opts.universe === "all"
  let index: ReturnType<typeof companyIndex> | null | undefined
  return {
    targets: () => loadTargets(all ? universePath : targetsPath),
    companyOf: (ats, board) => {
      if (index === undefined) {
        const file = [universePath, targetsPath].find((f) => existsSync(f))
        try {
          index = file ? companyIndex(loadTargets(file)) : null
        } catch {
          // A broken universe stops the nodes that fan out over it (targets()); here it only costs names.
          index = null
        }
      }
      return index?.of(ats, board)
    }
  }
}
