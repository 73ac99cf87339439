import { describe, expect, it } from 'vitest'
import { DEFAULT_ATTEMPT_CAPS } from './attempt-caps.js'
import { simulateBusyNumber } from './busy-number.js'

/** The soak's load: a call every 10 s from one enterprise's 5 users, each validated 0.5 to 2 s after it ends. */
const soakLoad = { policy: 'every-call', delayMinMs: 500, delayMaxMs: 2_000, hours: 0.5 } as const
/** Before issue 18: every run counted against 20 an hour, the pick uncalibrated, proven records not left out. */
const before = {
  improvedPick: false,
  caps: { ...DEFAULT_ATTEMPT_CAPS, perPeerPerHour: 20, failuresPerPeerPerHour: 1e9 },
}

describe('a busy number (called every 10 s by one enterprise), simulated over the real claimer logic', () => {
  it('validates at least 95 % of the time under the soak load; under 10 % as before', () => {
    const now = simulateBusyNumber(soakLoad)
    expect(now.validations).toBeGreaterThan(100)
    expect(now.successRate).toBeGreaterThanOrEqual(0.95)
    expect(now.refused).toBe(0)
    const old = simulateBusyNumber({ ...soakLoad, ...before })
    expect(old.successRate).toBeLessThan(0.1)
    expect(old.refused).toBeGreaterThan(old.validations / 2)
  })

  it("with the node's scheduler (one waiting validation, 1 to 60 min later) success depends on the per-call jitter", () => {
    const at = (jitterMs: number) =>
      simulateBusyNumber({ hours: 24, jitterMs, pairOffsetMs: { start: -200, end: -200 } })
    expect(at(25).successRate).toBeGreaterThanOrEqual(0.95)
    expect(at(200).successRate).toBeLessThan(0.9)
    // Two proved calls (a trusted route) come within the first few validations.
    expect(at(25).secondSuccessAt).toBeLessThanOrEqual(3)
  })
})
