import { Effect } from "effect"
import { hostname } from "node:os"
import { killPoint } from "../../core/killpoints.ts"
import { encodeError, type TaskHandler } from "../../pipelines/executor.ts"
import type { LoadedDag } from "../../pipelines/load.ts"
import { makeClient } from "./clients.ts"
import { resolveLlmSettings } from "./config.ts"
import { LLM_HANDLER, type LlmCallTask, llmCapability } from "./remote.ts"

/**
 * A worker's side of the LLM queues: a real SDK client for each provider whose key is in this machine's environment
 * (or `.env`), and only those providers' queues taken from. What it says it can do is how a coordinator, which may
 * hold no key, knows a provider is there.
 */
export const llmTaskHandler = (dag: Pick<LoadedDag, "spec" | "path">, env: Record<string, string | undefined>) =>
  Effect.map(resolveLlmSettings(dag, env), (settings): TaskHandler => {
    const clients = new Map([...settings.providers].map(([name, p]) => [name, makeClient(p, settings.timeoutMs)]))
    return {
      name: LLM_HANDLER,
      capabilities: [...clients.keys()].map(llmCapability),
      accepts: (q) => clients.has(q.host),
      run: async (payload, attempts) => {
        const task = payload as LlmCallTask
        const client = clients.get(task.provider)
        if (!client)
          return {
            error: {
              _tag: "Fatal",
              reason: "Auth",
              message: `${task.provider}: no key on worker ${hostname()}:${process.pid}`
            },
            attempts
          }
        try {
          const answer = await Effect.runPromise(Effect.either(client.complete(task.request)))
          // The fault test kills a worker here: the provider answered (and billed), the answer not yet handed back.
          killPoint("worker_llm_call")
          return answer._tag === "Right"
            ? { value: answer.right, attempts }
            : { error: encodeError(answer.left), attempts }
        } catch (e) {
          return { defect: e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 300) : typeof e, attempts }
        }
      }
    }
  })
