import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { FixtureRoute } from "../source.ts"

const root = join(import.meta.dirname, "..", "..", "fixtures")
const recorded: Record<string, string> = {
  palantir: "lever/intern-radar-palantir-postings.json",
  outreach: "lever/candidatezero-outreach-postings.json",
  spotify: "lever/jobradar-lever-spotify-postings.json"
}

/**
 * The recorded listings, served the way Lever pages them: `skip`/`limit` slice the recorded array
 * (an absent `limit` returns all of it), so paging runs against real records and ends on a short page.
 */
export const leverFixtures: ReadonlyArray<FixtureRoute> = [
  {
    path: "/v0/postings/",
    handler: ({ url }) => {
      const site = url.pathname.split("/").pop() ?? ""
      const file = recorded[site]
      if (!file) return undefined
      const all = JSON.parse(readFileSync(join(root, file), "utf8")) as unknown[]
      const skip = Number(url.searchParams.get("skip") ?? 0)
      const limit = url.searchParams.has("limit") ? Number(url.searchParams.get("limit")) : all.length
      return { body: JSON.stringify(all.slice(skip, skip + limit)) }
    }
  }
]
