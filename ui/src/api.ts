/** The dashboard's client for the JSON API (pipelines/serve/server.ts). */

import { sseData } from "../../core/sse.ts"

const TOKEN_KEY = "jobsignal-ui-token"

// A token given once as ?token=… is kept for the tab and removed from the address bar.
const fromUrl = new URLSearchParams(location.search).get("token")
if (fromUrl) {
  sessionStorage.setItem(TOKEN_KEY, fromUrl)
  history.replaceState(null, "", location.pathname + location.hash)
}

const headers = (extra: Record<string, string> = {}) => {
  const t = sessionStorage.getItem(TOKEN_KEY)
  return { ...extra, ...(t ? { authorization: `Bearer ${t}` } : {}) }
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

const handle = async <T>(res: Response): Promise<T> => {
  if (res.status === 401) {
    const t = prompt("This dashboard needs its token (JOBSIGNAL_UI_TOKEN):")
    if (t) {
      sessionStorage.setItem(TOKEN_KEY, t)
      location.reload()
    }
  }
  const body = await res.json().catch(() => ({ error: res.statusText }))
  if (!res.ok) throw new ApiError(res.status, (body as { error?: string }).error ?? res.statusText)
  return body as T
}

export const get = <T = any>(path: string) => fetch(path, { headers: headers() }).then((r) => handle<T>(r))

// Mutations carry the server's per-start request token, which only a page on the server's own origin can read.
let session: Promise<{ requestToken: string; header: string }> | undefined
const requestToken = () =>
  (session ??= get<{ requestToken: string; header: string }>("/api/session").catch((e) => {
    session = undefined
    throw e
  }))

export const post = async <T = any>(path: string, body: unknown) => {
  const s = await requestToken()
  return fetch(path, {
    method: "POST",
    headers: headers({ "content-type": "application/json", [s.header]: s.requestToken }),
    body: JSON.stringify(body)
  }).then((r) => handle<T>(r))
}

export interface TaskEvent {
  seq: number
  at: string
  type: string
  [k: string]: any
}

/**
 * Server-sent events read with fetch (so the token header goes along, which EventSource cannot do).
 * Returns a function that stops listening.
 */
export const subscribe = (taskId: string, onEvent: (e: TaskEvent) => void, onEnd?: () => void) => {
  const ctrl = new AbortController()
  void (async () => {
    try {
      const res = await fetch(`/api/tasks/${encodeURIComponent(taskId)}/events`, {
        headers: headers(),
        signal: ctrl.signal
      })
      if (!res.body) return
      for await (const data of sseData(res.body)) onEvent(JSON.parse(data))
    } catch (e) {
      if ((e as Error).name !== "AbortError") console.error(e)
    } finally {
      onEnd?.()
    }
  })()
  return () => ctrl.abort()
}

export const fmtUsd = (n: number | null | undefined) =>
  n === null || n === undefined ? "—" : n < 0.01 && n > 0 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`
export const fmtInt = (n: number | string | null | undefined) =>
  n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US")
export const salary = (j: {
  salary_min?: number | null
  salary_max?: number | null
  salary_currency?: string | null
}) => {
  const k = (n: number) => (n >= 1000 ? `${Math.round(n / 1000)}k` : String(n))
  if (j.salary_min == null && j.salary_max == null) return ""
  const range =
    j.salary_min != null && j.salary_max != null && j.salary_min !== j.salary_max
      ? `${k(j.salary_min)}–${k(j.salary_max)}`
      : k((j.salary_max ?? j.salary_min)!)
  return `${j.salary_currency ?? ""} ${range}`.trim()
}

export { safeHref } from "./links"
