import { describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import { seededRandom } from '../core/seeded-random.js'
import { FallbackAllocator } from './allocator.js'
import { MidcallFallback } from './midcall-fallback.js'
import { digitsFor, midcallFallbackSettings } from './settings.js'

const D1 = '+12025550190' as E164
const D2 = '+12025550191' as E164
const ALICE = '+12015550100' as E164
const random = (seed: number) => {
  const r = seededRandom(seed)
  return (n: number) => Math.floor(r() * n)
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
    expect(s.ok && s.value).toMatchObject({ digits: 4, maxConcurrent: 100, watch: { sampleMs: 100 } })
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
    const a = new FallbackAllocator({ dids: [D1], digits: 4, maxConcurrent: 3 }, random(1))
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
    const a = new FallbackAllocator({ dids: [D1, D2], digits: 4, maxConcurrent: 10 }, random(2))
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
