import { Args, Command, Options } from "@effect/cli"
import { Effect, Layer, Option, Redacted, Schema, Stream } from "effect"
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { sources } from "../../app/index.ts"
import { Http, type HttpRequest, type HttpResponse } from "../../sources/http.ts"
import { type Source, type SourceContext, unitStream } from "../../sources/source.ts"
import { sourceTargets } from "../../app/targets.ts"
import { describe, Fatal } from "../../core/errors.ts"
import type { LoadedDag } from "../load.ts"
import { roleOf } from "../../core/spec.ts"
import { dagOption, fail, print, printErr } from "./shared.ts"
import { loadDagEffect } from "./load-dag.ts"

/** Query parameters that carry credentials or sessions: dropped from every recorded URL. */
const SECRET_PARAM =
  /^(app_id|app_key|api_?key|key|token|access_token|auth|authorization|signature|sig|session(id)?|sid|password|secret|client_secret|csrf|jsessionid)$/i
/** Option names whose string values are secrets even when not typed `Redacted`. */
const SECRET_OPTION = /(key|token|secret|auth|password|cookie|csrf)/i
/** Environment variables sources read credentials from; their values are scrubbed from bodies too. */
const SECRET_ENV = ["ADZUNA_APP_ID", "ADZUNA_APP_KEY", "INDEED_API_KEY", "ZIPRECRUITER_AUTH", "SEC_USER_AGENT"]

export interface Recorded {
  readonly file: string
  readonly method: string
  readonly url: string
  readonly status: number
  readonly bytes: number
}

export interface RecordResult {
  readonly node: string
  readonly kind: string
  readonly units: number
  readonly records: number
  readonly failedUnits: ReadonlyArray<{ unit: string; error: string }>
  readonly skipped: number
  readonly files: ReadonlyArray<Recorded>
}

const secretsIn = (opts: unknown): string[] => {
  const out: string[] = []
  const walk = (v: unknown, key = "") => {
    if (Redacted.isRedacted(v)) out.push(String(Redacted.value(v)))
    else if (typeof v === "string" && SECRET_OPTION.test(key) && v.length >= 4) out.push(v)
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key))
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k)
  }
  walk(opts)
  for (const e of SECRET_ENV) if (process.env[e] && process.env[e]!.length >= 4) out.push(process.env[e]!)
  return [...new Set(out)].sort((a, b) => b.length - a.length)
}

/** A URL without credential-carrying query parameters (and without user:password@). */
export const stripUrl = (url: string): string => {
  const u = new URL(url)
  u.username = ""
  u.password = ""
  for (const k of [...u.searchParams.keys()]) if (SECRET_PARAM.test(k)) u.searchParams.delete(k)
  return u.toString()
}

export const scrub = (text: string, secrets: ReadonlyArray<string>) => {
  let t = text
  for (const s of secrets) t = t.split(s).join("REDACTED").split(encodeURIComponent(s)).join("REDACTED")
  return t
}

const slug = (url: string) => {
  const u = new URL(url)
  return (u.pathname.replace(/^\/+|\/+$/g, "").replace(/[^\w.-]+/g, "-") || "root").slice(-60)
}

const extOf = (res: HttpResponse) => {
  const t = res.headers.get("content-type") ?? ""
  return /json/.test(t)
    ? "json"
    : /html/.test(t)
      ? "html"
      : /xml|rss|atom/.test(t)
        ? "xml"
        : /^\s*[[{]/.test(res.text)
          ? "json"
          : "txt"
}

/** The node `record` uses: `--node`, else the first node of that kind in the DAG (enabled or not). */
const pickNode = (dag: LoadedDag, kind: string, node: string | undefined) => {
  const entries = Object.entries(dag.spec.nodes)
  const found = node
    ? entries.find(([n]) => n === node)
    : entries.find(([, s]) => roleOf(s)?.role === "source" && roleOf(s)?.kind === kind)
  if (!found)
    return Effect.fail(
      new Fatal({
        reason: "Config",
        message: node ? `no node ${node} in ${dag.path}` : `no node of source kind ${kind} in ${dag.path}; pass --node`
      })
    )
  const r = roleOf(found[1])
  if (r?.role !== "source" || r.kind !== kind)
    return Effect.fail(
      new Fatal({ reason: "Config", message: `node ${found[0]} is ${r?.role}: ${r?.kind}, not source: ${kind}` })
    )
  return Effect.succeed({ name: found[0], spec: found[1] })
}

/**
 * Runs one source node's units against the live site (or whatever `with.base_url` names) and writes
 * every response body it received under `{out}/{kind}/`, with a provenance row per file appended to
 * `{out}/SOURCES.md`. Credentials never reach the files: query parameters that carry keys are
 * dropped, secret option and environment values are replaced by REDACTED, and no header is kept.
 */
export const recordSource = (args: { dag: LoadedDag; kind: string; node?: string; out: string }) =>
  Effect.gen(function* () {
    const src: Source | undefined = sources.find((s) => s.kind === args.kind)
    if (!src)
      return yield* Effect.fail(
        new Fatal({
          reason: "Config",
          message: `unknown source kind ${args.kind}; known: ${sources.map((s) => s.kind).join(", ")}`
        })
      )
    const node = yield* pickNode(args.dag, args.kind, args.node)
    const opts = yield* Schema.decodeUnknown(src.options)(node.spec.with ?? {}).pipe(
      Effect.mapError((e) => new Fatal({ reason: "Config", message: `nodes.${node.name}.with: ${e.message}` }))
    ) as Effect.Effect<Record<string, any>, Fatal>
    const secrets = secretsIn(opts)
    const dir = join(args.out, args.kind)
    mkdirSync(dir, { recursive: true })
    const stamp = new Date().toISOString().slice(0, 10)
    const files: Recorded[] = []
    const capture = (req: HttpRequest, res: HttpResponse) =>
      Effect.sync(() => {
        const url = scrub(stripUrl(req.url), secrets)
        const file = `recorded-${stamp}-${String(files.length + 1).padStart(3, "0")}-${slug(req.url)}.${extOf(res)}`
        const body = scrub(res.text, secrets)
        writeFileSync(join(dir, file), body)
        files.push({
          file: `${args.kind}/${file}`,
          method: req.method ?? "GET",
          url,
          status: res.status,
          bytes: Buffer.byteLength(body)
        })
      })
    const recording = Layer.effect(
      Http,
      Effect.map(Http, (inner) => ({
        ...inner,
        request: (req: HttpRequest) => inner.request(req).pipe(Effect.tap((res) => capture(req, res)))
      }))
    ).pipe(Layer.provide(Http.layer({ timeoutMs: 30_000 })))

    const baseUrl = String(opts.base_url ?? src.defaultBaseUrl).replace(/\/+$/, "")
    let skipped = 0
    const ctx: SourceContext = {
      node: node.name,
      runId: `record-${Date.now()}`,
      baseUrl,
      window: {},
      cursor: null,
      skip: (e) =>
        Effect.sync(() => {
          skipped++
          process.stderr.write(`skipped: ${scrub(e.message, secrets)}\n`)
        }),
      log: (m) => Effect.sync(() => void process.stderr.write(`${scrub(m, secrets)}\n`)),
      ...sourceTargets(args.dag, opts),
      profilePath: args.dag.resolvePath(args.dag.spec.profile ?? "profile.yaml")
    }
    const units = yield* src.units(opts, ctx)
    const limit = opts.max_records ?? Number.POSITIVE_INFINITY
    let records = 0
    const failedUnits: Array<{ unit: string; error: string }> = []
    yield* Effect.gen(function* () {
      const http = yield* Http
      http.setHostLimits(new URL(baseUrl).host, {
        concurrency: 1,
        perSecond: opts.per_second ?? src.hostLimits?.perSecond ?? 1
      })
      for (const unit of units) {
        if (records >= limit) break
        const stream = unitStream(src.fetch(unit, opts, ctx))
        const n = yield* (Number.isFinite(limit) ? Stream.take(stream, limit - records) : stream).pipe(
          Stream.runCount,
          Effect.catchAll((e) =>
            e._tag === "Fatal"
              ? Effect.fail(e)
              : Effect.sync(() => {
                  failedUnits.push({ unit: unit.key, error: scrub(describe(e), secrets) })
                  return 0
                })
          )
        )
        records += n
      }
    }).pipe(Effect.provide(recording))

    const notes = join(args.out, "SOURCES.md")
    if (!existsSync(notes))
      writeFileSync(
        notes,
        "# Recorded fixtures\n\n| file | recorded by | endpoint | status | size (bytes) | notes |\n|---|---|---|---|---|---|\n"
      )
    for (const f of files)
      appendFileSync(
        notes,
        `| ${f.file} | \`jobsignal record ${args.kind}\` (node ${node.name}) on ${stamp} | ${f.method} ${f.url} | ${f.status} | ${f.bytes} | raw body; credentials, cookies and headers stripped |\n`
      )
    return {
      node: node.name,
      kind: args.kind,
      units: units.length,
      records,
      failedUnits,
      skipped,
      files
    } satisfies RecordResult
  })

export const recordCommand = Command.make(
  "record",
  {
    source: Args.text({ name: "SOURCE" }).pipe(
      Args.withDescription("The source kind to record (e.g. remotive, search, hn)")
    ),
    dag: dagOption,
    node: Options.text("node").pipe(
      Options.optional,
      Options.withDescription("The node whose `with` to use (default: the first node of that kind)")
    ),
    out: Options.text("out").pipe(
      Options.withDefault("fixtures/recorded"),
      Options.withDescription("Where to write the responses (default fixtures/recorded)")
    )
  },
  ({ source, dag, node, out }) =>
    Effect.gen(function* () {
      const d = yield* loadDagEffect(dag)
      const r = yield* recordSource({ dag: d, kind: source, node: Option.getOrUndefined(node), out: resolve(out) })
      yield* print(
        `recorded ${r.files.length} response(s) of ${r.kind} (node ${r.node}: ${r.units} unit(s), ${r.records} record(s), ${r.skipped} skipped) into ${resolve(out)}`
      )
      for (const f of r.failedUnits) yield* printErr(`unit ${f.unit} failed: ${f.error}`)
      if (r.files.length === 0) yield* fail(1)
    }).pipe(
      Effect.catchAll((e) =>
        printErr(`error: ${(e as { message?: string }).message ?? String(e)}`).pipe(Effect.zipRight(fail(2)))
      )
    )
).pipe(
  Command.withDescription(
    "Run one source's units against the live site and save the raw responses as fixtures (secrets stripped)."
  )
)
