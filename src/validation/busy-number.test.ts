import { describe, expect, it } from 'vitest'
import { DEFAULT_ATTEMPT_CAPS } from './attempt-caps.js'
import { simulateBusyNumber, type BusyNumberScenario } from './busy-number.js'

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

  /** Validations over `seeds` simulated days: the success rate and how many first validations succeeded. */
  const days = (scenario: Partial<BusyNumberScenario>, seeds = 10) => {
    let succeeded = 0
    let validations = 0
    let firstProofs = 0
    for (let seed = 1; seed <= seeds; seed++) {
      const r = simulateBusyNumber({ hours: 24, seed, ...scenario })
      succeeded += r.succeeded
      validations += r.validations
      if (r.firstSuccessAt === 1) firstProofs++
    }
    return { successRate: succeeded / validations, validations, firstProofs }
  }
  /** Without the caller hint, the clock hint and the originator's choice of a well-separated call. */
  const withoutHints = { callerHint: false, clockHint: false, separatedCall: false }
  const steady = { pairOffsetMs: { start: -200, end: -200 } }

  it("with the node's scheduler (one waiting validation, 1 to 60 min later): at least 95 % at 100 ms jitter", () => {
    const now = days({ ...steady, jitterMs: 100 })
    expect(now.validations).toBeGreaterThan(400)
    expect(now.successRate).toBeGreaterThanOrEqual(0.95)
    expect(days({ ...steady, jitterMs: 200 }).successRate).toBeGreaterThanOrEqual(0.95)
    // The claimer's query limit was 256 records: the hour's last hundred calls were never candidates.
    expect(days({ ...steady, jitterMs: 100, maxCandidates: 256 }).successRate).toBeLessThan(0.8)
    // Before: 77 % at 100 ms.
    expect(days({ ...steady, jitterMs: 100, ...withoutHints }).successRate).toBeLessThan(0.85)
    // Both are needed: the caller hint (84 % without) and the originator's choice of a separated call (94 %).
    expect(days({ ...steady, jitterMs: 100, callerHint: false }).successRate).toBeLessThan(0.9)
    expect(days({ ...steady, jitterMs: 100, separatedCall: false }).successRate).toBeLessThan(0.95)
    // Two proved calls (a trusted route) come within the first few validations.
    expect(simulateBusyNumber({ hours: 24, jitterMs: 25, ...steady }).secondSuccessAt).toBeLessThanOrEqual(3)
  })

  it('a pair whose clocks differ by 1.5 s proves its first call (the clock hint), where it nearly never did', () => {
    const skewed = { pairOffsetMs: { start: 1_300, end: 1_300 }, clockOffsetMs: 1_500, jitterMs: 100 }
    const now = days(skewed, 20)
    expect(now.firstProofs).toBeGreaterThanOrEqual(18)
    expect(now.successRate).toBeGreaterThanOrEqual(0.95)
    expect(days({ ...skewed, clockHint: false }, 20).firstProofs).toBeLessThanOrEqual(14)
    expect(days({ ...skewed, ...withoutHints }, 20).firstProofs).toBeLessThanOrEqual(4)
  })

  it("the originator's choice of a separated call leaves the delay and the start in the hour as uniform as before", () => {
    const bins = (values: number[], lo: number, hi: number) => {
      const h = [0, 0, 0, 0, 0, 0]
      for (const v of values) h[Math.min(5, Math.floor(((v - lo) / (hi - lo)) * 6))]!++
      return h
    }
    const seen = (separatedCall: boolean) => {
      const calls = Array.from({ length: 40 }, (_, i) =>
        simulateBusyNumber({ ...steady, hours: 24, seed: i + 1, separatedCall }),
      ).flatMap((r) => r.validatedCalls)
      return {
        delays: bins(
          calls.map((c) => c.delayMs),
          60_000,
          3_600_000,
        ),
        starts: bins(
          calls.map((c) => c.startInHourMs),
          0,
          3_600_000,
        ),
        n: calls.length,
      }
    }
    for (const choice of [true, false]) {
      const { delays, starts, n } = seen(choice)
      expect(n).toBeGreaterThan(1_800)
      // Each sixth within 20 % of n/6 (the scheduler's own spread passes the same bound).
      for (const count of [...delays, ...starts]) expect(Math.abs(count - n / 6)).toBeLessThan(0.2 * (n / 6))
    }
  })
})
