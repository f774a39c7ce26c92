import { Effect } from "effect"
import type { NodeKind, NodeKindDeclaration } from "./node.ts"

/**
 * A node kind whose implementation is imported on its first run. `validate`, `plan` and the loader read only the
 * declaration, so they start without compiling any connector, transform or sink (bench/cli-startup).
 */
export const lazyKind = <Opts>(
  declaration: NodeKindDeclaration<Opts>,
  load: () => Promise<NodeKind<Opts>>
): NodeKind<Opts> => {
  let loaded: Promise<NodeKind<Opts>> | undefined
  return {
    ...declaration,
    // An implementation that fails to import is a broken build, not a node failure: a defect, as a throw would be.
    run: (opts, ctx) =>
      Effect.flatMap(
        Effect.promise(() => (loaded ??= load())),
        (kind) => kind.run(opts, ctx)
      )
  }
}
