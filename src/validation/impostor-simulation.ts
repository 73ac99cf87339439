/**
 * An impostor claimer attacking honest originators, simulated call by call, to check the guessing model
 * (guessing.ts) where its figures are large enough to observe: calls drawn from a CallModel, the originator's
 * grids and hint as the protocol makes them, and the impostor's best guess from what it sees. Pure; seeded.
 *
 * What the impostor sees of one run: the hinted period (it knows the call started in it), the phases of the
 * originator's two grids, and when the run arrived (x). Because the honest originator centres both its times
 * in their cells, the phases fix the call's duration modulo the quantum: d = delta + m*Q with delta = (phase_end
 * - phase_start) mod Q. Every pair (start cell i, m) consistent with x (start in the period, delay x - start - d
 * in the scheduler's range) has posterior weight proportional to the duration density at delta + m*Q (starts
 * and delays are uniform), so its best guess is the most likely feasible m, and any feasible start cell for it.
 */
import { type CallModel, DEFAULT_CALL_MODEL } from './guessing.js'

function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

const MAX_DURATION_MS = 4 * 3_600_000

function durationDensity(model: CallModel, d: number): number {
  if (d < model.minDurationMs || d > MAX_DURATION_MS) return 0
  const z = (Math.log(d) - Math.log(model.durationMedianMs)) / model.durationSigma
  return Math.exp((-z * z) / 2) / d
}

function sampleDuration(model: CallModel, random: () => number): number {
  for (;;) {
    const d = Math.round(model.durationMedianMs * Math.exp(model.durationSigma * normal(random)))
    if (d >= model.minDurationMs && d <= MAX_DURATION_MS) return d
  }
}

/** One run: whether the impostor's best guess is the call's secret (right caller assumed; see callerChoices). */
export function impostorRunSucceeds(model: CallModel, random: () => number): boolean {
  const Q = model.quantumMs
  const period = model.hintPeriodMs === 0 ? 3_600_000 : model.hintPeriodMs
  // The true call, in ms from the start of its hinted period; the originator centres its times in their cells.
  const start = Math.floor(random() * period)
  const duration = sampleDuration(model, random)
  const delay = model.delayMinMs + random() * (model.delayMaxMs - model.delayMinMs)
  const x = start + duration + delay
  const phaseStart = (((start - Q / 2) % Q) + Q) % Q
  const delta = (((duration % Q) + Q) % Q) as number
  // Start cells: centres at phaseStart + i*Q + Q/2. The truth: i0, m0.
  const centre = (i: number) => phaseStart + i * Q + Q / 2
  const i0 = Math.round((start - phaseStart - Q / 2) / Q)
  const m0 = Math.round((duration - delta) / Q)
  // Feasible start cells for duration delta + m*Q: centre in the period (when hinted) and delay in range.
  const feasible = (m: number): [number, number] | undefined => {
    const d = delta + m * Q
    const lo = x - model.delayMaxMs - d
    const hi = x - model.delayMinMs - d
    const from = Math.max(model.hintPeriodMs === 0 ? -Infinity : 0, lo)
    const to = Math.min(model.hintPeriodMs === 0 ? Infinity : period - 1, hi)
    const first = Math.ceil((from - phaseStart - Q / 2) / Q)
    const last = Math.floor((to - phaseStart - Q / 2) / Q)
    return first <= last ? [first, last] : undefined
  }
  let best: { m: number; weight: number; cells: [number, number] } | undefined
  for (let m = 0; delta + m * Q <= MAX_DURATION_MS; m++) {
    const weight = durationDensity(model, delta + m * Q)
    if (weight === 0) continue
    const cells = feasible(m)
    if (cells === undefined) continue
    if (best === undefined || weight > best.weight) best = { m, weight, cells }
  }
  if (best === undefined || best.m !== m0) return false
  const [first, last] = best.cells
  const guess = first + Math.floor(random() * (last - first + 1))
  return guess === i0 && Math.abs(centre(guess) - start) < Q / 2
}

export interface ImpostorSimulation {
  readonly runs: number
  readonly runSuccesses: number
  /** Route attempts: `proofsToTrust` calls in a row, each a run. */
  readonly routeAttempts: number
  readonly routes: number
}

/**
 * `attempts` route attempts of `proofsToTrust` calls each (independent calls, as an originator's calls to a
 * number are): how often the impostor proves them all, i.e. gets a route it can use.
 */
export function simulateImpostor(
  model: CallModel = DEFAULT_CALL_MODEL,
  proofsToTrust: number,
  attempts: number,
  random: () => number,
): ImpostorSimulation {
  let runs = 0
  let runSuccesses = 0
  let routes = 0
  for (let a = 0; a < attempts; a++) {
    let all = true
    for (let k = 0; k < proofsToTrust; k++) {
      runs++
      const won = impostorRunSucceeds(model, random) && random() < 1 / model.callerChoices
      if (won) runSuccesses++
      else {
        all = false
        break
      }
    }
    if (all) routes++
  }
  return { runs, runSuccesses, routeAttempts: attempts, routes }
}
