import type { NodeContext } from "../pipelines/node.ts"

/**
 * SQL predicate selecting the staged rows this node reads: each needed node's rows from the run
 * whose output is committed (this run, or the last successful one for nodes not re-run).
 */
export const inputPredicate = (ctx: Pick<NodeContext, "inputs">, role?: "source" | "transform" | "sink") => {
  const ins = ctx.inputs.filter((i) => !role || i.role === role)
  if (ins.length === 0) return { sql: "false", params: [] as string[] }
  const params: string[] = []
  const parts = ins.map((i) => {
    params.push(i.node, i.runId)
    return `(node = $${params.length - 1} and run_id = $${params.length})`
  })
  return { sql: `(${parts.join(" or ")})`, params }
}
