/**
 * The order to work through items grouped by the host they go to, so that a fan-out with one global concurrency
 * keeps every host busy: each group is spread evenly over the whole order (item j of n at (j + ½)/n), so all
 * groups end together. Worked in list order, thousands of boards of one provider fill every global slot while that
 * host's own limit lets only a few run, and the other hosts wait (head-of-line blocking). Returns indices into
 * `items`; stable within a group.
 */
export const interleaveByGroup = <A>(items: ReadonlyArray<A>, groupOf: (a: A) => string): ReadonlyArray<number> => {
  const groups = new Map<string, number[]>()
  items.forEach((a, i) => {
    const k = groupOf(a)
    const g = groups.get(k)
    if (g) g.push(i)
    else groups.set(k, [i])
  })
  const placed: Array<{ at: number; index: number }> = []
  for (const g of groups.values()) g.forEach((index, j) => placed.push({ at: (j + 0.5) / g.length, index }))
  return placed.sort((x, y) => x.at - y.at || x.index - y.index).map((p) => p.index)
}
