import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import {
  CALL_TIME_QUANTUM_MS,
  callPassword,
  checkCallDetails,
  checkPhases,
  offsetFromCentre,
  phasesFor,
  pickCallRecord,
  startHintFor,
  startWindow,
  type CallDetails,
} from './call-secret.js'
import { MAX_SKEW_PER_END_MS } from './constants.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const Q = CALL_TIME_QUANTUM_MS
const call: CallDetails = {
  caller: '+12015550100' as E164,
  called: '+12025550102' as E164,
  start: Date.parse('2026-11-25T10:00:03.250Z'),
  end: Date.parse('2026-11-25T10:04:41.900Z'),
}
const skew = fc.integer({ min: -MAX_SKEW_PER_END_MS, max: MAX_SKEW_PER_END_MS })

describe('call secret', () => {
  it('agrees whenever each end is off by up to 2 s at start and at end', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
        fc.integer({ min: 1000, max: 3 * 3600_000 }),
        skew,
        skew,
        skew,
        skew,
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

  it('tolerates a difference in [-Q/2, Q/2) exactly, for start and end alike', () => {
    const phases = phasesFor(call)
    const mine = hex(callPassword(call, phases))
    const shifted = (ds: number, de: number) =>
      hex(callPassword({ ...call, start: call.start + ds, end: call.end + de }, phases))
    expect(shifted(-Q / 2, 0)).toBe(mine)
    expect(shifted(Q / 2 - 1, 0)).toBe(mine)
    expect(shifted(Q / 2, 0)).not.toBe(mine)
    expect(shifted(-Q / 2 - 1, 0)).not.toBe(mine)
    expect(shifted(0, Q / 2 - 1)).toBe(mine)
    expect(shifted(0, Q / 2)).not.toBe(mine)
    fc.assert(
      fc.property(fc.integer({ min: Q / 2 + 1, max: 86_400_000 }), fc.boolean(), fc.boolean(), (d, later, atEnd) => {
        const delta = later ? d : -d
        expect(shifted(atEnd ? 0 : delta, atEnd ? delta : 0)).not.toBe(mine)
      }),
    )
  })

  it('differs for another caller or another called number', () => {
    const phases = phasesFor(call)
    const mine = hex(callPassword(call, phases))
    expect(hex(callPassword({ ...call, caller: '+12015550101' as E164 }, phases))).not.toBe(mine)
    expect(hex(callPassword({ ...call, called: '+12025550103' as E164 }, phases))).not.toBe(mine)
    // Swapping caller and called is another call.
    expect(hex(callPassword({ ...call, caller: call.called, called: call.caller }, phases))).not.toBe(mine)
  })

  it('encodes canonically: label, quantum, then length-prefixed fields', () => {
    const phases = { start: 0, end: 0 }
    const secret = callPassword({ ...call, start: 25_000, end: 95_000 }, phases)
    const expected = Buffer.concat([
      Buffer.from([18]),
      Buffer.from('ime/call-secret/v1'),
      Buffer.from([8, 0, 0, 0, 0, 0, 0, 0x27, 0x10]), // quantum 10,000
      Buffer.from([12]),
      Buffer.from('+12015550100'),
      Buffer.from([12]),
      Buffer.from('+12025550102'),
      Buffer.from([8, 0, 0, 0, 0, 0, 0, 0, 2]), // start cell 2
      Buffer.from([8, 0, 0, 0, 0, 0, 0, 0, 9]), // end cell 9
    ])
    expect(hex(secret)).toBe(expected.toString('hex'))
    // The same cells under another quantum are another secret.
    expect(hex(callPassword({ ...call, start: 50_000, end: 190_000 }, phases, 2 * Q))).not.toBe(hex(secret))
  })

  it('phases depend only on the time modulo the quantum, so they say nothing of the cells', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        (t, k) => {
          const a = phasesFor({ ...call, start: t, end: t + 60_000 })
          const b = phasesFor({ ...call, start: t + k * Q, end: t + 60_000 + k * Q })
          expect(b).toEqual(a)
          expect(checkPhases(a).ok).toBe(true)
          // And the originator's own times sit in the middle of their cells.
          expect(offsetFromCentre(t, a.start)).toBe(0)
        },
      ),
    )
  })

  it('refuses bad phases and bad call details with reasons', () => {
    expect(checkPhases({ start: -1, end: 0 })).toEqual({
      ok: false,
      error: 'the start grid phase must be a whole ms in [0, 10000); got -1',
    })
    expect(checkPhases({ start: 0, end: Q }).ok).toBe(false)
    expect(checkPhases({ start: 0.5, end: 0 }).ok).toBe(false)
    expect(checkPhases({ start: Number.NaN, end: 0 }).ok).toBe(false)
    expect(checkCallDetails(call)).toEqual({ ok: true, value: call })
    expect(checkCallDetails({ ...call, caller: '2015550100' as E164 })).toEqual({
      ok: false,
      error: 'caller "2015550100" is not an E.164 number',
    })
    expect(checkCallDetails({ ...call, called: '+0' as E164 }).ok).toBe(false)
    expect(checkCallDetails({ ...call, start: 1.5 }).ok).toBe(false)
    expect(checkCallDetails({ ...call, end: call.start - 1 })).toEqual({
      ok: false,
      error: 'end must be a whole ms, not before start',
    })
  })
})

describe('finding the record a proof is about', () => {
  it('the hinted window holds every record that could agree, across the hour boundary', () => {
    const nearBoundary = { ...call, start: Date.parse('2026-11-25T10:59:59.000Z') }
    const hint = startHintFor(nearBoundary)
    const window = startWindow(hint)
    for (const d of [-4000, 0, 4000]) {
      const t = nearBoundary.start + d
      expect(t >= window.from && t <= window.to).toBe(true)
    }
    expect(window.to - window.from).toBe(3600_000 + Q)
  })

  it('picks the matching record among other calls in the hour, from the phases alone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3600_000 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: -300, max: 300 }),
        fc.integer({ min: -300, max: 300 }),
        fc.integer({ min: 0, max: 20 }),
        (others, ds, de, at) => {
          const hour = Math.floor(call.start / 3600_000) * 3600_000
          const phases = phasesFor(call)
          const mine = { ...call, start: call.start + ds, end: call.end + de, id: 'mine' }
          const candidates = others.map((t, i) => ({
            ...call,
            start: hour + t,
            end: hour + t + 60_000 + i * 7_919,
            id: `other-${i}`,
          }))
          candidates.splice(at % (candidates.length + 1), 0, mine)
          const picked = pickCallRecord(candidates, phases)
          // Another call may sit as close to the middles by chance; then it must sit closer.
          const score = (r: CallDetails) =>
            Math.max(Math.abs(offsetFromCentre(r.start, phases.start)), Math.abs(offsetFromCentre(r.end, phases.end)))
          expect(picked).toBeDefined()
          if (picked!.id !== 'mine') expect(score(picked!)).toBeLessThanOrEqual(score(mine))
        },
      ),
    )
    expect(pickCallRecord([], phasesFor(call))).toBeUndefined()
  })

  it('with calls spread evenly, the right record wins about as often as predicted', () => {
    // Ten other calls in the hour, the right record 1 s off centre at one end: each other call beats it with
    // probability (2 * 1 s / 10 s)^2 = 4 %, so it wins with probability 0.96^10 = 66 %.
    let wins = 0
    const runs = 2000
    let seed = 1
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647
    for (let r = 0; r < runs; r++) {
      const phases = phasesFor(call)
      const mine = { ...call, start: call.start + 1000, id: 'mine' }
      const others = Array.from({ length: 10 }, (_, i) => {
        const start = call.start - 1800_000 + Math.floor(next() * 3600_000)
        return { ...call, start, end: start + 30_000 + Math.floor(next() * 600_000), id: `o${i}` }
      })
      if (pickCallRecord([...others, mine], phases)?.id === 'mine') wins++
    }
    expect(wins / runs).toBeGreaterThan(0.6)
    expect(wins / runs).toBeLessThan(0.72)
  })

  it('leaves a record already proven for the asking peer to last: the issue-18 call-back', () => {
    const ms = (t: number) => t // ms into an hour that starts on a whole quantum
    const first = { id: 'first', caller: call.caller, called: call.called, start: ms(926_360), end: ms(931_638) }
    const right = { id: 'right', caller: call.caller, called: call.called, start: ms(944_939), end: ms(950_416) }
    // The originator's record of the fallback call; on its grids the first call fits better (441/870 vs 980/352 ms).
    const phases = phasesFor({ ...call, start: ms(945_919), end: ms(950_768) })
    expect(offsetFromCentre(first.start, phases.start)).toBe(441)
    expect(offsetFromCentre(right.start, phases.start)).toBe(-980)
    expect(pickCallRecord([first, right], phases)?.id).toBe('first')
    const proven = (r: { id: string }) => r.id === 'first'
    expect(pickCallRecord([first, right], phases, { provenBefore: proven })?.id).toBe('right')
    // Only proven records left (a re-validation of the same call): the best of them.
    expect(pickCallRecord([first], phases, { provenBefore: proven })?.id).toBe('first')
    // A re-validation of a proven call with another call in the hour: the proven record still wins while it
    // fits more than the margin better (here 50 ms against 3 s).
    const proved = { ...first, id: 'proved', start: 945_919 + 50, end: 950_768 - 50 }
    const later = { ...first, id: 'later', start: 945_919 + 30_000 + 3_000, end: 950_768 + 40_000 + 2_900 }
    const isProved = (r: { id: string }) => r.id === 'proved'
    expect(pickCallRecord([proved, later], phases, { provenBefore: isProved })?.id).toBe('proved')
  })

  it("scores records against the peer's expected offsets when the claimer has learned them", () => {
    const phases = phasesFor(call)
    const at = (id: string, ds: number, de: number) => ({ ...call, id, start: call.start + ds, end: call.end + de })
    // This peer's times run about 1 s after ours: our right record sits near -1000 ms, another call near 0.
    const right = at('right', -1_020, -970)
    const other = at('other', 10_000 + 150, 20_000 - 200)
    expect(pickCallRecord([right, other], phases)?.id).toBe('other')
    expect(pickCallRecord([right, other], phases, { expectedOffset: { start: -1000, end: -1000 } })?.id).toBe('right')
  })
})
