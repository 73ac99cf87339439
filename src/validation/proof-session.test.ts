import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import type { CallDetails } from './call-secret.js'
import { ProofClaimer, ProofOriginator } from './proof-session.js'

const rand = (n: number) => new Uint8Array(randomBytes(n))
const A = new TextEncoder().encode('peer-A')
const B = new TextEncoder().encode('peer-B')
const M = new TextEncoder().encode('peer-M')
const numberKey = rand(16)
const call: CallDetails = {
  caller: '+12015550100' as E164,
  called: '+12025550102' as E164,
  start: Date.parse('2026-11-25T10:00:03.250Z'),
  end: Date.parse('2026-11-25T10:04:41.900Z'),
}

/** Runs one proof between an originator and a claimer; returns what each side concluded. */
function run(originatorCall: CallDetails, claimerCall: CallDetails | undefined, views = { a: [A, B], b: [B, A] }) {
  const o = new ProofOriginator(originatorCall, numberKey, { local: views.a[0]!, remote: views.a[1]! }, rand)
  const c = new ProofClaimer({ local: views.b[0]!, remote: views.b[1]! }, rand)
  const hinted: number[] = []
  const reply = c.receive(o.start, (key, hour) => {
    hinted.push(hour)
    return Buffer.from(key).equals(Buffer.from(numberKey)) ? claimerCall : undefined
  })
  if (!reply.ok) return { originator: reply.error, claimer: 'not reached', hinted }
  const done = o.receive(reply.value)
  if (!done.ok) return { originator: done.error, claimer: c.confirm({ tag: rand(32) }).ok ? 'ok' : 'refused', hinted }
  const confirmed = c.confirm(done.value.confirm)
  const same = confirmed.ok && Buffer.from(confirmed.value.sessionKey).equals(Buffer.from(done.value.sessionKey))
  return { originator: 'ok', claimer: confirmed.ok ? (same ? 'ok' : 'different keys') : confirmed.error, hinted }
}

describe('knowledge proof', () => {
  it('succeeds both ways, with the same session key, when both ends recorded the call within 2 s', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2000, max: 2000 }), fc.integer({ min: -2000, max: 2000 }), (ds, de) => {
        const r = run(call, { ...call, start: call.start + ds, end: call.end + de })
        expect([r.originator, r.claimer]).toEqual(['ok', 'ok'])
        expect(r.hinted).toEqual([Math.floor(call.start / 3600_000)])
      }),
      { numRuns: 50 },
    )
  })

  it('fails for a wrong caller, a call that never reached the claimer, and times outside tolerance', () => {
    const failed = { originator: 'the claimer could not prove it took part in the call', claimer: 'refused' }
    expect(run(call, { ...call, caller: '+12015550199' as E164 })).toMatchObject(failed)
    expect(run(call, undefined)).toMatchObject(failed)
    expect(run(call, { ...call, start: call.start + 8000 })).toMatchObject(failed)
    expect(run(call, { ...call, end: call.end - 9000 })).toMatchObject(failed)
  })

  it('fails through a relay: each side sees the relay as its peer', () => {
    const relayed = run(call, call, { a: [A, M], b: [B, M] })
    expect(relayed.originator).toBe('the claimer could not prove it took part in the call')
  })

  it('refuses tampered, replayed and malformed messages', () => {
    const o = new ProofOriginator(call, numberKey, { local: A, remote: B }, rand)
    const c = new ProofClaimer({ local: B, remote: A }, rand)
    const reply = c.receive(o.start, () => call)
    expect(reply.ok).toBe(true)
    if (!reply.ok) return
    const flipped = new Uint8Array(reply.value.tag)
    flipped[0]! ^= 1
    expect(o.receive({ ...reply.value, tag: flipped }).ok).toBe(false)
    // A run is single-use: even the genuine reply is refused once the run has ended.
    expect(o.receive(reply.value)).toEqual({ ok: false, error: 'this proof run is over; start a new one' })
    // A reply recorded from this run does not fit a new run (fresh sid and shares).
    const o2 = new ProofOriginator(call, numberKey, { local: A, remote: B }, rand)
    expect(o2.receive(reply.value).ok).toBe(false)
    // A replayed msg1 starts nothing on a claimer that already answered, and a fresh claimer's tag differs.
    expect(c.receive(o.start, () => call).ok).toBe(false)
    const c2 = new ProofClaimer({ local: B, remote: A }, rand)
    const again = c2.receive(o.start, () => call)
    expect(again.ok && Buffer.from(again.value.tag).equals(Buffer.from(reply.value.tag))).toBe(false)
    // Malformed first messages.
    const c3 = new ProofClaimer({ local: B, remote: A }, rand)
    expect(c3.receive({ ...o.start, phases: { start: -1, end: 0 } }, () => call).ok).toBe(false)
    expect(new ProofClaimer({ local: B, remote: A }, rand).receive({ ...o.start, sid: rand(3) }, () => call)).toEqual({
      ok: false,
      error: 'sid must be 16 bytes',
    })
    expect(
      new ProofClaimer({ local: B, remote: A }, rand).receive({ ...o.start, cpace: rand(10) }, () => call).ok,
    ).toBe(false)
    expect(new ProofClaimer({ local: B, remote: A }, rand).confirm({ tag: rand(32) }).ok).toBe(false)
  })
})
