/**
 * `sink: mongo`: the warehouse's jobs (with their scores), companies and signals as MongoDB
 * documents. Order of work: build the documents that changed since the outbox last saw them,
 * run the node's `dq:` gates, queue the passing ones in the outbox (parking the failing ones), then
 * deliver everything pending. With no MONGODB_URI the same documents go to the embedded warehouse.
 */
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"
import { applySeverities, parkDocs, recordResults, supersede, type GateOutcome } from "../../dq/gate.ts"
import { checkDocs } from "../../dq/check.ts"
import { decodeRules, type Rule } from "../../dq/rules.ts"
import { Fatal, Skippable } from "../../core/errors.ts"
import type { NodeContext, NodeKind, NodeOutcome } from "../../pipelines/node.ts"
import { parseDuration } from "../../core/spec.ts"
import { Warehouse, type Queries } from "../warehouse.ts"
import { Mongo, mongoStore, mongoTarget } from "./client.ts"
import { COLLECTIONS, collectionNamed, type Candidate, type CollectionDef } from "./collections.ts"
import { deliverPending, withOutboxNote, type CollectionDelivery } from "./deliver.ts"
import { enqueue } from "./outbox.ts"
import { EMBEDDED_TARGET, embeddedStore, type DocStore } from "./store.ts"
import { MongoSinkOptions, mongoSinkDeclaration } from "./declaration.ts"
export { MongoSinkOptions }

export const DEFAULT_DATABASE = "jobsignal"

/** MONGODB_URI from the environment (or .env through Config), empty meaning unset. */
export const mongoUri = Config.option(Config.redacted("MONGODB_URI")).pipe(
  Effect.map(Option.filter((r) => Redacted.value(r).trim() !== "")),
  Effect.mapError((e) => new Fatal({ reason: "Config", message: `MONGODB_URI: ${e.message}` }))
)

/** The store this node writes to, opened in the node's scope. */
export const openStore = (q: Queries, opts: MongoSinkOptions) =>
  Effect.gen(function* () {
    const uri = yield* mongoUri
    if (Option.isNone(uri)) return embeddedStore(q)
    // The Mongo service's own layer, built in the node's scope: the client closes when the node ends.
    const services = yield* Layer.build(
      Mongo.layer({
        uri: uri.value,
        database: opts.database ?? DEFAULT_DATABASE,
        timeoutMs: parseDuration(opts.connect_timeout ?? "10s"),
        writeTimeoutMs: parseDuration(opts.write_timeout ?? "60s")
      })
    )
    return mongoStore(Context.get(services, Mongo), uri.value)
  })

export const nodeRules = (ctx: Pick<NodeContext, "node" | "spec">) => {
  const { rules, problems } = decodeRules(ctx.spec.dq ?? [])
  return problems.length === 0
    ? Effect.succeed(rules)
    : Effect.fail(
        new Fatal({
          reason: "Config",
          message: `nodes.${ctx.node}.dq: ${problems.map((p) => `[${p.path.join(".")}] ${p.message}`).join("; ")}`
        })
      )
}

const blockMessage = (node: string, gates: ReadonlyArray<GateOutcome>) =>
  `data-quality gate blocked ${node}, nothing written: ` +
  gates
    .flatMap((g) => g.blocking)
    .map((r) => `${r.rule} failed ${r.failed} of ${r.checked} (${r.samples.join("; ")})`)
    .join(" | ") +
  ` — see dq_results for every rule`

const summarize = (gate: GateOutcome) =>
  gate.report
    .filter((r) => r.failed > 0 && r.severity !== "block")
    .map((r) =>
      r.severity === "quarantine"
        ? `dq: ${r.collection} ${r.rule} parked ${r.quarantined} of ${r.checked} (jobsignal quarantine list)`
        : `dq warning: ${r.collection} ${r.rule} failed ${r.failed} of ${r.checked}, written anyway (e.g. ${r.samples[0]})`
    )

/** Changed documents through the gates; passing ones queued, failing ones parked. Returns per-collection gates. */
export const gateAndQueue = (
  w: Queries & { transaction: (typeof Warehouse.Service)["transaction"] },
  args: {
    readonly runId: string
    readonly node: string
    readonly target: string
    readonly defs: ReadonlyArray<CollectionDef>
    readonly rules: ReadonlyArray<Rule>
  }
) =>
  Effect.gen(function* () {
    const gated: Array<{ def: CollectionDef; candidates: Candidate[]; gate: GateOutcome }> = []
    for (const def of args.defs) {
      const candidates = yield* def.changed(w, args.target)
      const docs = candidates.map((c) => ({ id: c.id, doc: c.doc }))
      const check = yield* checkDocs({
        q: w,
        node: args.node,
        collection: def.name,
        rules: args.rules,
        docs,
        shape: def.shape
      })
      gated.push({ def, candidates, gate: applySeverities(docs, check) })
    }
    // Counts are recorded whatever the outcome, a block included.
    yield* recordResults(
      w,
      args.runId,
      args.node,
      gated.flatMap((g) => g.gate.report)
    )
    if (gated.some((g) => g.gate.blocking.length > 0))
      return yield* Effect.fail(
        new Fatal({
          reason: "InvalidRequest",
          message: blockMessage(
            args.node,
            gated.map((g) => g.gate)
          )
        })
      )
    yield* w.transaction((tx) =>
      Effect.forEach(
        gated,
        ({ def, candidates, gate }) =>
          Effect.gen(function* () {
            const parkedIds = new Set(gate.parked.map((p) => p.id))
            const pass = candidates.filter((c) => !parkedIds.has(c.id))
            yield* supersede(
              tx,
              args.node,
              def.name,
              pass.map((c) => c.id),
              args.runId
            )
            yield* enqueue(tx, args.target, def.name, args.runId, pass, "pending")
            yield* parkDocs(tx, args.runId, args.node, def.name, gate.parked)
            yield* enqueue(
              tx,
              args.target,
              def.name,
              args.runId,
              candidates.filter((c) => parkedIds.has(c.id)),
              "quarantined"
            )
          }),
        { discard: true }
      )
    )
    return gated
  })

const refusedError = (q: Queries, store: DocStore, delivery: Record<string, CollectionDelivery>) =>
  Effect.gen(function* () {
    const [{ n }] = yield* q.query<{ n: number }>(
      "select count(*)::int as n from mongo_outbox where target = $1 and status = 'pending'",
      [store.target]
    )
    const samples = yield* q.query<{ collection: string; doc_id: string; last_error: string }>(
      `select collection, doc_id, last_error from mongo_outbox where target = $1 and status = 'pending' and last_error is not null
       order by collection, doc_id limit 3`,
      [store.target]
    )
    const counts = Object.entries(delivery)
      .filter(([, d]) => d.failed > 0)
      .map(([c, d]) => `${c} ${d.failed} refused, ${d.delivered} delivered`)
      .join("; ")
    return yield* Effect.fail(
      new Skippable({
        reason: "InvalidRecord",
        unit: samples[0] ? `${samples[0].collection}/${samples[0].doc_id}` : undefined,
        message:
          `${store.label} refused documents (${counts}), e.g. ${samples.map((r) => `${r.collection}/${r.doc_id}: ${r.last_error}`).join(" | ")}; ` +
          `${n} documents stay pending in the warehouse outbox (mongo_outbox, see last_error) and the next run retries them`
      })
    )
  })

export const runMongoSink = (opts: MongoSinkOptions, ctx: NodeContext) =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const rules = yield* nodeRules(ctx)
    const defs = (opts.collections ?? COLLECTIONS.map((c) => c.name)).map((n) => collectionNamed(n)!)
    const uri = yield* mongoUri
    // The outbox is keyed by target, so it is known before connecting: a down server still queues.
    const targetKey = Option.isNone(uri) ? EMBEDDED_TARGET : mongoTarget(uri.value, opts.database ?? DEFAULT_DATABASE)
    const gated = yield* gateAndQueue(w, { runId: ctx.runId, node: ctx.node, target: targetKey, defs, rules })
    const { store, delivery } = yield* Effect.gen(function* () {
      const store: DocStore = yield* openStore(w, opts)
      yield* store.ensureIndexes(defs)
      return { store, delivery: yield* deliverPending(w, store, defs, opts.batch_size ?? 1000) }
    }).pipe(withOutboxNote(w, targetKey))
    const notes: string[] = []
    if (store.embedded)
      notes.push(
        `no MONGODB_URI: documents went to the embedded warehouse (${defs.map((d) => d.table).join(", ")}); set MONGODB_URI to write to MongoDB`
      )
    notes.push(...gated.flatMap((g) => summarize(g.gate)))
    const failedWrites = Object.values(delivery).reduce((n, d) => n + d.failed, 0)
    // Refused documents are undelivered: the node fails (the run does not exit 0) though the rest went through.
    if (failedWrites > 0) return yield* refusedError(w, store, delivery)
    return {
      rowsIn: gated.reduce((n, g) => n + g.candidates.length, 0),
      rowsOut: Object.values(delivery).reduce((n, d) => n + d.delivered, 0),
      notes,
      details: {
        destination: store.label,
        collections: delivery,
        dq: gated.flatMap((g) => g.gate.report.map(({ samples: _s, ...r }) => r))
      }
    } satisfies NodeOutcome
  })

export const mongoSink: NodeKind<MongoSinkOptions> = {
  ...mongoSinkDeclaration,
  run: runMongoSink
}
