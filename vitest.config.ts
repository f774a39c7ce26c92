import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: "forks",
    // Two files at a time on the 2-core machine (vitest's default is cores - 1 = 1): most of a test's time is spent
    // waiting on loopback servers and child processes, and CI must finish within 20 minutes.
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ["default"]
  }
})
