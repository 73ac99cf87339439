import { describe, expect, it } from 'vitest'
import { ManualClock } from '../core/clock.js'
import type { E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'
import { SqliteCallRecordStore } from '../store/call-record-store.js'
import { openDatabase } from '../store/database.js'
import { SqliteLearnedRouteStore } from '../store/learned-route-store.js'
import type { CallDetails } from './call-secret.js'
import { ValidationScheduler, type Claimer, type ProvenRoute, type ValidationOutcome } from './scheduler.js'

const HOUR = 3600_000
const T = Date.parse('2026-11-25T10:00:00Z')
const alice = '+12015550100' as E164
const bob = '+12025550102' as E164
const R = '11'.repeat(16) // the real owner's node
const S = '22'.repeat(16) // a second claimer, another domain
const LIFETIME = 10 * HOUR

/**
 * A scheduler over real (in-memory SQLite) stores, with the DHT lookup and the proof scripted: `claims` is who
 * claims bob's number; `answers` says how each claimer answers a proof.
 */
function setup() {
  const db = openDatabase(':memory:')
  const calls = new SqliteCallRecordStore(db)
  const routes = new SqliteLearnedRouteStore(db)
  const clock = new ManualClock(T)
  const claims = new Set([R, S])
  const domains: Record<string, string> = { [R]: 'bravo.example', [S]: 'sierra.example' }
  const answers: Record<string, 'prove' | 'fail'> = { [R]: 'prove', [S]: 'prove' }
  const asked: { claimer: string; call: CallDetails }[] = []
  let lookupFails = false
  const outcomes: ValidationOutcome[] = []
  const scheduler = new ValidationScheduler<string>({
    calls,
    routes,
    clock,
    random: () => 0,
    timing: { minCallMs: 10_000, delayMinMs: 60_000, delayMaxMs: 120_000, revalidateAtFraction: 0.8 },
    onOutcome: (o) => outcomes.push(o),
    findClaimers: (number) => {
      if (lookupFails) return Promise.reject(new Error('no route to the ring'))
      return Promise.resolve(number === bob ? [...claims].map((c): Claimer<string> => ({ nodeId: c, ref: c })) : [])
    },
    prove: (claimer, call): Promise<Result<ProvenRoute>> => {
      asked.push({ claimer: claimer.nodeId, call })
      if (answers[claimer.nodeId] === 'fail') {
        return Promise.resolve(err('the claimer could not prove it took part in the call'))
      }
      const domain = domains[claimer.nodeId]!
      return Promise.resolve(
        ok({ domain, sipUri: `sip:${bob}@${domain}`, ticket: `t${clock.now()}`, expiresAt: clock.now() + LIFETIME }),
      )
    },
  })
  let n = 0
  const call = (start: number, end = start + 120_000) => {
    const id = `out-${++n}`
    const stored = calls.add({
      id,
      direction: 'outbound',
      path: 'pstn',
      user: 'alice',
      caller: alice,
      called: bob,
      start,
      end,
      outcome: 'answered',
    })
    if (!stored.ok) throw new Error(stored.error)
    scheduler.callEnded(stored.value)
    return id
  }
  const routeOf = (claimer: string) => routes.routesTo(bob, clock.now()).find((r) => r.claimer === claimer)
  return {
    calls,
    routes,
    clock,
    claims,
    domains,
    answers,
    asked,
    outcomes,
    scheduler,
    call,
    routeOf,
    failLookups: () => (lookupFails = true),
  }
}

/** A call at T, validated with both claimers at T + 5 min: two routes, each valid for LIFETIME. */
async function learned() {
  const s = setup()
  const first = s.call(T)
  s.clock.set(T + 5 * 60_000)
  const outcomes = await s.scheduler.run()
  expect(outcomes.map((o) => [o.kind, o.outcome, o.claimer, o.dropped])).toEqual([
    ['first', 'validated', R, false],
    ['first', 'validated', S, false],
  ])
  s.asked.length = 0
  s.outcomes.length = 0
  return { ...s, first, learnedAt: T + 5 * 60_000 }
}

describe('re-validation of learned routes', () => {
  it('asks the same claimer again once 80 % of the lifetime has passed, with the latest call, and renews the route', async () => {
    const s = await learned()
    const dueAt = s.learnedAt + 0.8 * LIFETIME
    expect(s.scheduler.revalidationDueAt(s.routeOf(R)!)).toBe(dueAt)
    s.clock.set(dueAt - 1)
    expect(await s.scheduler.run()).toEqual([])
    expect(s.asked).toEqual([])
    // A later call to the number (the route was not used for it): the re-validation proves that one.
    const later = s.call(T + HOUR)
    s.clock.set(dueAt)
    await s.scheduler.run({ everything: true }) // that call's own validation (renews both routes)
    expect(s.outcomes.map((o) => [o.kind, o.callId])).toEqual([
      ['first', later],
      ['first', later],
    ])
    s.outcomes.length = 0
    s.asked.length = 0
    const renewedAt = dueAt
    s.clock.set(renewedAt + 0.8 * LIFETIME)
    const outcomes = await s.scheduler.run()
    expect(outcomes).toEqual([
      {
        callId: later,
        number: bob,
        kind: 'revalidation',
        claimer: R,
        outcome: 'validated',
        dropped: false,
        domain: 'bravo.example',
      },
      {
        callId: later,
        number: bob,
        kind: 'revalidation',
        claimer: S,
        outcome: 'validated',
        dropped: false,
        domain: 'sierra.example',
      },
    ])
    expect(s.outcomes).toEqual(outcomes)
    expect(s.asked.map((a) => [a.claimer, a.call.start])).toEqual([
      [R, T + HOUR],
      [S, T + HOUR],
    ])
    expect(s.routeOf(R)).toMatchObject({ validatedAt: s.clock.now(), expiresAt: s.clock.now() + LIFETIME })
    // Renewed: not due again until 80 % of the new lifetime.
    s.asked.length = 0
    s.clock.advance(0.8 * LIFETIME - 1)
    expect(await s.scheduler.run()).toEqual([])
    expect(s.asked).toEqual([])
  })

  it("a failed re-validation drops that claimer's route only; the other domain's route stays", async () => {
    const s = await learned()
    s.answers[R] = 'fail'
    s.clock.set(s.learnedAt + 0.8 * LIFETIME)
    const outcomes = await s.scheduler.run()
    expect(outcomes).toMatchObject([
      {
        callId: s.first,
        kind: 'revalidation',
        claimer: R,
        outcome: 'failed',
        dropped: true,
        reason: /could not prove/,
      },
      { callId: s.first, kind: 'revalidation', claimer: S, outcome: 'validated', dropped: false },
    ])
    expect(s.routeOf(R)).toBeUndefined()
    expect(s.routeOf(S)).toMatchObject({ domain: 'sierra.example', validatedAt: s.clock.now() })
    // Nothing is asked about a dropped route again.
    s.asked.length = 0
    s.clock.advance(HOUR)
    await s.scheduler.run()
    expect(s.asked.map((a) => a.claimer)).not.toContain(R)
  })

  it('a claimer that no longer claims the number loses its route', async () => {
    const s = await learned()
    s.claims.delete(R)
    s.clock.set(s.learnedAt + 0.8 * LIFETIME)
    const outcomes = await s.scheduler.run()
    expect(outcomes[0]).toMatchObject({
      kind: 'revalidation',
      claimer: R,
      outcome: 'failed',
      dropped: true,
      reason: 'the claimer no longer claims the number',
    })
    expect(s.routeOf(R)).toBeUndefined()
    expect(s.routeOf(S)).toBeDefined()
  })

  it('without a suitable outbound call the route simply expires, and nobody is asked', async () => {
    const s = await learned()
    s.calls.purgeBefore(T + 1) // the call the routes were learned from is gone (retention)
    s.call(T + HOUR, T + HOUR + 5000) // too short to validate with
    s.clock.set(s.learnedAt + 0.8 * LIFETIME)
    await s.scheduler.run({ everything: true })
    expect(s.asked).toEqual([])
    expect(s.outcomes).toEqual([])
    expect(s.routeOf(R)).toBeDefined()
    s.clock.set(s.learnedAt + LIFETIME)
    expect(s.routes.routesTo(bob, s.clock.now())).toEqual([])
  })

  it('a failed lookup leaves the route to expire, reported once, not dropped and not retried on every poll', async () => {
    const s = await learned()
    s.failLookups()
    s.clock.set(s.learnedAt + 0.8 * LIFETIME)
    expect(await s.scheduler.run()).toMatchObject([
      {
        kind: 'revalidation',
        claimer: R,
        outcome: 'failed',
        dropped: false,
        reason: 'lookup failed: no route to the ring',
      },
      { kind: 'revalidation', claimer: S, outcome: 'failed', dropped: false },
    ])
    s.clock.advance(30_000)
    expect(await s.scheduler.run()).toEqual([])
    expect(s.routes.routesTo(bob, s.clock.now())).toHaveLength(2)
  })

  it("waits for a pending call's own validation rather than asking the claimer twice about one call", async () => {
    const s = await learned()
    const dueAt = s.learnedAt + 0.8 * LIFETIME
    s.clock.set(dueAt - 30_000)
    const pending = s.call(dueAt - 200_000) // ends at dueAt - 80 s: its validation is due at dueAt - 20 s
    s.answers[S] = 'fail'
    // Not yet due: the route's re-validation would use that call, so it waits.
    s.clock.set(dueAt - 25_000)
    expect(await s.scheduler.run()).toEqual([])
    s.clock.set(dueAt)
    const outcomes = await s.scheduler.run()
    expect(outcomes.map((o) => [o.kind, o.callId, o.claimer, o.outcome, o.dropped])).toEqual([
      ['first', pending, R, 'validated', false],
      ['first', pending, S, 'failed', true],
    ])
    expect(s.asked.map((a) => a.claimer)).toEqual([R, S])
  })
})

describe('dropping routes', () => {
  it("a failed first validation drops that claimer's earlier route; a claimer that moved domain keeps one route", async () => {
    const s = await learned()
    s.answers[S] = 'fail'
    s.domains[R] = 'bravo2.example'
    const second = s.call(T + HOUR)
    s.clock.set(T + 2 * HOUR)
    expect(await s.scheduler.run()).toMatchObject([
      { kind: 'first', callId: second, claimer: R, outcome: 'validated', dropped: true, domain: 'bravo2.example' },
      { kind: 'first', callId: second, claimer: S, outcome: 'failed', dropped: true },
    ])
    expect(s.routes.routesTo(bob, s.clock.now()).map((r) => [r.claimer, r.domain])).toEqual([[R, 'bravo2.example']])
  })

  it('blocking a domain drops its routes only, and a later proof from it is not kept', async () => {
    const s = await learned()
    expect(s.routes.blockDomain('sierra.example')).toBe(1)
    expect(s.routes.routesTo(bob, s.clock.now()).map((r) => r.domain)).toEqual(['bravo.example'])
    s.clock.set(s.learnedAt + 0.8 * LIFETIME)
    const second = s.call(T + HOUR)
    await s.scheduler.run({ everything: true })
    expect(s.outcomes.find((o) => o.callId === second && o.claimer === S)).toMatchObject({
      outcome: 'failed',
      dropped: false,
      reason: 'domain sierra.example is blocked by the operator',
    })
    expect(s.routes.routesTo(bob, s.clock.now()).map((r) => r.domain)).toEqual(['bravo.example'])
  })

  it('refuses a re-validation fraction outside (0, 1]', () => {
    const s = setup()
    for (const f of [0, 1.5, Number.NaN]) {
      expect(
        () =>
          new ValidationScheduler({
            calls: s.calls,
            routes: s.routes,
            clock: s.clock,
            random: () => 0,
            timing: { minCallMs: 1, delayMinMs: 1, delayMaxMs: 2, revalidateAtFraction: f },
            findClaimers: () => Promise.resolve([]),
            prove: () => Promise.resolve(err('unused')),
          }),
      ).toThrow(`revalidateAtFraction must be in (0, 1]; got ${f}`)
    }
  })
})
