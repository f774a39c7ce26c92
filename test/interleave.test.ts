/**
 * `interleaveByGroup`: the order `targets check` works through a universe listed provider by provider, so one
 * global concurrency keeps every host busy instead of queueing thousands of boards behind one host's limit.
 */
import { describe, expect, it } from "vitest"
import { interleaveByGroup } from "../core/interleave.ts"

describe("interleaveByGroup", () => {
  const items = [
    ...Array.from({ length: 6 }, (_, i) => `greenhouse ${i}`),
    ...Array.from({ length: 3 }, (_, i) => `lever ${i}`),
    "ashby 0"
  ]
  const order = interleaveByGroup(items, (s) => s.split(" ")[0]).map((i) => items[i])

  it("keeps every item once, each group in its own order", () => {
    expect([...order].sort()).toEqual([...items].sort())
    expect(order.filter((s) => s.startsWith("greenhouse"))).toEqual(items.slice(0, 6))
    expect(order.filter((s) => s.startsWith("lever"))).toEqual(items.slice(6, 9))
  })

  it("spreads each group over the whole order, so no stretch is one provider's", () => {
    // Listed order starts with six Greenhouse boards; interleaved, Lever comes second and Ashby's one board midway.
    expect(order.slice(0, 2)).toEqual(["greenhouse 0", "lever 0"])
    expect(order.indexOf("ashby 0")).toBe(5)
    let run = 1
    let longest = 1
    for (let i = 1; i < order.length; i++) {
      run = order[i].split(" ")[0] === order[i - 1].split(" ")[0] ? run + 1 : 1
      longest = Math.max(longest, run)
    }
    expect(longest).toBeLessThanOrEqual(2)
  })
})
