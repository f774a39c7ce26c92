import { Effect, ParseResult, Redacted, Schema } from "effect"
import { Fatal } from "../../core/errors.ts"
import { DurationString, parseDuration } from "../../core/spec.ts"
import type { LoadedDag } from "../../pipelines/load.ts"
import { builtinPrices, type PriceTable } from "./prices.ts"
import type { Tier } from "./tiers.ts"

const ProviderSpec = Schema.Struct({
  kind: Schema.Literal("anthropic", "openai", "openai_compatible"),
  base_url: Schema.optional(Schema.String),
  /** Environment variable holding the key; defaults to the SDK's own (ANTHROPIC_API_KEY, OPENAI_API_KEY). */
  api_key_env: Schema.optional(Schema.String),
  /** Environment variable holding the base URL; defaults to the SDK's own (ANTHROPIC_BASE_URL, OPENAI_BASE_URL). */
  base_url_env: Schema.optional(Schema.String),
  /** How to ask for JSON: the provider's schema-constrained mode, JSON mode, or instructions only. */
  structured: Schema.optional(Schema.Literal("json_schema", "json_object", "tool", "prompt"))
})
export type ProviderSpec = typeof ProviderSpec.Type

/** "provider/model"; the model part may itself contain slashes (OpenRouter: "openrouter/deepseek/deepseek-chat"). */
const ModelRef = Schema.String.pipe(
  Schema.pattern(/^[\w.-]+\/.+$/),
  Schema.annotations({ description: "provider/model" })
)

const Price = Schema.Struct({
  input: Schema.Number.pipe(Schema.nonNegative()),
  output: Schema.Number.pipe(Schema.nonNegative()),
  cached_input: Schema.optional(Schema.Number.pipe(Schema.nonNegative()))
})

/** The `llm:` block of dag.yaml. */
export const LlmSpec = Schema.Struct({
  providers: Schema.optional(Schema.Record({ key: Schema.String, value: ProviderSpec })),
  /** Candidates per tier, in order of preference; the first whose provider has a key is used. */
  tiers: Schema.optional(
    Schema.Struct({
      fast: Schema.optional(Schema.Array(ModelRef)),
      balanced: Schema.optional(Schema.Array(ModelRef)),
      quality: Schema.optional(Schema.Array(ModelRef))
    })
  ),
  prices: Schema.optional(Schema.Record({ key: Schema.String, value: Price })),
  /** When the next call would exceed a budget: try the next cheaper tier, or stop. */
  on_budget: Schema.optional(Schema.Literal("downgrade", "stop")),
  timeout: Schema.optional(DurationString),
  retry: Schema.optional(
    Schema.Struct({
      times: Schema.Int.pipe(Schema.between(0, 20)),
      base: Schema.optional(DurationString),
      cap: Schema.optional(DurationString)
    })
  ),
  concurrency: Schema.optional(Schema.Int.pipe(Schema.between(1, 64)))
}).annotations({ identifier: "Llm" })
export type LlmSpec = typeof LlmSpec.Type

export const defaultProviders: Record<string, ProviderSpec> = {
  anthropic: { kind: "anthropic" },
  openai: { kind: "openai" }
}

/** Without `llm.tiers`: the cheapest model with a batch API first (see dag.yaml and README "Cost at the floor"). */
export const defaultTiers: Record<Tier, ReadonlyArray<string>> = {
  fast: ["openai/gpt-5-nano", "anthropic/claude-haiku-4-5"],
  balanced: ["openai/gpt-5-mini", "anthropic/claude-sonnet-4-6"],
  quality: ["openai/gpt-5", "anthropic/claude-opus-4-5"]
}

export interface ResolvedProvider {
  readonly name: string
  readonly kind: ProviderSpec["kind"]
  readonly apiKey: Redacted.Redacted<string>
  readonly baseURL?: string
  readonly structured: NonNullable<ProviderSpec["structured"]>
  /** Its calls go to the `jobsignal worker`s holding its key (executor: bullmq); `apiKey` is this machine's, maybe empty. */
  readonly onWorkers?: true
}

export interface ModelChoice {
  readonly provider: string
  readonly model: string
}

/** Everything the LLM layer needs, resolved from dag.yaml and the environment. */
export interface LlmSettings {
  readonly providers: ReadonlyMap<string, ResolvedProvider>
  /** Per tier, the usable candidates (provider has a key), in preference order. */
  readonly tiers: Readonly<Record<Tier, ReadonlyArray<ModelChoice>>>
  readonly prices: PriceTable
  readonly onBudget: "downgrade" | "stop"
  readonly timeoutMs: number
  readonly retry: { readonly times: number; readonly baseMs: number; readonly capMs: number }
  readonly concurrency: number
  readonly budget: { readonly perRunUsd?: number; readonly perWeekUsd?: number; readonly perJobUsd?: number }
  /** Providers named in config but without a key, for the "falling back" notice. */
  readonly missingKeys: ReadonlyArray<string>
}

const defaultKeyEnv = (p: ProviderSpec, name: string) =>
  p.api_key_env ??
  (p.kind === "anthropic"
    ? "ANTHROPIC_API_KEY"
    : p.kind === "openai"
      ? "OPENAI_API_KEY"
      : `${name.toUpperCase().replace(/\W/g, "_")}_API_KEY`)
const defaultBaseEnv = (p: ProviderSpec, name: string) =>
  p.base_url_env ??
  (p.kind === "anthropic"
    ? "ANTHROPIC_BASE_URL"
    : p.kind === "openai"
      ? "OPENAI_BASE_URL"
      : `${name.toUpperCase().replace(/\W/g, "_")}_BASE_URL`)
const defaultStructured = (p: ProviderSpec) =>
  p.structured ?? (p.kind === "anthropic" ? "tool" : p.kind === "openai" ? "json_schema" : "json_object")

/** The providers dag.yaml names (with the built-in ones), key or not. */
export const providerNames = (dag: Pick<LoadedDag, "spec">): ReadonlyArray<string> =>
  Object.keys({ ...defaultProviders, ...((dag.spec.llm?.providers as Record<string, unknown> | undefined) ?? {}) })

/**
 * Decodes dag.yaml's `llm:` and `budgets.llm`, and reads keys and base URLs from `env`. A provider in `onWorkers`
 * (live workers hold its key) is usable without a key here: its calls go to them.
 */
export const resolveLlmSettings = (
  dag: Pick<LoadedDag, "spec" | "path">,
  env: Record<string, string | undefined> = process.env,
  onWorkers?: ReadonlySet<string>
) =>
  Effect.gen(function* () {
    const spec = yield* Schema.decodeUnknown(LlmSpec, { onExcessProperty: "error" })(dag.spec.llm ?? {}).pipe(
      Effect.mapError(
        (e) =>
          new Fatal({ reason: "Config", message: `${dag.path}: llm: ${ParseResult.TreeFormatter.formatErrorSync(e)}` })
      )
    )
    const specs = { ...defaultProviders, ...(spec.providers ?? {}) }
    const providers = new Map<string, ResolvedProvider>()
    const missingKeys: string[] = []
    for (const [name, p] of Object.entries(specs)) {
      const key = env[defaultKeyEnv(p, name)]
      const remote = onWorkers?.has(name) === true
      if (!key && !remote) {
        missingKeys.push(`${name} (${defaultKeyEnv(p, name)})`)
        continue
      }
      const baseURL = env[defaultBaseEnv(p, name)] || p.base_url
      if (p.kind === "openai_compatible" && !baseURL && !remote)
        return yield* new Fatal({
          reason: "Config",
          message: `${dag.path}: llm.providers.${name}: an openai_compatible provider needs base_url (or $${defaultBaseEnv(p, name)})`
        })
      providers.set(name, {
        name,
        kind: p.kind,
        apiKey: Redacted.make(key ?? ""),
        baseURL,
        structured: defaultStructured(p),
        ...(remote ? { onWorkers: true as const } : {})
      })
    }
    const tiers = {} as Record<Tier, ModelChoice[]>
    for (const t of ["fast", "balanced", "quality"] as const) {
      const override = env[`JOBSIGNAL_LLM_${t.toUpperCase()}`]
      const refs = override ? override.split(",") : (spec.tiers?.[t] ?? defaultTiers[t])
      tiers[t] = []
      for (const ref of refs) {
        const i = ref.indexOf("/")
        const provider = ref.slice(0, i).trim(),
          model = ref.slice(i + 1).trim()
        if (!(provider in specs))
          return yield* new Fatal({
            reason: "Config",
            message: `${dag.path}: llm.tiers.${t}: ${JSON.stringify(ref)} names provider ${JSON.stringify(provider)}, which is not in llm.providers (known: ${Object.keys(specs).join(", ")})`
          })
        if (providers.has(provider)) tiers[t].push({ provider, model })
      }
    }
    const b = dag.spec.budgets?.llm
    return {
      providers,
      tiers,
      prices: { ...builtinPrices, ...(spec.prices ?? {}) },
      onBudget: spec.on_budget ?? "stop",
      timeoutMs: parseDuration(spec.timeout ?? "120s")!,
      retry: {
        times: spec.retry?.times ?? 4,
        baseMs: parseDuration(spec.retry?.base ?? "1s")!,
        capMs: parseDuration(spec.retry?.cap ?? "60s")!
      },
      concurrency: spec.concurrency ?? 4,
      budget: { perRunUsd: b?.per_run_usd, perWeekUsd: b?.per_week_usd, perJobUsd: b?.per_job_usd },
      missingKeys
    } satisfies LlmSettings
  })

/** The model a tier uses now: its first candidate whose provider has a key. */
export const modelFor = (s: LlmSettings, tier: Tier): ModelChoice | undefined => s.tiers[tier][0]
