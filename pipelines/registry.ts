import type { KindDeclaration, Role } from "../core/spec.ts"

/**
 * Looking kinds up in a list the composition root (app/kinds.ts) hands over. The engine knows no kind itself:
 * that list is the only place that imports the domains.
 */
export const findKind = <K extends KindDeclaration>(kinds: ReadonlyArray<K>, role: Role, kind: string): K | undefined =>
  kinds.find((k) => k.role === role && k.kind === kind)

export const kindsOf = (kinds: ReadonlyArray<KindDeclaration>, role: Role): string[] =>
  kinds
    .filter((k) => k.role === role)
    .map((k) => k.kind)
    .sort()
