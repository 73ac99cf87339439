import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import { pickCallRecord, type CallDetails } from './call-secret.js'
import { MAX_SKEW_PER_END_MS } from './constants.js'
import {
  ProofClaimer,
  ProofOriginator,
  type PeerView,
  type ProofConfirm,
  type ProofReply,
  type ProofStart,
  type RecordLookup,
} from './proof-session.js'

const rand = (n: number) => new Uint8Array(randomBytes(n))
const utf8 = (s: string) => new TextEncoder().encode(s)
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))
const flip = (b: Uint8Array, at = 0) => {
  const out = new Uint8Array(b)
  out[at]! ^= 1
  return out
}
const A = utf8('peer-A')
const B = utf8('peer-B')
const M = utf8('peer-M')
const numberKey = rand(16)
const call: CallDetails = {
  caller: '+12015550100' as E164,
  called: '+12025550102' as E164,
  start: Date.parse('2026-11-25T10:00:03.250Z'),
  end: Date.parse('2026-11-25T10:04:41.900Z'),
}
const asOriginator: PeerView = { local: A, remote: B }
const asClaimer: PeerView = { local: B, remote: A }
const only =
  (record: CallDetails | undefined): RecordLookup =>
  (key) =>
    same(key, numberKey) ? record : undefined

/** Runs one proof, message by message; returns what each side concluded and the keys. */
function run(originatorCall: CallDetails, lookup: RecordLookup, o = asOriginator, c = asClaimer) {
  const originator = new ProofOriginator(originatorCall, numberKey, o, rand)
  const claimer = new ProofClaimer(c, rand)
  const reply = claimer.receive(originator.start, lookup)
  if (!reply.ok) return { originator: reply.error, claimer: claimer.state }
  const done = originator.receive(reply.value)
  // A failed originator sends no msg3; the claimer's run then ends without success.
  if (!done.ok) return { originator: done.error, claimer: claimer.state }
  const confirmed = claimer.confirm(done.value.confirm)
  if (!confirmed.ok) return { originator: originator.state, claimer: confirmed.error }
  return {
    originator: originator.state,
    claimer: claimer.state,
    sameKey: same(confirmed.value.sessionKey, done.value.sessionKey),
  }
}
const failed = { originator: 'the claimer could not prove it took part in the call', claimer: 'awaiting-confirm' }

describe('knowledge proof', () => {
  it('succeeds both ways with one session key when each end is off by up to 2 s at start and at end', () => {
    const skew = fc.integer({ min: -MAX_SKEW_PER_END_MS, max: MAX_SKEW_PER_END_MS })
    fc.assert(
      fc.property(skew, skew, skew, skew, (s1, e1, s2, e2) => {
        const originatorCall = { ...call, start: call.start + s1, end: call.end + e1 }
        const claimerCall = { ...call, start: call.start + s2, end: call.end + e2 }
        let asked: number | undefined
        const r = run(originatorCall, (key, hourHint) => {
          asked = hourHint
          return same(key, numberKey) ? claimerCall : undefined
        })
        expect(r).toEqual({ originator: 'proven', claimer: 'proven', sameKey: true })
        expect(asked).toBe(Math.floor(originatorCall.start / 3600_000))
      }),
      { numRuns: 60 },
    )
  })

  it('succeeds when the claimer picks its record among other calls to the number that hour', () => {
    const others = [0, 1, 2, 3].map((i) => ({
      ...call,
      caller: `+1201555011${i}` as E164,
      start: call.start + i * 60_017 + 3_000,
    }))
    const mine = { ...call, start: call.start + 300, end: call.end - 200 }
    expect(run(call, (_k, _h, phases) => pickCallRecord([...others, mine], phases))).toMatchObject({
      originator: 'proven',
      claimer: 'proven',
    })
  })

  it('fails for a wrong caller, a wrong called number, no such call, and times outside tolerance', () => {
    expect(run(call, only({ ...call, caller: '+12015550199' as E164 }))).toEqual(failed)
    expect(run(call, only({ ...call, called: '+12025550103' as E164 }))).toEqual(failed)
    expect(run(call, only(undefined))).toEqual(failed)
    expect(run(call, only({ ...call, start: call.start + 5000 }))).toEqual(failed)
    expect(run(call, only({ ...call, start: call.start - 5001 }))).toEqual(failed)
    expect(run(call, only({ ...call, end: call.end + 9000 }))).toEqual(failed)
    // A record with unusable details counts as none.
    expect(run(call, only({ ...call, end: call.start - 1 }))).toEqual(failed)
  })

  it('fails through a relay: each side sees the relay as its peer, and the relay cannot finish either side', () => {
    // Mallory M forwards every message unchanged; A's Noise session is with M, and so is B's.
    const originator = new ProofOriginator(call, numberKey, { local: A, remote: M }, rand)
    const claimer = new ProofClaimer({ local: B, remote: M }, rand)
    const reply = claimer.receive(originator.start, only(call))
    expect(reply.ok).toBe(true)
    if (!reply.ok) return
    expect(originator.receive(reply.value)).toEqual({
      ok: false,
      error: 'the claimer could not prove it took part in the call',
    })
    // A sent no msg3, and M cannot make one: B never succeeds.
    expect(claimer.confirm({ tag: rand(32) }).ok).toBe(false)
    expect(claimer.state).toBe('failed')
    // Also when only one side's view differs (M presents itself to B under A's id but A talks to M).
    expect(run(call, only(call), { local: A, remote: M }, { local: B, remote: A })).toEqual(failed)
  })

  it('refuses every tampered message', () => {
    const tamperedStarts: [string, (s: ProofStart) => ProofStart][] = [
      ['hourHint', (s) => ({ ...s, hourHint: s.hourHint + 1 })],
      ['phases', (s) => ({ ...s, phases: { ...s.phases, start: (s.phases.start + 1) % 10_000 } })],
      ['numberKey', (s) => ({ ...s, numberKey: flip(s.numberKey) })],
    ]
    for (const [field, tamper] of tamperedStarts) {
      const o = new ProofOriginator(call, numberKey, asOriginator, rand)
      const reply = new ProofClaimer(asClaimer, rand).receive(tamper(o.start), () => call)
      expect(reply, field).toEqual({
        ok: false,
        error: "msg1's clear fields do not match those its CPace message was made with",
      })
    }
    // The sid and the share itself: the claimer answers, but the keys differ.
    for (const tamper of [
      (s: ProofStart) => ({ ...s, sid: flip(s.sid) }),
      (s: ProofStart) => ({ ...s, cpace: flip(s.cpace, 5) }),
    ]) {
      const o = new ProofOriginator(call, numberKey, asOriginator, rand)
      const c = new ProofClaimer(asClaimer, rand)
      const reply = c.receive(tamper(o.start), () => call)
      if (!reply.ok) {
        expect(reply.error).toMatch(/^CPace/)
        continue
      }
      expect(o.receive(reply.value).ok).toBe(false)
    }
    // msg2: the share, its AD, the tag.
    const tamperedReplies: [(r: ProofReply) => ProofReply, RegExp][] = [
      [(r) => ({ ...r, tag: flip(r.tag) }), /could not prove/],
      [(r) => ({ ...r, cpace: flip(r.cpace, 3) }), /could not prove|not a ristretto255 element/],
      [(r) => ({ ...r, cpace: flip(r.cpace, r.cpace.length - 1) }), /not a reply of this protocol/],
    ]
    for (const [tamper, reason] of tamperedReplies) {
      const o = new ProofOriginator(call, numberKey, asOriginator, rand)
      const reply = new ProofClaimer(asClaimer, rand).receive(o.start, () => call)
      if (!reply.ok) throw new Error(reply.error)
      const r = o.receive(tamper(reply.value))
      expect(r.ok ? 'proven' : r.error).toMatch(reason)
    }
    // msg3.
    const o = new ProofOriginator(call, numberKey, asOriginator, rand)
    const c = new ProofClaimer(asClaimer, rand)
    const reply = c.receive(o.start, () => call)
    const done = reply.ok ? o.receive(reply.value) : reply
    if (!done.ok) throw new Error(done.error)
    expect(c.confirm({ tag: flip(done.value.confirm.tag, 31) })).toEqual({
      ok: false,
      error: 'the originator could not prove it took part in the call',
    })
  })

  it('refuses messages replayed from an old run', () => {
    const o1 = new ProofOriginator(call, numberKey, asOriginator, rand)
    const c1 = new ProofClaimer(asClaimer, rand)
    const reply1 = c1.receive(o1.start, () => call)
    if (!reply1.ok) throw new Error(reply1.error)
    const done1 = o1.receive(reply1.value)
    if (!done1.ok) throw new Error(done1.error)
    expect(c1.confirm(done1.value.confirm).ok).toBe(true)
    // Each side is single-use.
    expect(o1.receive(reply1.value)).toEqual({ ok: false, error: 'this proof run is over; start a new one' })
    expect(c1.receive(o1.start, () => call)).toEqual({ ok: false, error: 'this proof run has already started' })
    expect(c1.confirm(done1.value.confirm)).toEqual({ ok: false, error: 'no proof run is waiting for a confirmation' })

    // Old msg1 (and then old msg3) to a fresh claimer: its fresh share makes new keys, so the old msg3 fails.
    const c2 = new ProofClaimer(asClaimer, rand)
    const reply2 = c2.receive(o1.start, () => call)
    expect(reply2.ok && !same(reply2.value.tag, reply1.value.tag)).toBe(true)
    expect(c2.confirm(done1.value.confirm).ok).toBe(false)
    // Old msg2 to a fresh originator: fresh sid and share, so the old tag fails.
    const o2 = new ProofOriginator(call, numberKey, asOriginator, rand)
    expect(o2.receive(reply1.value).ok).toBe(false)
  })

  it('refuses malformed messages with reasons, and never throws on junk', () => {
    const o = new ProofOriginator(call, numberKey, asOriginator, rand)
    const refuse = (start: ProofStart) => {
      const r = new ProofClaimer(asClaimer, rand).receive(start, () => call)
      return r.ok ? 'answered' : r.error
    }
    expect(refuse({ ...o.start, sid: rand(3) })).toBe('sid must be 16 bytes; got 3')
    expect(refuse({ ...o.start, numberKey: rand(32) })).toBe('numberKey must be 16 bytes; got 32')
    expect(refuse({ ...o.start, hourHint: -1 })).toBe('hourHint must be an hour index since 1970; got -1')
    expect(refuse({ ...o.start, hourHint: 0.5 })).toMatch(/^hourHint/)
    expect(refuse({ ...o.start, phases: { start: 10_000, end: 0 } })).toBe(
      'the start grid phase must be a whole ms in [0, 10000); got 10000',
    )
    expect(refuse({ ...o.start, cpace: rand(10) })).toMatch(/^CPace message/)
    expect(refuse({ ...o.start, cpace: 'x' as unknown as Uint8Array })).toBe('the CPace message must be bytes')
    expect(refuse(null as unknown as ProofStart)).toBe('msg1 must be an object')

    const reply = new ProofClaimer(asClaimer, rand).receive(o.start, () => call)
    if (!reply.ok) throw new Error(reply.error)
    const answer = (r: ProofReply) => {
      const x = new ProofOriginator(call, numberKey, asOriginator, rand).receive(r)
      return x.ok ? 'proven' : x.error
    }
    expect(answer({ ...reply.value, tag: rand(31) })).toBe('the claimer tag must be 32 bytes; got 31')
    expect(answer({ ...reply.value, cpace: new Uint8Array() })).toMatch(/^CPace message/)
    expect(answer(undefined as unknown as ProofReply)).toBe('msg2 must be an object')

    const waiting = new ProofClaimer(asClaimer, rand)
    waiting.receive(o.start, () => call)
    expect(waiting.confirm({ tag: rand(16) })).toEqual({
      ok: false,
      error: 'the originator tag must be 32 bytes; got 16',
    })
    expect(new ProofClaimer(asClaimer, rand).confirm({ tag: rand(32) }).ok).toBe(false)

    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 40 }), (cpace, tag) => {
        const r1 = new ProofClaimer(asClaimer, rand).receive({ ...o.start, cpace }, () => call)
        expect(r1.ok).toBe(false)
        const r2 = new ProofOriginator(call, numberKey, asOriginator, rand).receive({ cpace, tag })
        expect(r2.ok).toBe(false)
        const c = new ProofClaimer(asClaimer, rand)
        c.receive(o.start, () => call)
        expect(c.confirm({ tag } as ProofConfirm).ok).toBe(false)
      }),
      { numRuns: 200 },
    )
  })

  it('refuses bad inputs at the start of a run', () => {
    expect(ProofOriginator.create({ ...call, caller: 'nobody' as E164 }, numberKey, asOriginator, rand)).toEqual({
      ok: false,
      error: 'call record: caller "nobody" is not an E.164 number',
    })
    expect(ProofOriginator.create(call, rand(8), asOriginator, rand)).toEqual({
      ok: false,
      error: 'numberKey must be 16 bytes; got 8',
    })
    expect(ProofOriginator.create(call, numberKey, { local: A, remote: new Uint8Array() }, rand)).toEqual({
      ok: false,
      error: 'the remote peer id must be 1 to 128 bytes',
    })
    expect(() => new ProofOriginator({ ...call, end: 0 }, numberKey, asOriginator, rand)).toThrow(
      'cannot start a proof: call record: end must be a whole ms, not before start',
    )
    expect(
      new ProofClaimer({ local: new Uint8Array(200), remote: A }, rand).receive(
        new ProofOriginator(call, numberKey, asOriginator, rand).start,
        () => call,
      ),
    ).toEqual({ ok: false, error: 'the local peer id must be 1 to 128 bytes' })
  })

  it("msg1's clear fields depend only on the hour and the times modulo the quantum, not on caller or cells", () => {
    // Same randomness, calls that differ in caller and by whole quanta at the end: same clear fields and sid,
    // shares of one size that differ (the shares are the only password-dependent part, and are uniform).
    const fixed = (seed: number) => {
      let i = seed
      return (n: number) => new Uint8Array(n).map(() => (i = (i * 31 + 7) % 251))
    }
    const o1 = new ProofOriginator(call, numberKey, asOriginator, fixed(1))
    const o2 = new ProofOriginator(
      { ...call, caller: '+12015550177' as E164, end: call.end + 30_000 },
      numberKey,
      asOriginator,
      fixed(1),
    )
    expect(o2.start.hourHint).toBe(o1.start.hourHint)
    expect(o2.start.phases).toEqual(o1.start.phases)
    expect(same(o2.start.sid, o1.start.sid)).toBe(true)
    expect(o2.start.cpace.length).toBe(o1.start.cpace.length)
    expect(same(o2.start.cpace, o1.start.cpace)).toBe(false)
  })
})
