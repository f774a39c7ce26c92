import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fixturesDir } from "../replay.ts"
import { REPLAY_FORM_D_DATES, replayWatchList } from "./fixtures.ts"
import { padCik } from "./urls.ts"

let tickers: Map<string, string> | undefined
const tickerCik = (t: string) => {
  tickers ??= new Map(
    Object.values(
      JSON.parse(readFileSync(join(fixturesDir, "edgar/company_tickers.json"), "utf8")) as Record<
        string,
        { cik_str: number; ticker: string }
      >
    ).map((e) => [e.ticker.toUpperCase(), padCik(e.cik_str)])
  )
  return tickers.get(t)
}

/**
 * The edgar node's replay: its own tickers and CIKs where their filings are recorded (the rest named in
 * the note), the recorded getcurrent page, and the Form D index days the replay has.
 */
export const edgarReplayFor = (base: Record<string, unknown>) => (nodeWith: Record<string, unknown>) => {
  const w = replayWatchList(
    {
      tickers: (nodeWith.tickers as string[] | undefined) ?? [],
      ciks: (nodeWith.ciks as Array<string | number> | undefined) ?? []
    },
    tickerCik
  )
  const watching = [...w.tickers, ...w.ciks.map((c) => `CIK ${c}`)]
  const note =
    w.missing.length > 0
      ? `edgar replay: no recorded filings for ${w.missing.join(", ")} (the node's watch list): not read in the replay, a live run reads them; watching ${watching.length > 0 ? watching.join(", ") : "none of its companies"}, plus the recorded getcurrent page and Form D index days ${REPLAY_FORM_D_DATES.join(", ")}`
      : undefined
  return {
    options: { ...base, tickers: w.tickers, ciks: w.ciks, form_d: { dates: REPLAY_FORM_D_DATES, watched: false } },
    ...(note ? { note } : {})
  }
}
