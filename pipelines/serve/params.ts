import { Either } from "effect"
import { JOB_SORTS, type JobFilter } from "./queries.ts"

/**
 * The dashboard's query parameters, checked before any SQL is built: a value outside its allow-list,
 * range or format is the client's mistake (400 naming the parameter), never a database error.
 */

const ENUMS = {
  remote: ["remote", "hybrid", "onsite", "unknown"],
  tier: ["A", "B", "C", "D", "none"],
  relevant: ["yes", "no", "unscored"],
  dir: ["asc", "desc"]
} as const

const KNOWN = new Set([
  "q",
  "source",
  "company",
  "minSalary",
  "postedSince",
  "sort",
  "minFit",
  "limit",
  "offset",
  ...Object.keys(ENUMS)
])

const int = (name: string, v: string, min: number, max: number): Either.Either<number, string> =>
  /^\d{1,9}$/.test(v) && Number(v) >= min && Number(v) <= max
    ? Either.right(Number(v))
    : Either.left(
        `query parameter ${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(v.slice(0, 40))}`
      )

const text = (name: string, v: string, max: number): Either.Either<string, string> =>
  v.length <= max && !/[\u0000-\u001f]/.test(v)
    ? Either.right(v)
    : Either.left(`query parameter ${name}: expected text of at most ${max} characters without control characters`)

const oneOf = <T extends string>(name: string, v: string, allowed: ReadonlyArray<T>): Either.Either<T, string> =>
  (allowed as ReadonlyArray<string>).includes(v)
    ? Either.right(v as T)
    : Either.left(
        `query parameter ${name}: expected one of ${allowed.join(", ")}, got ${JSON.stringify(v.slice(0, 40))}`
      )

/** `/api/jobs` parameters to a filter, or the message naming the first bad parameter. */
export const jobFilterFrom = (
  q: (k: string) => string | undefined,
  names?: Iterable<string>
): Either.Either<JobFilter, string> =>
  Either.gen(function* () {
    for (const k of names ?? [])
      if (!KNOWN.has(k))
        return yield* Either.left(`unknown query parameter ${k}; /api/jobs takes ${[...KNOWN].join(", ")}`)
    const opt = <A>(k: string, f: (v: string) => Either.Either<A, string>) => {
      const v = q(k)
      return v === undefined ? Either.right(undefined) : f(v)
    }
    const minFit = yield* opt("minFit", (v) =>
      /^\d{1,3}(\.\d+)?$/.test(v) && Number(v) <= 100
        ? Either.right(Number(v))
        : Either.left(
            `query parameter minFit: expected a fit score from 0 to 100, got ${JSON.stringify(v.slice(0, 40))}`
          )
    )
    return {
      q: yield* opt("q", (v) => text("q", v, 200)),
      source: yield* opt("source", (v) => text("source", v, 100)),
      company: yield* opt("company", (v) => text("company", v, 200)),
      minSalary: yield* opt("minSalary", (v) => int("minSalary", v, 0, 100_000_000)),
      postedSince: yield* opt("postedSince", (v) =>
        /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))
          ? Either.right(v)
          : Either.left(
              `query parameter postedSince: expected a day as YYYY-MM-DD, got ${JSON.stringify(v.slice(0, 40))}`
            )
      ),
      remote: yield* opt("remote", (v) => oneOf("remote", v, ENUMS.remote)),
      tier: yield* opt("tier", (v) => oneOf("tier", v, ENUMS.tier)),
      relevant: yield* opt("relevant", (v) => oneOf("relevant", v, ENUMS.relevant)),
      minFit,
      sort: yield* opt("sort", (v) => oneOf("sort", v, Object.keys(JOB_SORTS))),
      dir: yield* opt("dir", (v) => oneOf("dir", v, ENUMS.dir)),
      limit: yield* opt("limit", (v) => int("limit", v, 1, 1000)),
      offset: yield* opt("offset", (v) => int("offset", v, 0, 1_000_000_000))
    }
  })
