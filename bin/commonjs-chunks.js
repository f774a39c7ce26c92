// Turns esbuild's split ESM output into CommonJS chunks, the format bin/compile-cache.js can give a V8 code
// cache to on Node 20 (its ESM loader takes none) and whose loader is the cheaper one per file. esbuild cannot
// split CommonJS itself, so the split ESM build is converted chunk by chunk: imports become require(), a
// chunk's exports getters, so shared chunks and lazily imported commands stay as they were.
// A chunk with a top-level await (CommonJS has none), and every chunk that imports one, stays ESM as `.mjs`.
import { basename } from "node:path"

/** Ran by Node's own CommonJS loader (compile-cache.js leaves it alone), whose `import()` works in any process. */
export const ESM_IMPORT = "esm-import.js"
const ESM_IMPORT_SOURCE = `"use strict";\n// The one import() of dist/'s CommonJS: a vm.Script (compile-cache.js) has none without --experimental-vm-modules.\nmodule.exports = (specifier) => import(specifier);\n`

const TOP_LEVEL_AWAIT = /Top-level await is currently not supported/
const DYNAMIC_IMPORT = /\bimport\("([^"]+)"\)/g

const helpers = {
  __importMetaUrl: `const __importMetaUrl=require("node:url").pathToFileURL(__filename).href;`,
  __importChunk: `const __importChunk=(p)=>Promise.resolve().then(()=>require(p));`,
  __importEsm: `const __importEsm=(s)=>require("./${ESM_IMPORT}")(s.startsWith("./")?require("node:url").pathToFileURL(require("node:path").join(__dirname,s)).href:s);`
}

/**
 * `outputs`: file name → the ESM text esbuild wrote (without a banner); `meta`: its metafile's `outputs`.
 * Returns file name → text for dist/, the metafile outputs renamed alike, and which chunks stayed ESM.
 */
export const toCommonJs = async (transform, outputs, meta, esmBanner) => {
  const byName = new Map(Object.entries(meta).map(([path, m]) => [basename(path), m]))
  const converted = new Map()
  const esm = new Set()
  const convert = async (name, text) => {
    try {
      const r = await transform(text, {
        format: "cjs",
        loader: "js",
        platform: "node",
        target: "node20",
        define: { "import.meta.url": "__importMetaUrl", "import.meta.dirname": "__dirname" },
        minifyWhitespace: true,
        minifySyntax: true,
        legalComments: "none",
        logLevel: "silent"
      })
      // Any other import.meta would become `{}` in CommonJS: refuse to build rather than run with it.
      if (r.warnings.length) throw new Error(`${name}: ${r.warnings.map((w) => w.text).join("; ")}`)
      converted.set(name, r.code)
    } catch (e) {
      if (!TOP_LEVEL_AWAIT.test(String(e.message))) throw e
      esm.add(name)
    }
  }
  await Promise.all([...outputs].map(([name, text]) => convert(name, text)))
  // A chunk importing an ESM chunk statically cannot require() it: it stays ESM too.
  for (let grew = true; grew; ) {
    grew = false
    for (const [name, m] of byName)
      if (!esm.has(name) && m.imports.some((i) => i.kind === "import-statement" && esm.has(basename(i.path)))) {
        esm.add(name)
        grew = true
      }
  }
  const rename = (name) => (esm.has(name) ? name.replace(/\.js$/, ".mjs") : name)
  const files = new Map([[ESM_IMPORT, ESM_IMPORT_SOURCE]])
  for (const [name, text] of outputs) {
    if (esm.has(name)) {
      let out = text
      for (const other of esm) out = out.replaceAll(`"./${other}"`, `"./${rename(other)}"`)
      files.set(rename(name), esmBanner + out)
      continue
    }
    let calls = 0
    const code = converted.get(name).replace(DYNAMIC_IMPORT, (_, spec) => {
      calls++
      const local = spec.startsWith("./") && byName.has(spec.slice(2))
      if (local && !esm.has(spec.slice(2))) return `__importChunk(${JSON.stringify(spec)})`
      return `__importEsm(${JSON.stringify(local ? `./${rename(spec.slice(2))}` : spec)})`
    })
    const expected = byName.get(name).imports.filter((i) => i.kind === "dynamic-import").length
    if (calls !== expected)
      throw new Error(`${name}: ${calls} import() calls in its CommonJS, esbuild recorded ${expected}`)
    const used = Object.keys(helpers).filter((h) => code.includes(h))
    files.set(name, `"use strict";${used.map((h) => helpers[h]).join("")}\n${code}`)
  }
  const renamedMeta = {}
  for (const [path, m] of Object.entries(meta))
    renamedMeta[path.replace(/[^/]+$/, rename)] = {
      ...m,
      imports: m.imports.map((i) => (i.external ? i : { ...i, path: i.path.replace(/[^/]+$/, rename) }))
    }
  return { files, meta: renamedMeta, esm: [...esm].map(rename) }
}
