import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { FixtureRoute } from "../source.ts"

const root = join(import.meta.dirname, "..", "..", "fixtures")
const listings: Record<string, string> = {
  WesternDigital: "smartrecruiters/intern-radar-westerndigital-postings.json",
  HireVue: "smartrecruiters/candidatezero-hirevue-postings.json"
}

/**
 * Recorded listings served with SmartRecruiters' offset/limit slicing (totalFound as recorded:
 * HireVue's says 5 over the 3 the recording kept, so the pager asks past the end and gets an
 * empty page), and the one recorded posting detail at its own path.
 */
export const smartRecruitersFixtures: ReadonlyArray<FixtureRoute> = [
  {
    path: "/v1/companies/WesternDigital/postings/744000140949875",
    file: "smartrecruiters/intern-radar-westerndigital-posting-detail.json"
  },
  {
    path: "/v1/companies/",
    handler: ({ url }) => {
      const m = url.pathname.match(/\/v1\/companies\/([^/]+)\/postings$/)
      const file = m ? listings[decodeURIComponent(m[1])] : undefined
      if (!file) return undefined
      const page = JSON.parse(readFileSync(join(root, file), "utf8")) as { content: unknown[] }
      const offset = Number(url.searchParams.get("offset") ?? 0)
      const limit = Number(url.searchParams.get("limit") ?? 10)
      return { body: JSON.stringify({ ...page, offset, limit, content: page.content.slice(offset, offset + limit) }) }
    }
  }
]
