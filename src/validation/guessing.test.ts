import { describe, expect, it } from 'vitest'
import { chanceInRuns, DEFAULT_CALL_MODEL, impostorChancePerRun } from './guessing.js'

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
})
