import type { NodeKind } from "./node.ts"
import type { Role } from "./spec.ts"
import { sources } from "../sources/index.ts"
import { sourceNode } from "./source-node.ts"
import { transforms } from "../transforms/index.ts"
import { sinks } from "../sinks/index.ts"

const all: ReadonlyArray<NodeKind> = [...sources.map(sourceNode), ...transforms, ...sinks]

export const findKind = (role: Role, kind: string): NodeKind | undefined => all.find((k) => k.role === role && k.kind === kind)

export const kindsOf = (role: Role): string[] => all.filter((k) => k.role === role).map((k) => k.kind).sort()

export const allKinds = (): ReadonlyArray<NodeKind> => all
