import { Clock, Duration, Effect, Either, Schema } from "effect"
import { Fatal, Retriable } from "../../core/errors.ts"
import { backoffMs } from "../../sources/http.ts"
import type { Warehouse, WarehouseError } from "../../sinks/warehouse.ts"
import type { BudgetExceeded, LlmBudget, Reservation } from "./budget.ts"
import { cachedResults, storeResults } from "./cache.ts"
import { modelFor, type LlmSettings, type ModelChoice } from "./config.ts"
import { recordCall } from "./ledger.ts"
import { costUsd, priceOf, type ModelPrice } from "./prices.ts"
import { estimateTokens, renderItems, resultsJsonSchema, shortId, type BatchItem } from "./prompt.ts"
import { commitBatch, finishBatch, openBatches, type OpenBatch } from "./batches.ts"
import { LlmProviders, type BatchApi, type BatchResult, type Completion, type CompletionRequest } from "./provider.ts"
import { cheaperTier, type Tier } from "./tiers.ts"

/** A batched judgement: the prompt, the shape of one result, and how many output tokens one result takes. */
export interface LlmTask<Out> {
  readonly name: string
  /** Part of the cache key: change it whenever the prompt, the profile or the output shape changes. */
  readonly promptVersion: string
  readonly system: string
  readonly schemaName: string
  /** One result without its id; decoded with effect/Schema, excess fields ignored. */
  readonly itemSchema: Schema.Schema<Out, any>
  readonly itemJsonProps: Record<string, unknown>
  readonly outputTokensPerItem: number
  /** A check the schema cannot express (e.g. a quote must occur in the posting); a message when it fails. */
  readonly check?: (out: Out, item: BatchItem) => string | undefined
}

export interface BatchOptions {
  readonly tier: Tier
  readonly batchSize: number
  readonly settings: LlmSettings
  readonly runId: string
  readonly node: string
  readonly budget: LlmBudget
  /** Upper bound of max_tokens for one call (the model's own output limit). */
  readonly maxOutputTokens?: number
  readonly onProgress?: (done: number, total: number) => void
  /** `batch`: through the provider's batch API (half price, answered within the deadline); `online` (default): call by call. */
  readonly mode?: "online" | "batch"
  /** Past this long after submission a batch is cancelled and what is left runs online (default 24 h). */
  readonly batchDeadlineMs?: number
  /**
   * Stop waiting at this time (epoch ms; the node's own timeout): a batch still running stays in flight,
   * its items are reported `pending`, and the next run resumes it.
   */
  readonly stopWaitingAtMs?: number
  /** Poll interval of a batch in flight: doubles from `baseMs` (15 s) up to `capMs` (10 min). */
  readonly batchPoll?: { readonly baseMs: number; readonly capMs: number }
}

export interface ItemResult<Out> {
  readonly out: Out
  readonly provider: string
  readonly model: string
  readonly tier: Tier
  readonly cached: boolean
  readonly injectionSuspected: boolean
}

export interface BatchStats {
  calls: number
  retries: number
  splits: number
  reasks: number
  cacheHits: number
  downgrades: number
  inputTokens: number
  cachedInputTokens: number
  outputTokens: number
  usd: number
  /** Batch mode: batches submitted, resumed (left in flight by an earlier run), status polls, items answered by a batch, items sent online after a batch failed them. */
  batchesSubmitted: number
  batchesResumed: number
  batchPolls: number
  batchAnswered: number
  batchFallbacks: number
  /** Every retry's reason and chosen delay, in order (a server's retry-after wins over backoff). */
  readonly retryLog: Array<{ reason: Retriable["reason"]; delayMs: number }>
}

export interface BatchReport<Out> {
  readonly results: Map<string, ItemResult<Out>>
  /** Items given up on, with why (truncated alone, invalid after a re-ask, retries exhausted). */
  readonly failed: Map<string, string>
  /** Items not attempted because a budget stopped the node. */
  readonly unscored: string[]
  /** Items in a provider batch still running when the node stopped waiting (the next run resumes it), with why. */
  readonly pending: Map<string, string>
  readonly budgetExceeded?: BudgetExceeded
  readonly finalTier: Tier
  readonly stats: BatchStats
  /** Items sent to a model this run (not served from the cache). */
  readonly attempted: number
  /** Items a model answered this run (not served from the cache). */
  readonly answered: number
  /** The last error a call gave up on after its retries. */
  readonly lastError?: Retriable
  /** Said once by the node (e.g. a provider without a batch API ran online). */
  readonly notes: ReadonlyArray<string>
}

const LOST_ON_WORKER =
  "a worker stopped mid-call and another ran it again; the provider may have billed this attempt (counted at the answered call's cost)"

const Answer = Schema.Struct({ results: Schema.Array(Schema.Unknown) })
const WithId = Schema.Struct({ id: Schema.String })

const outcomeOf = (e: Retriable | Fatal) =>
  e._tag === "Fatal"
    ? `fatal_${e.reason.toLowerCase()}`
    : (
        {
          RateLimited: "rate_limited",
          Overloaded: "overloaded",
          ServerError: "server_error",
          Timeout: "timeout",
          Transport: "transport"
        } as const
      )[e.reason]

/** A fenced ```json block is unwrapped; anything else is parsed as it is (a truncated answer is never repaired). */
const parseAnswer = (text: string): unknown => {
  const m = /^\s*```(?:json)?\s*\n([\s\S]*)\n```\s*$/.exec(text)
  return JSON.parse(m ? m[1] : text)
}

/**
 * Runs a task over items through the one budgeted path: cache first, then batches of `batchSize`
 * under short ids, every answer decoded and checked id for id. Missing, invalid and duplicate ids
 * are re-asked alone; a truncated or unparseable batch is split in half; retriable failures back
 * off (honouring retry-after); each call is a ledger row; a budget stop keeps every result so far.
 */
export const runBatched = <Out>(task: LlmTask<Out>, items: ReadonlyArray<BatchItem>, opts: BatchOptions) =>
  Effect.gen(function* () {
    const { settings, budget } = opts
    const providers = yield* LlmProviders
    const results = new Map<string, ItemResult<Out>>()
    const failed = new Map<string, string>()
    const unscored: string[] = []
    const notes: string[] = []
    const pending = new Map<string, string>()
    const stats: BatchStats = {
      calls: 0,
      retries: 0,
      splits: 0,
      reasks: 0,
      cacheHits: 0,
      downgrades: 0,
      inputTokens: 0,
      cachedInputTokens: 0,
      outputTokens: 0,
      usd: 0,
      batchesSubmitted: 0,
      batchesResumed: 0,
      batchPolls: 0,
      batchAnswered: 0,
      batchFallbacks: 0,
      retryLog: []
    }
    const state = {
      tier: opts.tier,
      stopped: undefined as BudgetExceeded | undefined,
      answered: 0,
      lastError: undefined as Retriable | undefined
    }
    const decodeOut = Schema.decodeUnknownEither(task.itemSchema)
    const jsonSchema = resultsJsonSchema(task.itemJsonProps)
    const suspicious = new Set(items.filter((i) => i.injection.length > 0).map((i) => i.key))

    const choose = (): Effect.Effect<{ choice: ModelChoice; price: ModelPrice }, Fatal> => {
      const choice = modelFor(settings, state.tier)
      if (!choice)
        return Effect.fail(
          new Fatal({
            reason: "Config",
            message: `no LLM model with a configured key for tier ${state.tier} (see llm.tiers in dag.yaml)`
          })
        )
      const price = priceOf(settings.prices, choice.model)
      return price instanceof Fatal ? Effect.fail(price) : Effect.succeed({ choice, price })
    }

    const first = yield* choose()
    const cached = yield* cachedResults(
      task.promptVersion,
      first.choice.model,
      items.map((i) => i.hash)
    )
    const todo: BatchItem[] = []
    for (const item of items) {
      const hit = cached.get(item.hash)
      const decoded = hit === undefined ? undefined : decodeOut(hit)
      if (decoded && Either.isRight(decoded)) {
        results.set(item.key, {
          out: decoded.right,
          provider: first.choice.provider,
          model: first.choice.model,
          tier: opts.tier,
          cached: true,
          injectionSuspected: suspicious.has(item.key)
        })
        stats.cacheHits++
      } else todo.push(item)
    }

    const cap = opts.maxOutputTokens ?? 16_000
    const giveUp = (batch: ReadonlyArray<BatchItem>, why: string) => {
      for (const i of batch) failed.set(i.key, why)
    }

    /** What one call sends: the items under short ids, and max_tokens from their count × the task's per-item size. */
    const prepare = (batch: ReadonlyArray<BatchItem>) => {
      const withIds = batch.map((item, n) => ({ id: shortId(n), item }))
      const user = `${batch.length} item(s) to judge:\n${renderItems(withIds.map((x) => ({ id: x.id, text: x.item.text })))}`
      const maxTokens = Math.min(cap, 64 + Math.ceil(batch.length * task.outputTokensPerItem * 1.3))
      return { withIds, user, maxTokens }
    }
    const requestOf = (choice: ModelChoice, user: string, maxTokens: number): CompletionRequest => ({
      model: choice.model,
      system: task.system,
      user,
      maxTokens,
      schemaName: task.schemaName,
      jsonSchema
    })

    interface CallMeta {
      readonly choice: ModelChoice
      readonly tier: Tier
      readonly items: number
      readonly attempt: number
      readonly latencyMs: number
      readonly batchId?: string
    }
    const ledger = (m: CallMeta, outcome: string, completion: Completion | undefined, usd: number, error?: string) =>
      recordCall({
        runId: opts.runId,
        node: opts.node,
        provider: m.choice.provider,
        model: m.choice.model,
        tier: m.tier,
        items: m.items,
        usage: completion?.usage ?? { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 },
        usd,
        latencyMs: m.latencyMs,
        outcome,
        error,
        promptVersion: task.promptVersion,
        attempt: m.attempt,
        batchId: m.batchId
      })
    const count = (completion: Completion, usd: number) => {
      stats.inputTokens += completion.usage.inputTokens
      stats.cachedInputTokens += completion.usage.cachedInputTokens
      stats.outputTokens += completion.usage.outputTokens
      stats.usd += usd
    }

    /**
     * An answer, online or from a batch, for the items under `withIds`: a truncated one is never repaired (the
     * items are split and asked again, smaller), a malformed one splits, and each id is decoded and checked.
     */
    const settleAnswer = (
      withIds: ReadonlyArray<{ id: string; item: BatchItem }>,
      completion: Completion,
      meta: CallMeta,
      usd: number,
      maxTokens: number,
      reask: boolean
    ): Effect.Effect<void, Fatal | WarehouseError, LlmProviders | Warehouse> =>
      Effect.gen(function* () {
        const batch = withIds.map((x) => x.item)
        const { choice, tier } = meta
        const splitOrGiveUp = (why: string) =>
          Effect.gen(function* () {
            if (batch.length > 1) {
              stats.splits++
              const half = Math.ceil(batch.length / 2)
              yield* call(batch.slice(0, half), false)
              yield* call(batch.slice(half), false)
            } else if (!reask) {
              stats.reasks++
              yield* call(batch, true)
            } else giveUp(batch, why)
          })

        if (completion.truncated) {
          yield* ledger(meta, "truncated", completion, usd)
          // Never repaired: half the items need half the output.
          if (batch.length > 1) {
            stats.splits++
            const half = Math.ceil(batch.length / 2)
            yield* call(batch.slice(0, half), false)
            yield* call(batch.slice(half), false)
          } else giveUp(batch, `answer truncated at max_tokens=${maxTokens} even for this item alone`)
          return
        }
        const parsed = Either.try(() => parseAnswer(completion.text)).pipe(
          Either.flatMap((j) => Schema.decodeUnknownEither(Answer)(j))
        )
        if (Either.isLeft(parsed)) {
          yield* ledger(
            meta,
            "malformed",
            completion,
            usd,
            `not {"results": [...]} JSON: ${completion.text.slice(0, 120)}`
          )
          return yield* splitOrGiveUp("the model answered malformed JSON twice")
        }

        const byId = new Map<string, unknown[]>()
        for (const el of parsed.right.results) {
          const id = Schema.decodeUnknownEither(WithId)(el)
          if (Either.isRight(id)) byId.set(id.right.id, [...(byId.get(id.right.id) ?? []), el])
        }
        const good: Array<{ item: BatchItem; out: Out; raw: unknown }> = []
        const bad: Array<{ item: BatchItem; why: string }> = []
        for (const { id, item } of withIds) {
          const els = byId.get(id) ?? []
          if (els.length === 0) {
            bad.push({ item, why: `id ${id} missing from the answer` })
            continue
          }
          if (els.length > 1) {
            bad.push({ item, why: `id ${id} answered ${els.length} times` })
            continue
          }
          const out = decodeOut(els[0])
          if (Either.isLeft(out)) {
            bad.push({ item, why: `id ${id}: ${out.left.message.split("\n").slice(-1)[0]}` })
            continue
          }
          const problem = task.check?.(out.right, item)
          if (problem) {
            bad.push({ item, why: `id ${id}: ${problem}` })
            continue
          }
          good.push({ item, out: out.right, raw: Schema.encodeSync(task.itemSchema)(out.right) })
        }
        yield* ledger(
          meta,
          bad.length === 0 ? "ok" : "incomplete",
          completion,
          usd,
          bad.length === 0
            ? undefined
            : bad
                .slice(0, 5)
                .map((b) => b.why)
                .join("; ")
        )
        state.answered += good.length
        if (meta.batchId) stats.batchAnswered += good.length
        for (const g of good)
          results.set(g.item.key, {
            out: g.out,
            provider: choice.provider,
            model: choice.model,
            tier,
            cached: false,
            injectionSuspected: suspicious.has(g.item.key)
          })
        // Cached only under the model that answered; a downgraded answer does not pose as the better model's.
        yield* storeResults(
          task.promptVersion,
          choice.model,
          good.map((g) => ({ hash: g.item.hash, result: g.raw }))
        )
        if (reask) {
          for (const b of bad) failed.set(b.item.key, `${b.why} (also after re-asking it alone)`)
          return
        }
        for (const b of bad) {
          stats.reasks++
          yield* call([b.item], true)
        }
      })

    /** One online call for `batch`: budget reserved first, retriable failures retried with backoff, every attempt a ledger row. */
    const call = (
      batch: ReadonlyArray<BatchItem>,
      reask: boolean
    ): Effect.Effect<void, Fatal | WarehouseError, LlmProviders | Warehouse> =>
      Effect.gen(function* () {
        if (state.stopped) {
          unscored.push(...batch.map((i) => i.key))
          return
        }
        const { choice, price } = yield* choose()
        const tier = state.tier
        const { withIds, user, maxTokens } = prepare(batch)
        const worstUsd = costUsd(price, {
          inputTokens: estimateTokens(task.system + user, true),
          cachedInputTokens: 0,
          outputTokens: maxTokens
        })
        const reserved = yield* budget.reserve(worstUsd).pipe(Effect.either)
        if (Either.isLeft(reserved)) {
          const cheaper = cheaperTier(state.tier)
          if (settings.onBudget === "downgrade" && cheaper && modelFor(settings, cheaper)) {
            if (state.tier === tier) {
              state.tier = cheaper
              stats.downgrades++
            }
            return yield* call(batch, reask)
          }
          state.stopped ??= reserved.left
          unscored.push(...batch.map((i) => i.key))
          return
        }
        const reservation: Reservation = reserved.right
        const client = yield* providers.get(choice.provider)
        const metaOf = (attempt: number, latencyMs: number): CallMeta => ({
          choice,
          tier,
          items: batch.length,
          attempt,
          latencyMs
        })

        for (let attempt = 1; ; attempt++) {
          const t0 = Date.now()
          stats.calls++
          const answer = yield* client.complete(requestOf(choice, user, maxTokens)).pipe(Effect.either)
          if (Either.isRight(answer)) {
            const completion = answer.right
            const usd = costUsd(price, completion.usage)
            const lost = completion.lostAttempts ?? 0
            // A worker killed mid-call may have been billed for it: a row each, at the answered call's cost.
            for (let i = 0; i < lost; i++) {
              yield* ledger(metaOf(attempt, 0), "worker_lost", completion, usd, LOST_ON_WORKER)
              count(completion, usd)
            }
            yield* budget.settle(reservation, usd * (1 + lost))
            count(completion, usd)
            return yield* settleAnswer(withIds, completion, metaOf(attempt, Date.now() - t0), usd, maxTokens, reask)
          }
          const err = answer.left
          yield* ledger(metaOf(attempt, Date.now() - t0), outcomeOf(err), undefined, 0, err.message)
          if (err._tag === "Fatal") {
            yield* budget.settle(reservation, 0)
            return yield* err
          }
          if (attempt > settings.retry.times) {
            yield* budget.settle(reservation, 0)
            state.lastError = err
            giveUp(batch, `${err.reason} after ${attempt} attempts: ${err.message}`)
            return
          }
          const delayMs = backoffMs(settings.retry, attempt - 1, err.retryAfterMs)
          stats.retries++
          stats.retryLog.push({ reason: err.reason, delayMs })
          yield* Effect.sleep(Duration.millis(delayMs))
        }
      })

    /** A batch in flight: its id, and per request the items still wanted, each at its short id. */
    interface InFlight {
      readonly batch: OpenBatch
      readonly requests: ReadonlyArray<{
        readonly customId: string
        readonly maxTokens: number
        readonly withIds: ReadonlyArray<{ id: string; item: BatchItem }>
      }>
      readonly reservation: Reservation
    }

    /**
     * Batch mode: the chunks go to the provider's batch API at half price. A batch an earlier run left in
     * flight (same node, prompt and model) is resumed for the items it carries; the rest are submitted as a
     * new batch, committed to `llm_batches` before the first poll. Returns the chunks that must go online
     * (no batch API, budget refused, submission failed); failed requests and a missed deadline go online here.
     */
    const viaBatches = (chunks: ReadonlyArray<ReadonlyArray<BatchItem>>) =>
      Effect.gen(function* () {
        const { choice, price } = yield* choose()
        const tier = state.tier
        const client = yield* providers.get(choice.provider)
        const api = client.batch
        if (!api) {
          notes.push(
            `${opts.node}: ${choice.provider} (${choice.model}) ${client.noBatch ?? "has no batch API"}; mode: batch ran online at the online price`
          )
          return chunks
        }
        const byKey = new Map(todo.map((i) => [i.key, i]))
        const covered = new Set<string>()
        const inFlight: InFlight[] = []
        for (const b of yield* openBatches(opts.node, task.promptVersion, choice.model)) {
          const requests = b.requests.map((r) => ({
            customId: r.customId,
            maxTokens: r.maxTokens,
            withIds: r.items.flatMap((x, n) => {
              const item = byKey.get(x.key)
              if (!item || item.hash !== x.hash || covered.has(item.key)) return []
              covered.add(item.key)
              return [{ id: shortId(n), item }]
            })
          }))
          stats.batchesResumed++
          inFlight.push({ batch: b, requests, reservation: { usd: 0 } })
        }
        const online: Array<ReadonlyArray<BatchItem>> = []
        const rest = chunks.map((c) => c.filter((i) => !covered.has(i.key))).filter((c) => c.length > 0)
        if (rest.length > 0) {
          const preps = rest.map((c, n) => ({ customId: `r${n}`, ...prepare(c) }))
          const worstUsd = preps.reduce(
            (s, p) =>
              s +
              costUsd(
                price,
                {
                  inputTokens: estimateTokens(task.system + p.user, true),
                  cachedInputTokens: 0,
                  outputTokens: p.maxTokens
                },
                true
              ),
            0
          )
          const reserved = yield* budget.reserve(worstUsd).pipe(Effect.either)
          // Over budget as one batch: the online path calls chunk by chunk and downgrades or stops as configured.
          if (Either.isLeft(reserved)) online.push(...rest)
          else {
            const submitted = yield* api
              .submit(preps.map((p) => ({ customId: p.customId, req: requestOf(choice, p.user, p.maxTokens) })))
              .pipe(Effect.either)
            if (Either.isLeft(submitted)) {
              yield* budget.settle(reserved.right, 0)
              // A refused key or credit stops the node; an endpoint that does not know the batch route
              // (an Anthropic-compatible proxy, say) is no reason not to answer online.
              if (submitted.left._tag === "Fatal" && submitted.left.reason !== "InvalidRequest")
                return yield* submitted.left
              notes.push(`${opts.node}: submitting the batch failed (${submitted.left.message}); ran online`)
              online.push(...rest)
            } else {
              const now = yield* Clock.currentTimeMillis
              const batch: OpenBatch = {
                batchId: submitted.right,
                provider: choice.provider,
                model: choice.model,
                tier,
                deadlineAtMs: now + (opts.batchDeadlineMs ?? 24 * 3600_000),
                requests: preps.map((p) => ({
                  customId: p.customId,
                  maxTokens: p.maxTokens,
                  items: p.withIds.map((x) => ({ key: x.item.key, hash: x.item.hash }))
                }))
              }
              // Committed before the first poll: from here on, a crash resumes this batch instead of paying twice.
              yield* commitBatch({ ...batch, node: opts.node, promptVersion: task.promptVersion, runId: opts.runId })
              stats.batchesSubmitted++
              inFlight.push({
                batch,
                requests: preps.map((p) => ({ customId: p.customId, maxTokens: p.maxTokens, withIds: p.withIds })),
                reservation: reserved.right
              })
            }
          }
        }
        for (const f of inFlight) yield* awaitBatch(api, f, price)
        return online
      })

    const awaitBatch = (api: BatchApi, f: InFlight, price: ModelPrice) =>
      Effect.gen(function* () {
        const { batch } = f
        const choice: ModelChoice = { provider: batch.provider, model: batch.model }
        const t0 = yield* Clock.currentTimeMillis
        const settleResults = (found: ReadonlyArray<BatchResult>) =>
          Effect.gen(function* () {
            const byCustom = new Map(found.map((r) => [r.customId, r]))
            let spent = 0
            const retry: BatchItem[][] = []
            for (const r of f.requests) {
              if (r.withIds.length === 0) continue
              const res = byCustom.get(r.customId)
              const meta: CallMeta = {
                choice,
                tier: batch.tier as Tier,
                items: r.withIds.length,
                attempt: 1,
                latencyMs: (yield* Clock.currentTimeMillis) - t0,
                batchId: batch.batchId
              }
              if (res && "completion" in res) {
                const usd = costUsd(price, res.completion.usage, true)
                spent += usd
                count(res.completion, usd)
                yield* settleAnswer(r.withIds, res.completion, meta, usd, r.maxTokens, false)
              } else {
                yield* ledger(meta, "batch_failed", undefined, 0, res?.error ?? "no result for this request")
                retry.push(r.withIds.map((x) => x.item))
              }
            }
            yield* budget.settle(f.reservation, spent)
            // Failed requests go online now, chunk by chunk, with the usual retries.
            for (const c of retry) {
              stats.batchFallbacks += c.length
              yield* call(c, false)
            }
          })
        let delay = opts.batchPoll?.baseMs ?? 15_000
        for (;;) {
          if ((yield* Clock.currentTimeMillis) >= batch.deadlineAtMs) {
            // Past the deadline: cancel, keep whatever finished, and ask the rest online.
            yield* api.cancel(batch.batchId).pipe(Effect.ignore)
            const partial = yield* api.results(batch.batchId).pipe(Effect.orElseSucceed(() => []))
            yield* finishBatch(batch.batchId, "past_deadline")
            notes.push(`${opts.node}: batch ${batch.batchId} passed its deadline; what was left ran online`)
            return yield* settleResults(partial)
          }
          stats.batchPolls++
          const st = yield* api.status(batch.batchId).pipe(Effect.either)
          if (Either.isLeft(st) && st.left._tag === "Fatal") return yield* st.left
          if (Either.isRight(st) && st.right.state === "failed") {
            yield* finishBatch(batch.batchId, "failed")
            notes.push(`${opts.node}: batch ${batch.batchId} failed (${st.right.message}); ran online`)
            return yield* settleResults([])
          }
          if (Either.isRight(st) && st.right.state === "ended") {
            const found = yield* api.results(batch.batchId).pipe(Effect.either)
            if (Either.isRight(found)) {
              yield* settleResults(found.right)
              return yield* finishBatch(batch.batchId, "ended")
            }
            if (found.left._tag === "Fatal") return yield* found.left
          }
          // Still running (or a retriable hiccup while asking): wait longer each time, up to the cap.
          if (opts.stopWaitingAtMs !== undefined && (yield* Clock.currentTimeMillis) + delay >= opts.stopWaitingAtMs) {
            // The node's time is up: the batch stays in flight (committed), and the next run picks it up.
            yield* budget.settle(f.reservation, 0)
            const why = `in provider batch ${batch.batchId}, still running when the node's time ran out; the next run resumes it`
            for (const r of f.requests) for (const x of r.withIds) pending.set(x.item.key, why)
            notes.push(`${opts.node}: batch ${batch.batchId} is still running; the next run resumes it (no new batch)`)
            return
          }
          yield* Effect.sleep(Duration.millis(delay))
          delay = Math.min(delay * 2, opts.batchPoll?.capMs ?? 600_000)
        }
      })

    // An item that talks to the model goes alone: it cannot sway the judgement of any other item.
    // No batch may need more output than the model can give: size batches to max_tokens up front.
    const perCall = Math.max(1, Math.min(opts.batchSize, Math.floor((cap - 64) / (task.outputTokensPerItem * 1.3))))
    const normal = todo.filter((i) => !suspicious.has(i.key))
    const chunks: BatchItem[][] = todo.filter((i) => suspicious.has(i.key)).map((i) => [i])
    for (let i = 0; i < normal.length; i += perCall) chunks.push(normal.slice(i, i + perCall))
    const onlineChunks = opts.mode === "batch" && chunks.length > 0 ? yield* viaBatches(chunks) : chunks
    let done = todo.length - onlineChunks.reduce((n, c) => n + c.length, 0)
    if (done > 0) opts.onProgress?.(done, todo.length)
    yield* Effect.forEach(
      onlineChunks,
      (chunk) =>
        call(chunk, false).pipe(
          Effect.tap(() => Effect.sync(() => opts.onProgress?.((done += chunk.length), todo.length)))
        ),
      { concurrency: settings.concurrency, discard: true }
    )
    return {
      results,
      failed,
      unscored,
      budgetExceeded: state.stopped,
      finalTier: state.tier,
      stats,
      attempted: todo.length,
      answered: state.answered,
      lastError: state.lastError,
      notes,
      pending
    } satisfies BatchReport<Out>
  })

/**
 * The node's typed failure when it had items for a model and no call brought back one usable answer
 * (a provider down, every key rate limited, a model answering garbage): its rows would all be empty,
 * so the node fails instead of passing as a success. Retriable when the calls failed on retriable
 * errors (retry later, or `--resume`); Fatal when the model answered but nothing it said was usable.
 */
export const everyCallFailed = (
  node: string,
  reports: ReadonlyArray<BatchReport<unknown>>
): Retriable | Fatal | undefined => {
  const attempted = reports.reduce((n, r) => n + r.attempted, 0)
  const answered = reports.reduce((n, r) => n + r.answered, 0)
  const failed = reports.reduce((n, r) => n + r.failed.size, 0)
  if (attempted === 0 || answered > 0 || failed === 0) return undefined
  const calls = reports.reduce((n, r) => n + r.stats.calls, 0)
  const last = reports.map((r) => r.lastError).find((e) => e !== undefined)
  const example = reports.flatMap((r) => [...r.failed.values()])[0]
  const message = `${node}: every LLM call failed: ${failed} of ${attempted} item(s) unanswered after ${calls} call(s), none scored; e.g. ${example}`
  return last
    ? new Retriable({ reason: last.reason, message, retryAfterMs: last.retryAfterMs })
    : new Fatal({ reason: "Internal", message })
}
