import type { Events, RunEvent } from "./events.ts"

const fmtMs = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`)
const time = () => new Date().toISOString().slice(11, 19)

/** Terminal or JSON-lines reporter for run events, written to stderr so stdout stays for data. */
export const consoleEvents = (format: "text" | "json", out: NodeJS.WriteStream = process.stderr): Events => {
  const tty = format === "text" && out.isTTY === true
  let live = false
  let drawnAt = 0
  const clearLive = () => {
    if (live) out.write("\r\x1b[2K")
    live = false
  }
  const line = (s: string) => {
    clearLive()
    out.write(`${time()} ${s}\n`)
  }
  return {
    emit: (e: RunEvent) => {
      if (format === "json") return void out.write(JSON.stringify({ at: new Date().toISOString(), ...e }) + "\n")
      switch (e.type) {
        case "run_started":
          return line(`run ${e.runId} (${e.mode}): ${e.nodes.join(", ")}`)
        case "node_started":
          return line(`▶ ${e.node}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`)
        case "node_progress": {
          // Redrawn at most 10 times a second: a terminal write is synchronous, and a fan-out ends a unit every few ms.
          const now = Date.now()
          if (!tty || (now - drawnAt < 100 && e.done !== e.total)) return
          drawnAt = now
          clearLive()
          out.write(
            `  … ${e.node}: ${e.done}${e.total !== undefined ? `/${e.total}` : ""} units${e.rows !== undefined ? `, ${e.rows} rows` : ""}`
          )
          live = true
          return
        }
        case "node_retry":
          return line(`↻ ${e.node}: retry ${e.attempt} in ${fmtMs(e.delayMs)} after ${e.error}`)
        case "node_finished": {
          const mark = e.status === "success" ? "✓" : e.status === "partial" ? "◐" : e.status === "skipped" ? "○" : "✗"
          return line(
            `${mark} ${e.node} ${e.status}: ${e.rowsIn} in → ${e.rowsOut} out, ${fmtMs(e.ms)}${e.error ? ` — ${e.error}` : ""}`
          )
        }
        case "warning":
          return line(`! ${e.node ? `${e.node}: ` : ""}${e.message}`)
        case "info":
          return line(`· ${e.node ? `${e.node}: ` : ""}${e.message}`)
        case "run_finished":
          return line(`run ${e.runId} ${e.status}${e.reason ? ` — ${e.reason}` : ""} in ${fmtMs(e.ms)}`)
      }
    }
  }
}

/** Plain aligned table for the terminal. */
export const formatTable = (rows: ReadonlyArray<Record<string, unknown>>, columns?: ReadonlyArray<string>): string => {
  if (rows.length === 0) return "(no rows)"
  const cols = columns ?? Object.keys(rows[0])
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v)
    return s.length > 60 ? s.slice(0, 57) + "..." : s.replace(/\n/g, " ")
  }
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
  const fmt = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]))
      .join("  ")
      .trimEnd()
  return [
    fmt([...cols]),
    fmt(widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => fmt(cols.map((c) => cell(r[c]))))
  ].join("\n")
}

export const toCsv = (rows: ReadonlyArray<Record<string, unknown>>): string => {
  if (rows.length === 0) return ""
  const cols = Object.keys(rows[0])
  const esc = (v: unknown) => {
    const s = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v)
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return [cols.join(","), ...rows.map((r) => cols.map((c) => esc(r[c])).join(","))].join("\n")
}
