/**
 * `npx tsx scripts/check-cycles.ts [--json]`: the import graph of the project's .ts files, by file and by folder,
 * and every cycle in either. Exit 1 when there is one.
 *
 * Edges are the relative specifiers of `import … from`, `export … from` and side-effect imports, read with the
 * TypeScript parser (no type checker: it takes a second, not a minute).
 *
 * Type-only imports (`import type`, `export type`, all-`type` bindings) are erased at compile time, so they
 * cannot break module initialisation; they still count in the *file* graph, because a file that needs another's
 * types cannot be understood, moved or tested without it (the registry's 39-file knot was mostly types). The
 * *folder* graph counts only imports that survive compilation: folders share types across layers on purpose
 * (a connector's types are the engine's contract), while a runtime folder cycle means neither layer can load alone.
 *
 * A folder cycle made only of the edges in `knownFolderEdges` is printed as known and does not fail the check;
 * anything else, or any file cycle, exits 1. `--strict` fails on the known ones too.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import ts from "typescript"

export const root = path.resolve(import.meta.dirname, "..")
/** Folders of code; ui/ is a separate bundle with its own tsconfig. */
const codeRoots = [
  "app",
  "bench",
  "bin",
  "core",
  "dq",
  "model",
  "pipelines",
  "scripts",
  "sinks",
  "sources",
  "targets",
  "test",
  "transforms"
]

export interface ImportEdge {
  /** Both paths relative to the project root, with `/`. */
  readonly from: string
  readonly to: string
  readonly specifier: string
  /** Erased at compile time (`import type`): no runtime dependency. */
  readonly typeOnly: boolean
}

const listTs = (dir: string): string[] => {
  const abs = path.join(root, dir)
  if (!fs.existsSync(abs)) return []
  const out: string[] = []
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue
    const rel = `${dir}/${e.name}`
    if (e.isDirectory()) out.push(...listTs(rel))
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(rel)
  }
  return out
}

const typeOnlyImport = (d: ts.ImportDeclaration): boolean => {
  const clause = d.importClause
  if (!clause) return false
  if (clause.isTypeOnly) return true
  if (clause.name) return false
  const b = clause.namedBindings
  return b !== undefined && ts.isNamedImports(b) && b.elements.length > 0 && b.elements.every((e) => e.isTypeOnly)
}

const typeOnlyExport = (d: ts.ExportDeclaration): boolean =>
  d.isTypeOnly ||
  (d.exportClause !== undefined &&
    ts.isNamedExports(d.exportClause) &&
    d.exportClause.elements.length > 0 &&
    d.exportClause.elements.every((e) => e.isTypeOnly))

const resolve = (from: string, specifier: string): string | undefined => {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier))
  for (const candidate of [base, base.replace(/\.js$/, ".ts"), `${base}.ts`, `${base}/index.ts`]) {
    if (candidate.endsWith(".ts") && fs.existsSync(path.join(root, candidate))) return candidate
  }
  return undefined
}

/** Every relative import edge of every .ts file under the code folders. */
export const importEdges = (): ImportEdge[] => {
  const edges: ImportEdge[] = []
  for (const file of codeRoots.flatMap(listTs)) {
    const source = ts.createSourceFile(
      file,
      fs.readFileSync(path.join(root, file), "utf8"),
      ts.ScriptTarget.Latest,
      false
    )
    for (const st of source.statements) {
      let specifier: string | undefined
      let typeOnly = false
      if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
        specifier = st.moduleSpecifier.text
        typeOnly = typeOnlyImport(st)
      } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
        specifier = st.moduleSpecifier.text
        typeOnly = typeOnlyExport(st)
      }
      if (specifier === undefined || !specifier.startsWith(".")) continue
      const to = resolve(file, specifier)
      if (to === undefined) continue // a .json, .js asset or a missing file: tsc reports the latter
      edges.push({ from: file, to, specifier, typeOnly })
    }
  }
  return edges
}

/** A file's folder: its directory, so `pipelines/cli` is a folder apart from `pipelines`. */
export const folderOf = (file: string): string => path.posix.dirname(file)

/**
 * Every elementary cycle would be exponential; this prints each strongly connected component (the files that
 * all reach each other) with one concrete cycle through it, which is what one needs to break it.
 */
export interface Cycle {
  /** How many nodes reach each other in this knot. */
  readonly size: number
  /** The nodes that reach each other. */
  readonly members: ReadonlyArray<string>
  /** One shortest cycle through it, first node repeated at the end. */
  readonly path: ReadonlyArray<string>
}

export const cycles = (edges: ReadonlyArray<{ from: string; to: string }>): Cycle[] => {
  const next = new Map<string, string[]>()
  for (const e of edges) {
    if (e.from === e.to) continue
    next.set(e.from, [...(next.get(e.from) ?? []), e.to])
    if (!next.has(e.to)) next.set(e.to, [])
  }
  // Tarjan, iteratively: the file graph is a few hundred nodes deep at worst, but recursion is not worth the risk.
  let index = 0
  const idx = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const components: string[][] = []
  for (const start of [...next.keys()].sort()) {
    if (idx.has(start)) continue
    const work: Array<{ node: string; i: number }> = [{ node: start, i: 0 }]
    idx.set(start, index)
    low.set(start, index++)
    stack.push(start)
    onStack.add(start)
    while (work.length > 0) {
      const top = work[work.length - 1]
      const succ = next.get(top.node)!
      if (top.i < succ.length) {
        const w = succ[top.i++]
        if (!idx.has(w)) {
          idx.set(w, index)
          low.set(w, index++)
          stack.push(w)
          onStack.add(w)
          work.push({ node: w, i: 0 })
        } else if (onStack.has(w)) low.set(top.node, Math.min(low.get(top.node)!, idx.get(w)!))
      } else {
        work.pop()
        if (work.length > 0) {
          const parent = work[work.length - 1].node
          low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!))
        }
        if (low.get(top.node) === idx.get(top.node)) {
          const comp: string[] = []
          let w: string
          do {
            w = stack.pop()!
            onStack.delete(w)
            comp.push(w)
          } while (w !== top.node)
          if (comp.length > 1) components.push(comp.sort())
        }
      }
    }
  }
  // One shortest cycle through each component's first member (BFS inside the component).
  return components.map((comp) => {
    const inComp = new Set(comp)
    const first = comp[0]
    const prev = new Map<string, string>()
    const queue = [first]
    const seen = new Set([first])
    while (queue.length > 0) {
      const n = queue.shift()!
      for (const w of next.get(n)!) {
        if (!inComp.has(w)) continue
        if (w === first) {
          const loop = [n]
          while (loop[0] !== first) loop.unshift(prev.get(loop[0])!)
          return { size: comp.length, members: comp, path: [...loop, first] }
        }
        if (!seen.has(w)) {
          seen.add(w)
          prev.set(w, n)
          queue.push(w)
        }
      }
    }
    return { size: comp.length, members: comp, path: [first, first] }
  })
}

/**
 * Folder edges allowed inside a folder cycle, each with its reason. Empty: the last knot (pipelines ↔ sources,
 * sinks, dq) closed through the leaves every layer uses — errors, the DAG spec and durations, the kill points —
 * which now live in core/, importing no other folder of the project at run time. The test runs the check `--strict`.
 */
export const knownFolderEdges: Readonly<Record<string, string>> = {}

export interface FolderCycle extends Cycle {
  /** Edges inside this knot that are not in `knownFolderEdges`, with the imports behind each. */
  readonly unknown: ReadonlyArray<{ readonly edge: string; readonly imports: ReadonlyArray<string> }>
}

export interface CycleReport {
  readonly files: ReadonlyArray<Cycle>
  readonly folders: ReadonlyArray<FolderCycle>
}

export const checkCycles = (edges: ReadonlyArray<ImportEdge> = importEdges()): CycleReport => {
  const files = cycles(edges)
  const runtime = edges.filter((e) => !e.typeOnly)
  const folders = cycles(runtime.map((e) => ({ from: folderOf(e.from), to: folderOf(e.to) }))).map((c): FolderCycle => {
    const inKnot = new Set(c.members)
    const unknown = new Map<string, string[]>()
    for (const e of runtime) {
      const [a, b] = [folderOf(e.from), folderOf(e.to)]
      const edge = `${a} -> ${b}`
      if (a === b || !inKnot.has(a) || !inKnot.has(b) || edge in knownFolderEdges) continue
      unknown.set(edge, [...(unknown.get(edge) ?? []), `${e.from} -> ${e.to}`])
    }
    return { ...c, unknown: [...unknown].map(([edge, imports]) => ({ edge, imports })) }
  })
  return { files, folders }
}

/** The cycles that fail the check. */
export const failures = (
  report: CycleReport,
  strict = false
): { files: ReadonlyArray<Cycle>; folders: ReadonlyArray<FolderCycle> } => ({
  files: report.files,
  folders: report.folders.filter((c) => strict || c.unknown.length > 0)
})

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("check-cycles.ts")) {
  const report = checkCycles()
  const failed = failures(report, process.argv.includes("--strict"))
  if (process.argv.includes("--json")) console.log(JSON.stringify(report))
  for (const c of report.folders) {
    console.log(`folder cycle (${c.size} folders: ${c.members.join(", ")}): ${c.path.join(" -> ")}`)
    if (c.unknown.length === 0)
      console.log("  known: every edge of it is in knownFolderEdges (scripts/check-cycles.ts)")
    for (const u of c.unknown) console.log(`  new edge ${u.edge}: ${u.imports.join(", ")}`)
  }
  for (const c of report.files) console.log(`file cycle (${c.size} files): ${c.path.join(" -> ")}`)
  console.log(
    `${report.folders.length} folder cycle(s) (${failed.folders.length} failing), ${report.files.length} file cycle(s)`
  )
  if (failed.files.length + failed.folders.length > 0) process.exit(1)
}
