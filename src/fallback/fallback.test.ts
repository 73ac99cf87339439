import { describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import { err, ok } from '../core/result.js'
import { seededRandom } from '../core/seeded-random.js'
import { FallbackAllocator, type Allocation } from './allocator.js'
import { MidcallFallback, openMidcallFallback } from './midcall-fallback.js'
import type { FallbackOffers } from './offers.js'
import { digitsFor, midcallFallbackSettings } from './settings.js'

const D1 = '+12025550190' as E164
const D2 = '+12025550191' as E164
const ALICE = '+12015550100' as E164
const random = (seed: number) => {
  const r = seededRandom(seed)
  return (n: number) => Math.floor(r() * n)
}
const HOUR = 3_600_000
/** Offers kept in memory, as a database would keep them across a restart of the node (the same object given to
 * the next run); `kept` in the order they were made. */
const memoryOffers = () => {
  const kept: Allocation[] = []
  const offers: FallbackOffers = {
    load: () => ok([...kept]),
    add: (a) => void kept.push(a),
    remove(callId) {
      const i = kept.findIndex((a) => a.callId === callId)
      if (i >= 0) kept.splice(i, 1)
    },
    removeLapsed(at) {
      for (let i = kept.length - 1; i >= 0; i--) if (kept[i]!.expiresAt <= at) kept.splice(i, 1)
    },
  }
  return { offers, kept }
}
/** A clock the test moves. */
const manualClock = (start = 1_700_000_000_000) => {
  const c = { t: start, now: () => c.t }
  return c
}

describe('mid-call fallback settings', () => {
  it('digits: 10^digits at least ten times the concurrent calls, at least 4', () => {
    expect(digitsFor(1)).toBe(4)
    expect(digitsFor(1000)).toBe(4)
    expect(digitsFor(1001)).toBe(5)
    expect(digitsFor(100_000)).toBe(6)
  })

  it('defaults, and refusals that name the field', () => {
    const s = midcallFallbackSettings({ dids: [D1] })
    expect(s.ok && s.value).toMatchObject({
      digits: 4,
      maxConcurrent: 100,
      maxCallMs: 4 * HOUR,
      watch: { sampleMs: 100 },
    })
    expect(midcallFallbackSettings({ dids: [D1], maxCallMs: 0 })).toMatchObject({
      ok: false,
      error: /maxCallMs must be a number above 0/,
    })
    expect(midcallFallbackSettings({ dids: [] })).toMatchObject({ ok: false, error: /at least one/ })
    expect(midcallFallbackSettings({ dids: ['555'] })).toMatchObject({ ok: false, error: /"555" is not an E.164/ })
    expect(midcallFallbackSettings({ dids: [D1], maxConcurrent: 5000, digits: 4 })).toMatchObject({
      ok: false,
      error: /digits must be from 5/,
    })
    expect(midcallFallbackSettings({ dids: [D1], watch: { holdDownMs: 0 } })).toMatchObject({
      ok: false,
      error: /holdDownMs must be a number above 0/,
    })
  })
})

describe('fallback allocator', () => {
  it('gives each call a DID and distinct digits, none past the limit, and frees them at release', () => {
    const a = new FallbackAllocator({ dids: [D1], digits: 4, maxConcurrent: 3, maxCallMs: HOUR }, random(1), Date.now)
    const got = ['c1', 'c2', 'c3'].map((id) => a.allocate(id, 'bob', ALICE)!)
    expect(got.every((x) => x.did === D1 && /^\d{4}$/.test(x.digits))).toBe(true)
    expect(new Set(got.map((x) => x.digits)).size).toBe(3)
    expect(a.allocate('c4', 'bob', ALICE)).toBeUndefined()
    expect(a.allocate('c1', 'bob', ALICE)).toBeUndefined()
    expect(a.release('c2')?.callId).toBe('c2')
    expect(a.allocate('c4', 'bob', ALICE)).toBeDefined()
    expect(a.live).toBe(3)
  })

  it('prefers a DID no other user holds, so a call to it has one place to go', () => {
    const a = new FallbackAllocator(
      { dids: [D1, D2], digits: 4, maxConcurrent: 10, maxCallMs: HOUR },
      random(2),
      Date.now,
    )
    const bob = a.allocate('c1', 'bob', ALICE)!
    const bert = a.allocate('c2', 'bert', ALICE)!
    expect(bert.did).not.toBe(bob.did)
  })
})

describe('the node side of mid-call fallback', () => {
  const settings = midcallFallbackSettings({ dids: [D1], maxConcurrent: 2 })
  if (!settings.ok) throw new Error(settings.error)

  it('offers the DID, digits and the watch; hands a call to the DID to the callee; refuses when none is live', () => {
    const m = new MidcallFallback(settings.value, random(3))
    expect(m.legFor(D1, ALICE)).toMatchObject({ ok: false, error: 'No IME call to move here' })
    expect(m.legFor('+12025550102' as E164, ALICE)).toBeUndefined()
    const offer = m.offer('call-1', 'bob', ALICE)!
    expect(offer).toMatch(
      /^\+12025550190;digits=\d{4};window=10000;sample=100;hold=4000;loss=10;jitter=80;rtt=800;silence=2000$/,
    )
    expect(m.legFor(D1, ALICE)).toEqual({ ok: true, value: { user: 'bob', callIds: ['call-1'] } })
    // Another caller ID: still the one live call (the digits decide at the phone).
    expect(m.legFor(D1, '+19995550100' as E164)).toMatchObject({ ok: true, value: { user: 'bob' } })
    m.offer('call-2', 'bert', undefined)
    expect(m.legFor(D1, '+19995550100' as E164)).toMatchObject({ ok: false, error: /More than one/ })
    expect(m.legFor(D1, ALICE)).toMatchObject({ ok: true, value: { user: 'bob' } })
    expect(m.offer('call-3', 'bob', ALICE)).toBeUndefined()
    expect(m.exhausted).toBe(1)
    expect(m.release('call-1', true)).toBe(true)
    expect(m.release('call-1', true)).toBe(false)
    expect(m.moves).toBe(1)
    expect(m.live).toBe(1)
  })
})

describe('fallback offers whose call never sends a BYE', () => {
  const settings = midcallFallbackSettings({ dids: [D1], maxConcurrent: 2, maxCallMs: 2 * HOUR })
  if (!settings.ok) throw new Error(settings.error)
  const digitsOf = (offer: string | undefined) => /digits=(\d+)/.exec(offer ?? '')?.[1]

  it('lapse maxCallMs after they were made: the DID refuses, the slot and the digits are free again', () => {
    const clock = manualClock()
    const m = new MidcallFallback(settings.value, random(4), { now: clock.now })
    m.offer('call-1', 'bob', ALICE)
    clock.t += HOUR
    m.offer('call-2', 'bob', ALICE)
    // Full: a third call gets none.
    expect(m.offer('call-3', 'bob', ALICE)).toBeUndefined()
    clock.t += HOUR
    // call-1 is two hours old: lapsed; call-2 still moves.
    expect(m.legFor(D1, ALICE)).toEqual({ ok: true, value: { user: 'bob', callIds: ['call-2'] } })
    expect(m.lapsed).toBe(1)
    expect(m.offer('call-4', 'bob', ALICE)).toBeDefined()
    // A BYE for the lapsed call (it did end after all) releases nothing and counts no move.
    expect(m.release('call-1', true)).toBe(false)
    expect(m.moves).toBe(0)
    clock.t += 2 * HOUR
    expect(m.live).toBe(0)
    expect(m.legFor(D1, ALICE)).toMatchObject({ ok: false, error: 'No IME call to move here' })
  })

  it('outlive a restart: the restarted node still moves the live call and never hands out its digits', () => {
    const { offers, kept } = memoryOffers()
    const clock = manualClock()
    const before = openMidcallFallback(settings.value, random(5), clock.now, offers)
    if (!before.ok) throw new Error(before.error)
    const held = digitsOf(before.value.offer('call-1', 'bob', ALICE))
    expect(held).toMatch(/^\d{4}$/)
    // The node stops without call-1's BYE; it comes back with the same random draws (the worst case: the first
    // sequence it would draw is the one call-1 holds).
    clock.t += 60_000
    const after = openMidcallFallback(settings.value, random(5), clock.now, offers)
    if (!after.ok) throw new Error(after.error)
    expect(after.value.live).toBe(1)
    expect(after.value.legFor(D1, ALICE)).toEqual({ ok: true, value: { user: 'bob', callIds: ['call-1'] } })
    const fresh = digitsOf(after.value.offer('call-2', 'bert', ALICE))
    expect(fresh).toMatch(/^\d{4}$/)
    expect(fresh).not.toBe(held)
    // Without the stored offers the same draws hand call-1's digits to a new call: what they prevent.
    const amnesiac = new MidcallFallback(settings.value, random(5), { now: clock.now })
    expect(digitsOf(amnesiac.offer('call-2', 'bert', ALICE))).toBe(held)
    // The BYE that comes after the restart releases it, and the store forgets it.
    expect(after.value.release('call-1', false)).toBe(true)
    expect(kept.map((o) => o.callId)).toEqual(['call-2'])
  })

  it('a restart after maxCallMs drops and deletes the lapsed offers, and those on DIDs no longer configured', () => {
    const { offers, kept } = memoryOffers()
    const clock = manualClock()
    const wide = midcallFallbackSettings({ dids: [D1, D2], maxConcurrent: 4, maxCallMs: 2 * HOUR })
    if (!wide.ok) throw new Error(wide.error)
    const before = openMidcallFallback(wide.value, random(6), clock.now, offers)
    if (!before.ok) throw new Error(before.error)
    before.value.offer('call-1', 'bob', ALICE)
    clock.t += HOUR
    before.value.offer('call-2', 'bob', ALICE)
    before.value.offer('call-3', 'bert', ALICE) // bob holds one DID: bert gets the other
    expect(new Set(kept.slice(1).map((a) => a.did))).toEqual(new Set([D1, D2]))
    const onD1 = kept.filter((a) => a.did === D1 && a.callId !== 'call-1').map((a) => a.callId)
    expect(onD1).toHaveLength(1)
    // Restarted 2.5 h after call-1's offer (lapsed), with D2 no longer a fallback DID: one offer is left.
    clock.t += 90 * 60_000
    const after = openMidcallFallback(settings.value, random(6), clock.now, offers)
    if (!after.ok) throw new Error(after.error)
    expect(after.value.live).toBe(1)
    expect(kept.map((a) => a.callId)).toEqual(onD1)
  })

  it('an offer that cannot be read stops the node with the reason the store gives', () => {
    const broken: FallbackOffers = {
      load: () => err('table midcall_fallback_offers, row call_id = \'c\': the DID "555" is not an E.164 number'),
      add: () => undefined,
      remove: () => undefined,
      removeLapsed: () => undefined,
    }
    expect(openMidcallFallback(settings.value, random(6), Date.now, broken)).toEqual({
      ok: false,
      error: 'table midcall_fallback_offers, row call_id = \'c\': the DID "555" is not an E.164 number',
    })
  })
})
