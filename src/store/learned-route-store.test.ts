import { describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import { openDatabase } from './database.js'
import { SqliteLearnedRouteStore, TRUST_MEMORY_MS } from './learned-route-store.js'

const bob = '+12025550102' as E164
const carol = '+12025550103' as E164
const route = {
  number: bob,
  sipUri: 'sip:+12025550102@bravo.example;transport=ws',
  domain: 'bravo.example',
  ticket: 'AQFrBrGgaw_sIIVKGq-r7rYMAR8EYS5hYVx5ovn315gj7p9t40a5TZc',
  claimer: '7f89ced54f85033cb169dbb914f2e139',
  validatedAt: 1_000,
  expiresAt: 100_000,
}

describe('learned routes: counts and retention', () => {
  it('counts trusted routes apart from candidates, expired ones in neither', () => {
    const store = new SqliteLearnedRouteStore(openDatabase(':memory:'))
    store.put(route)
    store.put({ ...route, domain: 'charlie.example', trusted: false, provenCalls: 1 })
    store.put({ ...route, number: carol, trusted: false, provenCalls: 1 })
    store.put({ ...route, number: carol, domain: 'old.example', expiresAt: 2_000 })
    expect(store.list(5_000)).toHaveLength(3) // candidates included: not what calls may use
    expect(store.countTrusted(5_000)).toEqual({ trusted: 1, candidates: 2 })
    expect(store.countTrusted(100_000)).toEqual({ trusted: 0, candidates: 0 })
  })

  it('purges expired routes and claimers trusted longer ago than the trust memory, and nothing else', () => {
    const store = new SqliteLearnedRouteStore(openDatabase(':memory:'))
    const old = { ...route, number: carol, claimer: '00000000000000000000000000000001' }
    store.put(old) // trusted at 1,000; its route expires at 100,000
    const later = 50 * 24 * 3600_000
    store.put({ ...route, validatedAt: later, expiresAt: later + 7 * 24 * 3600_000 })
    // Its route expired, but the claimer is remembered (a re-learned route needs one proof) for 90 days.
    expect(store.purgeExpired(200_000)).toEqual({ routes: 1, trustedClaimers: 0 })
    expect(store.list(200_000).map((r) => r.number)).toEqual([bob])
    expect(store.wasTrusted(carol, old.claimer, 200_000)).toBe(true)
    // After the trust memory, wasTrusted ignores the entry, and the purge deletes it.
    const now = old.validatedAt + TRUST_MEMORY_MS
    expect(store.wasTrusted(carol, old.claimer, now)).toBe(false)
    expect(store.purgeExpired(now)).toEqual({ routes: 1, trustedClaimers: 1 })
    expect(store.purgeExpired(now)).toEqual({ routes: 0, trustedClaimers: 0 })
    // The other claimer, trusted later, is still remembered until its own 90 days are over.
    expect(store.wasTrusted(bob, route.claimer, now)).toBe(true)
    expect(store.purgeExpired(later + TRUST_MEMORY_MS)).toEqual({ routes: 0, trustedClaimers: 1 })
    expect(store.wasTrusted(bob, route.claimer, later + 1)).toBe(false)
  })
})

describe('learned routes: the call key', () => {
  it('keeps the call key granted with the ticket, and none for a route granted without one', () => {
    const store = new SqliteLearnedRouteStore(openDatabase(':memory:'))
    const callKey = new Uint8Array(32).map((_, i) => i)
    store.put({ ...route, callKey })
    store.put({ ...route, number: carol })
    expect(Buffer.from(store.routesTo(bob, 5_000)[0]!.callKey!)).toEqual(Buffer.from(callKey))
    expect(store.routesTo(carol, 5_000)[0]!.callKey).toBeUndefined()
    // Re-validated without a key (an older claimer): the old key must not outlive its ticket.
    store.put({ ...route, ticket: route.ticket + 'x' })
    expect(store.routesTo(bob, 5_000)[0]!.callKey).toBeUndefined()
    expect(store.put({ ...route, callKey: new Uint8Array(16) })).toEqual({
      ok: false,
      error: 'callKey must have 32 bytes',
    })
  })
})
