import { Duration, Effect, Either, Schema } from "effect"
import { Fatal, Retriable } from "../../core/errors.ts"
import { backoffMs } from "../../sources/http.ts"
import type { Warehouse, WarehouseError } from "../../sinks/warehouse.ts"
import type { BudgetExceeded, LlmBudget, Reservation } from "./budget.ts"
import { cachedResults, storeResults } from "./cache.ts"
import { modelFor, type LlmSettings, type ModelChoice } from "./config.ts"
import { recordCall } from "./ledger.ts"
import { costUsd, priceOf, type ModelPrice } from "./prices.ts"
import { estimateTokens, renderItems, resultsJsonSchema, shortId, type BatchItem } from "./prompt.ts"
import { LlmProviders, type Completion } from "./provider.ts"
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
  /** Every retry's reason and chosen delay, in order (a server's retry-after wins over backoff). */
  readonly retryLog: Array<{ reason: Retriable["reason"]; delayMs: number }>
}

export interface BatchReport<Out> {
  readonly results: Map<string, ItemResult<Out>>
  /** Items given up on, with why (truncated alone, invalid after a re-ask, retries exhausted). */
  readonly failed: Map<string, string>
  /** Items not attempted because a budget stopped the node. */
  readonly unscored: string[]
  readonly budgetExceeded?: BudgetExceeded
  readonly finalTier: Tier
  readonly stats: BatchStats
  /** Items sent to a model this run (not served from the cache). */
  readonly attempted: number
  /** Items a model answered this run (not served from the cache). */
  readonly answered: number
  /** The last error a call gave up on after its retries. */
  readonly lastError?: Retriable
}

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
        const withIds = batch.map((item, n) => ({ id: shortId(n), item }))
        const user = `${batch.length} item(s) to judge:\n${renderItems(withIds.map((x) => ({ id: x.id, text: x.item.text })))}`
        const maxTokens = Math.min(cap, 64 + Math.ceil(batch.length * task.outputTokensPerItem * 1.3))
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
        const ledger = (
          outcome: string,
          completion: Completion | undefined,
          usd: number,
          latencyMs: number,
          attempt: number,
          error?: string
        ) =>
          recordCall({
            runId: opts.runId,
            node: opts.node,
            provider: choice.provider,
            model: choice.model,
            tier,
            items: batch.length,
            usage: completion?.usage ?? { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 },
            usd,
            latencyMs,
            outcome,
            error,
            promptVersion: task.promptVersion,
            attempt
          })

        let completion: Completion | undefined
        let used = { attempt: 0, latencyMs: 0 }
        for (let attempt = 1; completion === undefined; attempt++) {
          const t0 = Date.now()
          stats.calls++
          const answer = yield* client
            .complete({
              model: choice.model,
              system: task.system,
              user,
              maxTokens,
              schemaName: task.schemaName,
              jsonSchema
            })
            .pipe(Effect.either)
          if (Either.isRight(answer)) {
            completion = answer.right
            const usd = costUsd(price, completion.usage)
            yield* budget.settle(reservation, usd)
            stats.inputTokens += completion.usage.inputTokens
            stats.cachedInputTokens += completion.usage.cachedInputTokens
            stats.outputTokens += completion.usage.outputTokens
            stats.usd += usd
            used = { attempt, latencyMs: Date.now() - t0 }
            break
          }
          const err = answer.left
          yield* ledger(outcomeOf(err), undefined, 0, Date.now() - t0, attempt, err.message)
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
        const meta = used
        const usd = costUsd(price, completion.usage)

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
          yield* ledger("truncated", completion, usd, meta.latencyMs, meta.attempt)
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
            "malformed",
            completion,
            usd,
            meta.latencyMs,
            meta.attempt,
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
          bad.length === 0 ? "ok" : "incomplete",
          completion,
          usd,
          meta.latencyMs,
          meta.attempt,
          bad.length === 0
            ? undefined
            : bad
                .slice(0, 5)
                .map((b) => b.why)
                .join("; ")
        )
        state.answered += good.length
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

    // An item that talks to the model goes alone: it cannot sway the judgement of any other item.
    // No batch may need more output than the model can give: size batches to max_tokens up front.
    const perCall = Math.max(1, Math.min(opts.batchSize, Math.floor((cap - 64) / (task.outputTokensPerItem * 1.3))))
    const normal = todo.filter((i) => !suspicious.has(i.key))
    const chunks: BatchItem[][] = todo.filter((i) => suspicious.has(i.key)).map((i) => [i])
    for (let i = 0; i < normal.length; i += perCall) chunks.push(normal.slice(i, i + perCall))
    let done = 0
    yield* Effect.forEach(
      chunks,
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
      lastError: state.lastError
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
