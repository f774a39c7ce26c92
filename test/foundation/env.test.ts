import { describe, expect, it } from "vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { expandEnv, loadDotEnv } from "../../pipelines/env.ts"
import { tempDir } from "../support/harness.ts"
import { cli } from "../support/cli.ts"

const dotEnv = (text: string) => {
  const dir = tempDir()
  writeFileSync(join(dir, ".env"), text)
  return dir
}

describe(".env", () => {
  it("sets variables the environment lacks; a variable already in the environment wins", () => {
    const dir = dotEnv(
      '# endpoints\nMONGODB_URI=mongodb://127.0.0.1:1/x\nexport SEC_USER_AGENT="jobsignal me@example.com"\nOPENAI_API_KEY=from-file\n\n'
    )
    const env: Record<string, string | undefined> = { OPENAI_API_KEY: "from-env" }
    const r = loadDotEnv(dir, env)
    expect(env).toEqual({
      MONGODB_URI: "mongodb://127.0.0.1:1/x",
      SEC_USER_AGENT: "jobsignal me@example.com",
      OPENAI_API_KEY: "from-env"
    })
    expect(r).toEqual({ file: join(dir, ".env"), set: ["MONGODB_URI", "SEC_USER_AGENT"], kept: ["OPENAI_API_KEY"] })
  })

  it("keeps a quoted multi-line value; no .env is not an error", () => {
    const env: Record<string, string | undefined> = {}
    loadDotEnv(dotEnv('KEY="line one\nline two"\nNEXT=1\n'), env)
    expect(env).toEqual({ KEY: "line one\nline two", NEXT: "1" })
    expect(loadDotEnv(tempDir(), env)).toEqual({ set: [], kept: [] })
  })

  it("a malformed line fails naming the file and line, never the line's text", () => {
    const dir = dotEnv("GOOD=1\nDEEPSEEK_API_KEY sk-secret-value-123\nALSO=2\n = sk-other-secret\n")
    const env: Record<string, string | undefined> = {}
    let message = ""
    try {
      loadDotEnv(dir, env)
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toBe(
      `${join(dir, ".env")}:2: not a NAME=value line (also line 4); fix or remove it (comments start with #)`
    )
    expect(message).not.toContain("secret")
    expect(env).toEqual({})
  })

  it("an unclosed quote is reported at the line it opens; a byte-order mark is not a malformed line", () => {
    const dir = dotEnv("A=1\nK='never closed\nL=2\n")
    expect(() => loadDotEnv(dir, {})).toThrow(`${join(dir, ".env")}:2: not a NAME=value line`)
    const env: Record<string, string | undefined> = {}
    loadDotEnv(dotEnv('\uFEFFA=1\r\nB="two"\r\n'), env)
    expect(env).toEqual({ A: "1", B: "two" })
  })

  it("${VAR} in options is replaced from the environment; a string naming an unset one is dropped", () => {
    expect(
      expandEnv({ ua: "${UA}", nested: [{ k: "x-${UA}" }], key: "${NOPE}", n: 3 }, { UA: "me@example.com" })
    ).toEqual({ ua: "me@example.com", nested: [{ k: "x-me@example.com" }], n: 3 })
  })

  it("the CLI reads .env from its working directory and prints no value from it", { timeout: 120_000 }, async () => {
    // A name the test's own environment does not have, so only the .env can set it.
    const dir = dotEnv("JOBSIGNAL_TEST_DOTENV_UA=jobsignal dotenv-secret@example.com\n")
    writeFileSync(
      join(dir, "dag.yaml"),
      `version: 1\nnodes:\n  edgar:\n    source: edgar\n    with: { user_agent: "\${JOBSIGNAL_TEST_DOTENV_UA}", tickers: [UNH] }\n`
    )
    const without = await cli(["validate", "--dag", join(dir, "dag.yaml")])
    expect(without.code).toBe(1)
    const ok = await cli(["validate", "--dag", join(dir, "dag.yaml")], {}, dir)
    expect(ok.code).toBe(0)
    const bad = dotEnv("SEC_USER_AGENT jobsignal dotenv-secret@example.com\n")
    writeFileSync(join(bad, "dag.yaml"), "version: 1\nnodes: {}\n")
    const r = await cli(["validate", "--dag", join(bad, "dag.yaml")], {}, bad)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${join(bad, ".env")}:1: not a NAME=value line`)
    for (const out of [ok.stdout, ok.stderr, r.stdout, r.stderr, without.stdout, without.stderr])
      expect(out).not.toContain("dotenv-secret")
  })
})
