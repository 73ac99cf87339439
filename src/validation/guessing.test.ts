import { describe, expect, it } from 'vitest'
import { PROOFS_TO_TRUST } from './constants.js'
import {
  chanceInRuns,
  DEFAULT_CALL_MODEL,
  impostorChanceInCalls,
  impostorChancePerRoute,
  impostorChancePerRun,
} from './guessing.js'

describe('impostor guessing model (the figures in docs/validation.md)', () => {
  const perRun = impostorChancePerRun()

  it('gives the documented chance per run when the caller is known', () => {
    expect(perRun).toBeGreaterThan(3e-4)
    expect(perRun).toBeLessThan(4.5e-4)
  })

  it('divides the chance by the number of caller ids the impostor must choose among', () => {
    const spread = impostorChancePerRun({ ...DEFAULT_CALL_MODEL, callerChoices: 100 })
    expect(spread).toBeCloseTo(perRun / 100, 12)
  })

  it('a coarser quantum makes guessing easier', () => {
    expect(impostorChancePerRun({ ...DEFAULT_CALL_MODEL, quantumMs: 20_000 })).toBeGreaterThan(perRun)
  })

  it('compounds runs per day', () => {
    expect(chanceInRuns(perRun, 0)).toBe(0)
    expect(chanceInRuns(perRun, 10)).toBeCloseTo(1 - (1 - perRun) ** 10, 15)
    expect(chanceInRuns(0.5, 2)).toBe(0.75)
  })

  it('a route needs PROOFS_TO_TRUST calls in a row: at most 1e-6 per route with the caller known', () => {
    const perRoute = impostorChancePerRoute(perRun, PROOFS_TO_TRUST)
    expect(perRoute).toBeLessThan(1e-6)
    expect(perRoute).toBeCloseTo(perRun ** 2, 15)
    // One proof would be p itself: the target needs two.
    expect(impostorChancePerRoute(perRun, 1)).toBeGreaterThan(1e-6)
    // Per day at 1,000 validated calls a day: about 1,000 x p^2.
    expect(impostorChanceInCalls(perRun, 2, 1000)).toBeCloseTo(1 - (1 - perRun ** 2) ** 999, 12)
  })
})
