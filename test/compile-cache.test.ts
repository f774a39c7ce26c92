import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli, ensureBuilt } from "./support/cli.ts"

// bin/compile-cache.js: the built CLI keeps a V8 code cache per command outside the package.
const dir = mkdtempSync(join(tmpdir(), "jobsignal-compile-cache-"))
const env = { XDG_CACHE_HOME: dir, SEC_USER_AGENT: "test test@example.com" }
const dag = join(import.meta.dirname, "..", "dag.yaml")
/** The one folder of this checkout's dist/ under the cache root, and its files. */
const cached = () => {
  const root = join(dir, "jobsignal", "v8")
  const [folder, ...others] = readdirSync(root)
  expect(others).toEqual([])
  return { folder: join(root, folder), files: readdirSync(join(root, folder)) }
}

describe("the built CLI's code cache", { timeout: 120_000 }, () => {
  beforeAll(() => ensureBuilt())
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("a command's first run writes one per chunk it compiled; the next runs from it and answers the same", async () => {
    const first = await cli(["validate", "--dag", dag], env)
    expect(first).toMatchObject({ code: 0, stderr: "" })
    const { files } = cached()
    // Keyed by chunk, content hash and command; main.js is the entry every command compiles.
    expect(files.some((f) => /^main\.[0-9a-f]{20}\.validate\.v8$/.test(f))).toBe(true)
    expect(files.every((f) => f.endsWith(".validate.v8"))).toBe(true)
    const again = await cli(["validate", "--dag", dag], env)
    expect(again).toEqual(first)
    expect(cached().files).toEqual(files)
    // Another command has caches of its own beside them.
    expect((await cli(["plan", "--dag", dag], env)).code).toBe(0)
    expect(cached().files.filter((f) => f.endsWith(".plan.v8")).length).toBeGreaterThan(0)
  })

  it("bytes V8 rejects are ignored and replaced: the command still answers", async () => {
    const { folder, files } = cached()
    const main = files.find((f) => /^main\..*\.validate\.v8$/.test(f)) as string
    writeFileSync(join(folder, main), "not a code cache")
    const r = await cli(["validate", "--dag", dag], env)
    expect(r).toMatchObject({ code: 0, stdout: `${dag}: valid\n`, stderr: "" })
    expect(readFileSync(join(folder, main), "utf8")).not.toBe("not a code cache")
  })

  it("an unusable cache folder costs nothing but the cache", async () => {
    // A file where the folder would be: nothing can be written, nothing is said.
    const r = await cli(["validate", "--dag", dag], { ...env, XDG_CACHE_HOME: dag })
    expect(r).toMatchObject({ code: 0, stdout: `${dag}: valid\n`, stderr: "" })
  })
})
