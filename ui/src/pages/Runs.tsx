import { useEffect, useMemo, useRef, useState } from "preact/hooks"
import { get, post, fmtInt, type TaskEvent } from "../api"
import { Chart } from "../components/Chart"
import { TaskPanel, useTask } from "../components/TaskPanel"
import type { AskConfirm } from "../main"

interface DagNode {
  name: string
  role: string
  kind: string
  level: number
  needs: string[]
  description: string
}
interface NodeState {
  status: string
  rows_in?: number
  rows_out?: number
  error?: string | null
}

const COLORS: Record<string, string> = {
  success: "#2e8b57",
  partial: "#d4a017",
  failed: "#c0392b",
  skipped: "#999",
  interrupted: "#8e44ad",
  running: "#2f80ed",
  pending: "#ccc"
}

const NODE_W = 132
const COL_W = 165
const ROW_H = 48
/** At most this many nodes a column: a level with more (20 sources) wraps into side-by-side columns. */
const PER_COL = 10

/** Levels left to right; a crowded level is split into columns of at most PER_COL, each centred on the axis. */
const layoutDag = (nodes: DagNode[]) => {
  const byLevel = new Map<number, DagNode[]>()
  for (const n of nodes) byLevel.set(n.level, [...(byLevel.get(n.level) ?? []), n])
  const pos = new Map<string, { x: number; y: number }>()
  let col = 0,
    rows = 0
  for (const level of [...byLevel.keys()].sort((a, b) => a - b)) {
    const row = byLevel.get(level)!
    const cols = Math.ceil(row.length / PER_COL)
    const perCol = Math.ceil(row.length / cols)
    rows = Math.max(rows, perCol)
    row.forEach((n, i) => {
      const c = Math.floor(i / perCol),
        inCol = Math.min(perCol, row.length - c * perCol)
      // A gap between levels, wider than between the columns of one level, so levels stay apart.
      pos.set(n.name, { x: (col + c) * COL_W + level * 40, y: ((i % perCol) - (inCol - 1) / 2) * ROW_H })
    })
    col += cols
  }
  return { pos, rows }
}

/** "27 of 27 nodes done (1 skipped)": a skipped node is finished, and counted apart so it never reads as a success. */
const summaryOf = (nodes: ReadonlyArray<NodeState>) => {
  const n = (...st: string[]) => nodes.filter((x) => st.includes(x.status)).length
  const extra = [n("skipped") && `${n("skipped")} skipped`, n("failed") && `${n("failed")} failed`].filter(Boolean)
  return `${n("success", "partial", "skipped")} of ${nodes.length} nodes done${extra.length ? ` (${extra.join(", ")})` : ""}`
}

export const RunsPage = ({ askConfirm }: { askConfirm: AskConfirm }) => {
  const [dag, setDag] = useState<{ nodes: DagNode[]; sources: string[] } | null>(null)
  const [runs, setRuns] = useState<any[]>([])
  const [selected, setSelected] = useState<string | null>(null)
  const [detail, setDetail] = useState<any>(null)
  const [live, setLive] = useState<Record<string, NodeState>>({})
  const [taskId, setTaskId] = useState<string | null>(null)
  const [backfill, setBackfill] = useState({ node: "", since: "", until: "" })
  const [err, setErr] = useState<string | null>(null)

  const loadRuns = (first = false) =>
    get("/api/runs").then((r) => {
      setRuns(r.runs)
      // Opened while a run goes: follow it; otherwise show the latest run.
      if (first && r.active) setTaskId(r.active.id)
      else if (first && r.runs[0]) setSelected(r.runs[0].run_id)
    })
  const showRun = (runId: string) => {
    setSelected(runId)
    return get(`/api/runs/${runId}`).then(setDetail)
  }
  useEffect(() => {
    get("/api/dag").then(setDag)
    void loadRuns(true)
  }, [])
  useEffect(() => {
    if (selected) get(`/api/runs/${selected}`).then(setDetail)
  }, [selected])

  const onEvent = (e: TaskEvent) => {
    if (e.type === "run_started") {
      setLive(Object.fromEntries(e.nodes.map((n: string) => [n, { status: "pending" }])))
      setSelected(null)
      setDetail(null)
      void loadRuns()
    }
    if (e.type === "node_started") setLive((l) => ({ ...l, [e.node]: { status: "running" } }))
    if (e.type === "node_progress")
      setLive((l) => ({ ...l, [e.node]: { ...l[e.node], status: "running", rows_out: e.rows ?? e.done } }))
    if (e.type === "node_finished")
      setLive((l) => ({ ...l, [e.node]: { status: e.status, rows_in: e.rowsIn, rows_out: e.rowsOut, error: e.error } }))
    if (e.type === "task_finished") {
      void loadRuns().then(() => e.result?.runId && showRun(e.result.runId))
    }
  }
  const task = useTask(taskId, onEvent)
  const running = task?.status === "running"
  // A run this page did not start (a schedule of `jobsignal up` fired, another tab): followed live once it shows up.
  const following = useRef<{ id: string | null; running: boolean }>({ id: null, running: false })
  following.current = { id: taskId, running }
  useEffect(() => {
    const seen = new Set<string>()
    let first = true
    const tick = () =>
      get<{ tasks: Array<{ id: string; kind: string; status: string }> }>("/api/tasks").then(
        (r) => {
          const runTasks = r.tasks.filter((t) => t.kind === "run")
          const fresh = first ? undefined : runTasks.find((t) => !seen.has(t.id))
          for (const t of runTasks) seen.add(t.id)
          first = false
          if (fresh && fresh.id !== following.current.id && !following.current.running) {
            setLive({})
            setTaskId(fresh.id)
          }
        },
        () => {}
      )
    void tick()
    const h = setInterval(tick, 1500)
    return () => clearInterval(h)
  }, [])
  const scheduled = /^(scheduled|catch-up)\b/.test(String(task?.events[0]?.title ?? ""))

  // While a run goes, the graph shows its live state; otherwise the selected run's ledger rows.
  const state: Record<string, NodeState> =
    running || (!detail && Object.keys(live).length)
      ? live
      : Object.fromEntries(
          (detail?.nodes ?? []).map((n: any) => [
            n.node,
            { status: n.status, rows_in: n.rows_in, rows_out: n.rows_out, error: n.error_message }
          ])
        )

  const layout = useMemo(() => (dag ? layoutDag(dag.nodes) : { pos: new Map(), rows: 0 }), [dag])
  const graph = useMemo(() => {
    if (!dag) return {}
    const data = dag.nodes.map((n) => {
      const st = state[n.name],
        at = layout.pos.get(n.name)!
      return {
        name: n.name,
        x: at.x,
        y: at.y,
        symbol: "roundRect",
        symbolSize: [NODE_W, 36],
        itemStyle: { color: COLORS[st?.status ?? ""] ?? "#e8edf3", borderColor: "#456", borderWidth: 1 },
        label: {
          show: true,
          color: st && st.status !== "pending" ? "#fff" : "#223",
          fontSize: 11,
          lineHeight: 14,
          // A node that did none of its work says so ("skipped"), not "0 rows" beside the successes.
          formatter: `${n.name}${
            !st
              ? ""
              : st.rows_out !== undefined && !["skipped", "failed", "interrupted"].includes(st.status)
                ? `\n${fmtInt(st.rows_out)} rows`
                : `\n${st.status}`
          }`
        },
        tooltip: {
          formatter: `${n.name} (${n.role} ${n.kind})<br/>${st ? `${st.status} · in ${fmtInt(st.rows_in)} · out ${fmtInt(st.rows_out)}${st.error ? `<br/>${st.error}` : ""}` : "not in this run"}`
        }
      }
    })
    const links = dag.nodes.flatMap((n) => n.needs.map((m) => ({ source: m, target: n.name })))
    return {
      tooltip: {},
      series: [
        {
          type: "graph",
          layout: "none",
          // The whole box: ECharts fits the node coordinates into it at one scale; node sizes stay in pixels.
          left: 90,
          right: 90,
          top: 30,
          bottom: 30,
          nodeScaleRatio: 0,
          roam: true,
          data,
          links,
          edgeSymbol: ["none", "arrow"],
          edgeSymbolSize: 7,
          lineStyle: { color: "#9ab", curveness: 0.15, opacity: 0.6 }
        }
      ]
    }
  }, [dag, JSON.stringify(state)])

  const start = async (body: Record<string, unknown>, what: string) => {
    // What it would cost, from the dry run (USD with a provider key; without one, $0 and what happens instead).
    const dry = await post<{ text?: string }>("/api/cli/dry-run", {
      ...(body.mode === "backfill"
        ? { backfill: { node: body.node, since: body.since, ...(body.until ? { until: body.until } : {}) } }
        : body.only
          ? { only: body.only }
          : {})
    }).catch(() => ({}) as { text?: string })
    const cost = (dry.text ?? "")
      .split("\n")
      .filter((l) =>
        /^(estimated LLM cost|no LLM provider key|no node of this run calls|no downstream node calls)/.test(l)
      )
    askConfirm({
      title: `Start ${what}?`,
      body: (
        <div>
          <p>This writes to the warehouse; it runs in this server process and can be cancelled.</p>
          {cost.length > 0 && (
            <p class="notice" data-testid="run-estimate">
              {cost.join(" ")}
            </p>
          )}
        </div>
      ),
      confirmLabel: "Start",
      onConfirm: () => {
        setErr(null)
        setLive({})
        void post("/api/runs", { ...body, confirm: true }).then(
          (t) => setTaskId(t.id),
          (e) => setErr(e.message)
        )
      }
    })
  }

  return (
    <div>
      <h1>Runs</h1>
      <div class="opsbar">
        <button
          type="button"
          class="primary"
          disabled={running}
          onClick={() => void start({ mode: "run" }, "a run of the whole DAG")}
          data-testid="start-run"
        >
          Start run…
        </button>
        <span class="sep" />
        <select
          value={backfill.node}
          onChange={(e) => setBackfill({ ...backfill, node: (e.target as HTMLSelectElement).value })}
          data-testid="backfill-node"
        >
          <option value="">Backfill source…</option>
          {dag?.sources.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <input
          type="date"
          value={backfill.since}
          onInput={(e) => setBackfill({ ...backfill, since: (e.target as HTMLInputElement).value })}
          aria-label="since"
          data-testid="backfill-since"
        />
        <input
          type="date"
          value={backfill.until}
          onInput={(e) => setBackfill({ ...backfill, until: (e.target as HTMLInputElement).value })}
          aria-label="until"
        />
        <button
          type="button"
          disabled={running || !backfill.node || !backfill.since}
          data-testid="start-backfill"
          onClick={() =>
            void start(
              { mode: "backfill", node: backfill.node, since: backfill.since, until: backfill.until || undefined },
              `a backfill of ${backfill.node} since ${backfill.since}`
            )
          }
        >
          Start backfill…
        </button>
      </div>
      {err && <p class="error">{err}</p>}
      <section class="card">
        <h2>
          DAG{" "}
          {running ? (
            <span class="badge status-running" data-testid="run-live">
              live
            </span>
          ) : selected ? (
            <span class="muted small">run {selected}</span>
          ) : null}
        </h2>
        <Chart testId="dag-graph" option={graph} height={Math.max(320, layout.rows * ROW_H + 60)} />
        <div class="legend">
          {Object.entries(COLORS).map(([k, c]) => (
            <span key={k}>
              <i style={{ background: c }} />
              {k}
            </span>
          ))}
        </div>
        <p class="muted small" data-testid="live-summary">
          {summaryOf(Object.values(state))}
        </p>
      </section>
      <TaskPanel
        task={task}
        title={scheduled ? String(task?.events[0]?.title) : "DAG run"}
        askConfirm={askConfirm}
        cancellable={!scheduled}
      />
      <div class="cols">
        <section class="card">
          <h2>Recent runs</h2>
          <table class="grid compact" data-testid="runs-table">
            <thead>
              <tr>
                <th>Run</th>
                <th>Mode</th>
                <th>Status</th>
                <th>Started</th>
                <th>s</th>
                <th>Nodes ok</th>
                <th>Rows out</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr
                  key={r.run_id}
                  class={r.run_id === selected ? "selected" : ""}
                  onClick={() => setSelected(r.run_id)}
                  data-testid="run-row"
                >
                  <td>{r.run_id}</td>
                  <td>{r.mode}</td>
                  <td>
                    <span class={`badge status-${r.status}`}>{r.status}</span>
                  </td>
                  <td>{r.started}</td>
                  <td class="num">{r.seconds}</td>
                  <td class="num">
                    {r.ok}/{r.nodes}
                  </td>
                  <td class="num">{fmtInt(r.rows_out)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        {detail && (
          <section class="card">
            <h2>Nodes of {detail.run.run_id}</h2>
            <table class="grid compact" data-testid="run-nodes">
              <thead>
                <tr>
                  <th>Node</th>
                  <th>Status</th>
                  <th>In</th>
                  <th>Out</th>
                  <th>s</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {detail.nodes.map((n: any) => (
                  <tr key={n.node}>
                    <td>{n.node}</td>
                    <td>
                      <span class={`badge status-${n.status}`}>{n.status}</span>
                    </td>
                    <td class="num">{fmtInt(n.rows_in)}</td>
                    <td class="num">{fmtInt(n.rows_out)}</td>
                    <td class="num">{n.seconds}</td>
                    <td class="small">{n.error_message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {detail.errors.length > 0 && (
              <details>
                <summary>{detail.errors.length} source error(s)</summary>
                <ul class="small">
                  {detail.errors.map((e: any, i: number) => (
                    <li key={i}>
                      {e.node} {e.unit}: {e.error_tag}/{e.reason} — {e.message}
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </section>
        )}
      </div>
    </div>
  )
}
