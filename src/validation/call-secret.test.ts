import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import { CALL_TIME_QUANTUM_MS, callPassword, checkPhases, phasesFor, type CallDetails } from './call-secret.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const call: CallDetails = {
  caller: '+12015550100' as E164,
  called: '+12025550102' as E164,
  start: Date.parse('2026-11-25T10:00:03.250Z'),
  end: Date.parse('2026-11-25T10:04:41.900Z'),
}

describe('call secret', () => {
  it('agrees whenever each end is off by up to 2 s at start and at end', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
        fc.integer({ min: 1000, max: 3 * 3600_000 }),
        fc.integer({ min: -2000, max: 2000 }),
        fc.integer({ min: -2000, max: 2000 }),
        fc.integer({ min: -2000, max: 2000 }),
        fc.integer({ min: -2000, max: 2000 }),
        (start, duration, s1, e1, s2, e2) => {
          // The true call, and each end's record of it, skewed independently.
          const originator = { ...call, start: start + s1, end: start + duration + e1 }
          const claimer = { ...call, start: start + s2, end: start + duration + e2 }
          const phases = phasesFor(originator)
          expect(hex(callPassword(claimer, phases))).toBe(hex(callPassword(originator, phases)))
        },
      ),
      { numRuns: 5000 },
    )
  })

  it('differs for another caller, another called number, or times a quantum away', () => {
    const phases = phasesFor(call)
    const mine = hex(callPassword(call, phases))
    expect(hex(callPassword({ ...call, caller: '+12015550101' as E164 }, phases))).not.toBe(mine)
    expect(hex(callPassword({ ...call, called: '+12025550103' as E164 }, phases))).not.toBe(mine)
    expect(hex(callPassword({ ...call, start: call.start + 6000 }, phases))).not.toBe(mine)
    expect(hex(callPassword({ ...call, end: call.end - 6000 }, phases))).not.toBe(mine)
    expect(hex(callPassword({ ...call, start: call.start + CALL_TIME_QUANTUM_MS }, phases))).not.toBe(mine)
  })

  it('phases are below the quantum, and bad phases are refused', () => {
    const phases = phasesFor(call)
    expect(checkPhases(phases).ok).toBe(true)
    expect(phases.start).toBeLessThan(CALL_TIME_QUANTUM_MS)
    expect(checkPhases({ start: -1, end: 0 }).ok).toBe(false)
    expect(checkPhases({ start: 0, end: CALL_TIME_QUANTUM_MS }).ok).toBe(false)
    expect(checkPhases({ start: 0.5, end: 0 }).ok).toBe(false)
  })
})
