import { describe, expect, it } from 'vitest'
import { seededRandom } from './busy-number.js'
import { DEFAULT_CALL_MODEL, impostorChancePerRoute, impostorChancePerRun } from './guessing.js'
import { simulateImpostor } from './impostor-simulation.js'

/** Within `sigmas` standard deviations of a binomial with `n` trials and probability `p`. */
const agrees = (observed: number, n: number, p: number, sigmas = 4) =>
  Math.abs(observed - n * p) <= sigmas * Math.sqrt(n * p * (1 - p))

describe('an impostor claimer guessing optimally, simulated, agrees with the model', () => {
  // Relaxed so that successes are common enough to count: 2-minute cells, validation within 1 to 10 min.
  const relaxed = { ...DEFAULT_CALL_MODEL, quantumMs: 120_000, delayMaxMs: 600_000 }
  const perRun = impostorChancePerRun(relaxed)

  it('per run', () => {
    const n = 20_000
    const sim = simulateImpostor(relaxed, 1, n, seededRandom(11))
    expect(perRun).toBeGreaterThan(0.1)
    expect(agrees(sim.routes, n, perRun)).toBe(true)
  })

  it('per route, with two calls in a row needed: p^2', () => {
    const n = 30_000
    const sim = simulateImpostor(relaxed, 2, n, seededRandom(12))
    expect(agrees(sim.routes, n, impostorChancePerRoute(perRun, 2))).toBe(true)
    // and clearly not p: one proof would be far weaker
    expect(sim.routes / n).toBeLessThan(perRun / 3)
  })

  it('with a 10-minute hint and 1-minute cells', () => {
    const model = { ...DEFAULT_CALL_MODEL, quantumMs: 60_000, hintPeriodMs: 600_000 }
    const n = 20_000
    const sim = simulateImpostor(model, 1, n, seededRandom(13))
    expect(agrees(sim.routes, n, impostorChancePerRun(model))).toBe(true)
  })
})
