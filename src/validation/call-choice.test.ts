import { describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import { SqliteCallRecordStore } from '../store/call-record-store.js'
import { openDatabase } from '../store/database.js'
import { SqliteValidationQueue } from '../store/validation-queue-store.js'
import { clockPrior } from './attempt-caps.js'
import { callToValidate, chooseSeparatedCall, separation } from './call-choice.js'
import { callerHintFor, pickCallRecord, phasesFor } from './call-secret.js'

const alice = '+12015550100' as E164
const carol = '+12015550101' as E164
const bob = '+12025550102' as E164
const H = Date.UTC(2026, 10, 25, 9, 0, 0)
const call = (start: number, end: number, caller = alice) => ({ caller, called: bob, start, end })

describe("the originator's choice of the call to validate", () => {
  it('measures how near the nearest other call sits on grids centred on the call, modulo the quantum', () => {
    const c = call(H + 100_000, H + 200_000)
    expect(separation(c, [c])).toBe(5_000) // alone: half a quantum
    expect(separation(c, [c, call(H + 130_300, H + 209_800)])).toBe(300) // 30.3 s and 9.8 s later: 0.3 s and 0.2 s off
    expect(separation(c, [call(H + 104_000, H + 203_000)])).toBe(4_000)
  })

  it('keeps a well-separated scheduled call, else takes the best-separated eligible one', () => {
    const scheduled = call(H + 100_000, H + 200_000)
    const twin = call(H + 150_100, H + 260_200) // 0.1 s and 0.2 s off scheduled's grids
    const lone = call(H + 303_000, H + 404_500)
    const all = [scheduled, twin, lone]
    expect(chooseSeparatedCall(scheduled, [twin, lone], all, 2_000)).toBe(lone)
    expect(chooseSeparatedCall(scheduled, [twin, lone], [scheduled, lone], 2_000)).toBe(scheduled)
  })

  it("picks from the node's records: same hour and caller hint, ended within the delay, never asked about", () => {
    const db = openDatabase(':memory:')
    const calls = new SqliteCallRecordStore(db)
    const queue = new SqliteValidationQueue(db)
    const add = (id: string, start: number, end: number, caller = alice) =>
      calls.add({
        id,
        direction: 'outbound',
        path: 'pstn',
        user: 'u',
        caller,
        called: bob,
        start,
        end,
        outcome: 'answered',
      })
    add('scheduled', H + 100_000, H + 200_000)
    add('twin', H + 150_100, H + 260_200) // makes scheduled hard to tell apart
    add('lone', H + 303_000, H + 404_500)
    add('asked', H + 507_000, H + 606_000)
    queue.markAsked('asked', 'c'.repeat(32), H + 700_000)
    add('other-caller', H + 702_000, H + 804_000, carol)
    add('next-hour', H + 3_600_000 + 7_000, H + 3_700_000)
    const timing = { minCallMs: 10_000, delayMinMs: 60_000, delayMaxMs: 3_600_000 }
    const now = H + 3_800_000
    const chosen = callToValidate(calls.get('scheduled')!, { calls, queue }, timing, now)
    expect(chosen.id).toBe('lone')
    // The lone call ended too long ago for the scheduler's delay: the scheduled call stays.
    expect(
      callToValidate(calls.get('scheduled')!, { calls, queue }, { ...timing, delayMaxMs: 3_300_000 }, now).id,
    ).toBe('scheduled')
    expect(callerHintFor(carol)).not.toBe(callerHintFor(alice))
  })

  it('with the clock hint, a claimer whose clock runs 1.5 s ahead picks the right record of a busy hour', () => {
    const originators = call(H + 1_000_000, H + 1_120_000)
    const right = { ...call(originators.start + 1_500 + 40, originators.end + 1_500 - 60), id: 'right' }
    // Another call whose times sit 0.3 s from the cells' middles: nearer than the right one, uncalibrated.
    const decoy = { ...call(H + 1_200_000 + 300, H + 1_400_000 - 200), id: 'decoy' }
    const phases = phasesFor(originators)
    expect(pickCallRecord([right, decoy], phases)?.id).toBe('decoy')
    const prior = clockPrior(H + 2_000_000, H + 2_000_000 + 1_500)!
    expect(pickCallRecord([right, decoy], phases, { expectedOffset: prior })?.id).toBe('right')
    expect(clockPrior(undefined, H)).toBeUndefined()
    expect(clockPrior(0, H)).toBeUndefined() // an older originator sends none
    expect(clockPrior(H - 60_000, H)).toBeUndefined() // clocks a minute apart: no record could agree anyway
  })

  it('leaves out the records of other callers when the originator sends its caller hint', () => {
    const originators = call(H + 1_000_000, H + 1_120_000)
    const right = { ...call(originators.start + 400, originators.end + 400), id: 'right' }
    const other = { ...call(H + 1_200_000, H + 1_400_000, carol), id: 'other' } // dead centre, another caller
    const phases = phasesFor(originators)
    expect(pickCallRecord([right, other], phases)?.id).toBe('other')
    expect(pickCallRecord([right, other], phases, { callerHint: callerHintFor(alice) })?.id).toBe('right')
  })
})
