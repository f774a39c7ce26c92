import { Schema } from "effect"
import type { DagSpec, FileRead } from "../core/spec.ts"
import { Profile } from "../transforms/profile.ts"
import { Annotation, MasterCv, StarRecord } from "../transforms/intel/candidate.ts"
import { TargetsFile } from "../targets/universe.ts"

/** The candidate profile relevance and fit_score judge jobs against. */
export const profileFile = (dag: DagSpec, node: string): ReadonlyArray<FileRead> => [
  {
    field: dag.profile !== undefined ? ["profile"] : ["nodes", node, "transform"],
    file: dag.profile ?? "profile.yaml",
    schema: Profile,
    why: (nodes) =>
      `the candidate profile ${nodes.join(" and ")} judge${nodes.length === 1 ? "s" : ""} jobs against (profile: in dag.yaml)`
  }
]

/** The candidate's CV, STAR records and annotations the per-job layers write from (profile/README.md). */
export const candidateFiles = (_dag: DagSpec, node: string): ReadonlyArray<FileRead> => {
  const why = (nodes: ReadonlyArray<string>) =>
    `${nodes.join(" and ")} read${nodes.length === 1 ? "s" : ""} the candidate from profile/ (see profile/README.md)`
  const field = ["nodes", node, "transform"]
  return [
    { field, file: "profile/master-cv.yaml", schema: MasterCv, why },
    { field, file: "profile/star-records.yaml", schema: Schema.Array(StarRecord), why, optional: true },
    { field, file: "profile/annotations.yaml", schema: Schema.Array(Annotation), why, optional: true }
  ]
}

/**
 * The target universe ATS nodes without with.boards fan out over; optional while dag.yaml names none. Its
 * `ats:` names must be registered ATS sources (`providers`) or unknown.
 */
export const targetsFile =
  (providers: ReadonlyArray<string>) =>
  (dag: DagSpec): ReadonlyArray<FileRead> => [
    {
      field: dag.targets !== undefined ? ["targets"] : ["(root)"],
      file: dag.targets ?? "targets/companies.yaml",
      schema: TargetsFile,
      why: () => "the target-company universe ATS nodes without with.boards fan out over (targets: in dag.yaml)",
      optional: dag.targets === undefined,
      check: (t: { companies: ReadonlyArray<{ ats: string }> }) => {
        if (t.companies.length === 0)
          return {
            path: ["companies"],
            message:
              "lists no companies: ATS nodes without with.boards would fetch nothing (add companies, or give each node with.boards)"
          }
        const i = t.companies.findIndex((c) => c.ats !== "unknown" && !providers.includes(c.ats))
        return i < 0
          ? undefined
          : {
              path: ["companies", i, "ats"],
              message: `${t.companies[i].ats} is no registered ATS source (known: ${providers.join(", ")}, or unknown)`
            }
      }
    }
  ]

/**
 * The full universe, read by an ATS node that says `with.universe: all` (checked then; otherwise it only lends jobs
 * their company names, and a missing one costs names, not the run).
 */
export const universeFile =
  (providers: ReadonlyArray<string>) =>
  (dag: DagSpec, node: string): ReadonlyArray<FileRead> =>
    (dag.nodes[node]?.with as { universe?: unknown } | undefined)?.universe !== "all"
      ? []
      : targetsFile(providers)({ ...dag, targets: dag.universe ?? "targets/universe.json" }).map((r) => ({
          ...r,
          field: dag.universe !== undefined ? ["universe"] : ["nodes", node, "with", "universe"],
          why: () => "the full target universe nodes with with.universe: all fan out over (universe: in dag.yaml)",
          optional: false
        }))
