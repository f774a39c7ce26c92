import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { BenchCase } from "./index.ts"
import { fixturesDir } from "../sources/replay.ts"
import { parseHiringComment } from "../sources/hn/parse.ts"
import { parseLinkedInCards } from "../sources/search/linkedin.ts"
import { jobPostingNodes, jobPostingToPosting, jsonLdBlocks } from "../sources/jsonld/parse.ts"

const rate = (n: number, f: () => number) => {
  const t0 = performance.now()
  let items = 0
  for (let i = 0; i < n; i++) items += f()
  return (items / (performance.now() - t0)) * 1000
}

/** Parser throughput of the board sources on their recordings (no network). */
export const bench: BenchCase = {
  name: "job-board parsers",
  run: async () => {
    const hn = JSON.parse(
      readFileSync(join(fixturesDir, "hn/hn-algolia-search-comments-story_47975571.json"), "utf8")
    ).hits
    const li = readFileSync(join(fixturesDir, "linkedin/hunt-seeMoreJobPostings-kraken.html"), "utf8")
    const bi = readFileSync(join(fixturesDir, "builtin/builtin-job-6872535-innovaccer.html"), "utf8")
    return {
      "hn comments parsed / s": rate(20, () => hn.filter((h: any) => parseHiringComment(h).ok).length && hn.length),
      "linkedin cards parsed / s": rate(200, () => parseLinkedInCards(li).length),
      "builtin JSON-LD pages parsed / s": rate(
        200,
        () =>
          jobPostingNodes(jsonLdBlocks(bi).blocks).map((n) =>
            jobPostingToPosting(n, { source: "builtin", pageUrl: "x" })
          ).length
      )
    }
  }
}
