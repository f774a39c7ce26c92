/** What a run tells the person watching it. The terminal and JSON reporters both read these. */
export type RunEvent =
  | {
      readonly type: "run_started"
      readonly runId: string
      readonly nodes: ReadonlyArray<string>
      readonly mode: string
    }
  | { readonly type: "node_started"; readonly node: string; readonly attempt: number }
  | {
      readonly type: "node_progress"
      readonly node: string
      readonly done: number
      readonly total?: number
      readonly rows?: number
    }
  | {
      readonly type: "node_retry"
      readonly node: string
      readonly attempt: number
      readonly delayMs: number
      readonly error: string
    }
  | {
      readonly type: "node_finished"
      readonly node: string
      readonly status: string
      readonly rowsIn: number
      readonly rowsOut: number
      readonly ms: number
      readonly error?: string
      readonly notes?: ReadonlyArray<string>
    }
  | { readonly type: "warning"; readonly node?: string; readonly message: string }
  | { readonly type: "info"; readonly node?: string; readonly message: string }
  | {
      readonly type: "run_finished"
      readonly runId: string
      readonly status: string
      readonly ms: number
      /** Why a `skipped` run did nothing. */
      readonly reason?: string
    }

export interface Events {
  readonly emit: (e: RunEvent) => void
}

export const silentEvents: Events = { emit: () => {} }

export const collectingEvents = (): Events & { readonly seen: RunEvent[] } => {
  const seen: RunEvent[] = []
  return { seen, emit: (e) => void seen.push(e) }
}
