/**
 * How likely an impostor claimer is to guess a call's secret in one run, under a stated model of calls: the
 * figures in docs/validation.md come from here, so they can be recomputed when the model or the tunables
 * change. Deterministic numeric integration, no sampling.
 *
 * The impostor knows the called number, the hint (the hour the call started in) and when the run arrived
 * (the scheduler runs it a uniform 1 to 60 min after the call ended); the phases tell it nothing. Its best
 * guess is the most likely duration window and any start consistent with what it knows; its chance is the
 * probability mass of that one (start cell, end cell) pair, averaged over the calls the model generates.
 */
import { CALL_TIME_QUANTUM_MS, START_HINT_PERIOD_MS } from './constants.js'

export interface CallModel {
  /** Call durations: log-normal with this median (ms) and sigma, at least minDurationMs. */
  readonly durationMedianMs: number
  readonly durationSigma: number
  readonly minDurationMs: number
  /** The validation runs a uniform delay in [min, max] after the call ended. */
  readonly delayMinMs: number
  readonly delayMaxMs: number
  /** Caller numbers the impostor must choose among, equally likely (1: the caller presents one main number). */
  readonly callerChoices: number
  readonly quantumMs: number
  /** The hint's period; 0 for no hint at all. */
  readonly hintPeriodMs: number
}

/** Typical business calls and this project's scheduler and tunables. */
export const DEFAULT_CALL_MODEL: CallModel = {
  durationMedianMs: 120_000,
  durationSigma: 1,
  minDurationMs: 10_000,
  delayMinMs: 60_000,
  delayMaxMs: 3_600_000,
  callerChoices: 1,
  quantumMs: CALL_TIME_QUANTUM_MS,
  hintPeriodMs: START_HINT_PERIOD_MS,
}

/** Integration step, ms: a tenth of a quantum. */
const STEP_MS = 1_000
/** Durations beyond this carry negligible mass for any sensible model (4 h). */
const MAX_DURATION_MS = 4 * 3_600_000

function durationDensity(model: CallModel): Float64Array {
  const n = Math.floor(MAX_DURATION_MS / STEP_MS)
  const p = new Float64Array(n)
  let total = 0
  for (let i = 0; i < n; i++) {
    const d = i * STEP_MS
    if (d < model.minDurationMs) continue
    const z = (Math.log(d) - Math.log(model.durationMedianMs)) / model.durationSigma
    p[i] = Math.exp((-z * z) / 2) / d
    total += p[i]!
  }
  for (let i = 0; i < n; i++) p[i]! /= total
  return p
}

const overlap = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0))

/** The impostor claimer's mean chance of success in one run, under the model. */
export function impostorChancePerRun(model: CallModel = DEFAULT_CALL_MODEL): number {
  const p = durationDensity(model)
  // Mass of the best duration window: the most likely quantum-wide run of durations.
  const cellSteps = Math.round(model.quantumMs / STEP_MS)
  let window = 0
  for (let i = 0; i < cellSteps; i++) window += p[i]!
  let bestWindow = window
  for (let i = cellSteps; i < p.length; i++) {
    window += p[i]! - p[i - cellSteps]!
    bestWindow = Math.max(bestWindow, window)
  }
  const delaySpan = model.delayMaxMs - model.delayMinMs
  // Starts the impostor still considers, in ms, when the run arrives x ms after the hinted period began:
  // those in the period whose call could have ended within the delay range before x.
  const plausibleStarts = (x: number) => {
    if (model.hintPeriodMs === 0) return delaySpan
    let z = 0
    for (let i = 0; i < p.length; i += 4) {
      if (p[i] === 0) continue
      const d = i * STEP_MS
      z += 4 * p[i]! * overlap(0, model.hintPeriodMs, x - model.delayMaxMs - d, x - model.delayMinMs - d)
    }
    return z
  }
  // Average over true calls: start uniform in its period, duration from the model, delay uniform.
  const period = model.hintPeriodMs === 0 ? 3_600_000 : model.hintPeriodMs
  const starts = 24
  const delays = 24
  let sum = 0
  let weight = 0
  const cache = new Map<number, number>()
  for (let si = 0; si < starts; si++) {
    const s = ((si + 0.5) / starts) * period
    for (let di = 0; di < p.length; di += 20) {
      const pd = p[di]!
      if (pd === 0) continue
      for (let ei = 0; ei < delays; ei++) {
        const x = Math.round((s + di * STEP_MS + model.delayMinMs + ((ei + 0.5) / delays) * delaySpan) / 10_000)
        let z = cache.get(x)
        if (z === undefined) cache.set(x, (z = plausibleStarts(x * 10_000)))
        sum += pd * Math.min(1, (model.quantumMs * bestWindow) / Math.max(z, model.quantumMs))
        weight += pd
      }
    }
  }
  return sum / weight / model.callerChoices
}

/** Chance of at least one success in n independent runs. */
export const chanceInRuns = (perRun: number, runs: number): number => 1 - Math.pow(1 - perRun, runs)

/**
 * An impostor's chance of a route it can use, per route attempt: it must prove `proofsToTrust` distinct calls
 * in a row (trust.ts; a failed proof drops a candidate), and each call is a fresh, independent guess. In a
 * conflict with an established route of n proved calls the newcomer needs n + 1 (at least 3), so p^3 or less.
 */
export const impostorChancePerRoute = (perRun: number, proofsToTrust: number): number => Math.pow(perRun, proofsToTrust)

/**
 * Chance of at least one usable route in `calls` calls to the number (each validated, each a guess): every run
 * of `proofsToTrust` calls in a row is a chance, so about calls x p^k.
 */
export const impostorChanceInCalls = (perRun: number, proofsToTrust: number, calls: number): number =>
  chanceInRuns(impostorChancePerRoute(perRun, proofsToTrust), Math.max(0, calls - proofsToTrust + 1))
