import { afterAll, afterEach, beforeAll, vi } from "vitest"
import { startFakeLlm, type FakeLlm } from "./fake-llm.ts"

/**
 * One fake LLM server for a test file: started before its first test, reset after each (with the env stubs the test
 * made undone, so no provider key leaks into the next test), closed after the last. Kept apart from fake-llm.ts
 * because the benches start that server outside vitest.
 */
export const useFakeLlm = (): FakeLlm => {
  let fake: FakeLlm | undefined
  beforeAll(async () => {
    fake = await startFakeLlm()
  })
  afterEach(() => {
    vi.unstubAllEnvs()
    fake?.reset()
  })
  afterAll(() => fake?.close())
  // Stands in for the server beforeAll starts, so tests keep writing `fake.requests` at the call site.
  return new Proxy({} as FakeLlm, {
    get: (_, key) => {
      if (fake === undefined) throw new Error("useFakeLlm: the fake LLM server starts in beforeAll; read it in a test")
      return Reflect.get(fake, key)
    }
  })
}
