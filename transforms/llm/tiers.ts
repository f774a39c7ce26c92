import { Schema } from "effect"

/**
 * The one tier enum (the user's old system had a processing tier A/B/C and an execution tier
 * fast/balanced/quality; this replaces both). `auto` picks from a job's fit tier.
 */
export const Tier = Schema.Literal("fast", "balanced", "quality")
export type Tier = typeof Tier.Type
export const TierChoice = Schema.Literal("fast", "balanced", "quality", "auto")
export type TierChoice = typeof TierChoice.Type

/**
 * `with.mode` of an LLM node. Unset: `batch` for a scheduled run (nobody waits on it; half price, answered
 * within the batch deadline), `online` for a run someone started and waits on (`jobsignal run`, the dashboard).
 */
export const LlmMode = Schema.Literal("online", "batch")
export type LlmMode = typeof LlmMode.Type

/** Fit tiers as Layer 4 defines them: A 85+, B 70–84, C 50–69, D below 50. */
export type FitTier = "A" | "B" | "C" | "D"
export type FitCategory = "exceptional" | "strong" | "good" | "moderate" | "weak"

export const fitTierOf = (score: number): FitTier => (score >= 85 ? "A" : score >= 70 ? "B" : score >= 50 ? "C" : "D")

/** Layer 4's rubric: 90–100 exceptional, 80–89 strong, 70–79 good, 60–69 moderate, below 60 weak. */
export const fitCategoryOf = (score: number): FitCategory =>
  score >= 90 ? "exceptional" : score >= 80 ? "strong" : score >= 70 ? "good" : score >= 60 ? "moderate" : "weak"

/** `auto`: the best jobs earn the strongest model; the long tail gets the cheap one. */
export const tierForFit = (fit: FitTier): Tier => (fit === "A" ? "quality" : fit === "B" ? "balanced" : "fast")

export const resolveTier = (choice: TierChoice, fit?: FitTier): Tier =>
  choice === "auto" ? tierForFit(fit ?? "C") : choice

/** The next cheaper tier, for downgrading when a budget would be exceeded; none below fast. */
export const cheaperTier = (t: Tier): Tier | undefined =>
  t === "quality" ? "balanced" : t === "balanced" ? "fast" : undefined
