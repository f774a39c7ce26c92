import { REQUEST_TOKEN_HEADER } from "../serve/auth.ts"
import type { UpInfo } from "../../sinks/up-file.ts"

/**
 * A POST to the `jobsignal up` that owns the warehouse, as the dashboard's own page sends it (request token, JSON,
 * the bearer token when JOBSIGNAL_UI_TOKEN is set). Rejects with up's own message, naming the process that gave it.
 */
export const postToUp = async <T>(up: UpInfo, path: string, body: unknown, ok: (b: T) => boolean = () => true) => {
  try {
    const token = process.env.JOBSIGNAL_UI_TOKEN
    const res = await fetch(`${up.url}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [REQUEST_TOKEN_HEADER]: up.requestToken,
        ...(token ? { authorization: `Bearer ${token}` } : {})
      },
      body: JSON.stringify(body)
    })
    const answer = (await res.json().catch(() => ({}))) as T & { error?: string }
    if (!res.ok || !ok(answer)) throw new Error(answer.error ?? `HTTP ${res.status}`)
    return answer
  } catch (e) {
    throw new Error(`jobsignal up (pid ${up.pid}, ${up.url}) owns the warehouse and answered: ${(e as Error).message}`)
  }
}
