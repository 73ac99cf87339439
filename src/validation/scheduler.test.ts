import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../core/clock.js'
import type { E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'
import { SqliteCallRecordStore } from '../store/call-record-store.js'
import { openDatabase } from '../store/database.js'
import { SqliteLearnedRouteStore } from '../store/learned-route-store.js'
import { SqliteValidationQueue } from '../store/validation-queue-store.js'
import type { CallDetails } from './call-secret.js'
import { proofFailure, type ProofFailure } from './proof-failure.js'
import { ValidationScheduler, type Claimer, type ProvenRoute, type ValidationOutcome } from './scheduler.js'

const HOUR = 3600_000
const T = Date.parse('2026-11-25T10:00:00Z')
const alice = '+12015550100' as E164
const bob = '+12025550102' as E164
const R = '11'.repeat(16) // the real owner's node
const S = '22'.repeat(16) // a second claimer, another domain
const LIFETIME = 10 * HOUR
const RETRY = 30 * 60_000

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A database file that a second scheduler can open, as a restarted node would. */
function databaseFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ime-scheduler-'))
  dirs.push(dir)
  return join(dir, 'node.db')
}

type Answer = 'prove' | 'fail' | 'unreachable' | 'timeout' | 'hang'

/**
 * A scheduler over real (in-memory SQLite) stores, with the DHT lookup and the proof scripted: `claims` is who
 * claims bob's number; `answers` says how each claimer answers a proof.
 */
function setup(path = ':memory:', now = T, proofsToTrust = 1) {
  const db = openDatabase(path)
  const calls = new SqliteCallRecordStore(db)
  const routes = new SqliteLearnedRouteStore(db)
  const clock = new ManualClock(now)
  const claims = new Set([R, S])
  const domains: Record<string, string> = { [R]: 'bravo.example', [S]: 'sierra.example' }
  const answers: Record<string, Answer> = { [R]: 'prove', [S]: 'prove' }
  let offeredLifetime = LIFETIME
  const queue = new SqliteValidationQueue(db)
  const asked: { claimer: string; call: CallDetails }[] = []
  let lookupFails = false
  const outcomes: ValidationOutcome[] = []
  const scheduler = new ValidationScheduler<string>({
    calls,
    routes,
    queue,
    clock,
    random: () => 0,
    timing: {
      minCallMs: 10_000,
      delayMinMs: 60_000,
      delayMaxMs: 120_000,
      revalidateAtFraction: 0.8,
      revalidationRetryMs: RETRY,
      // One proof trusts a route here, as before evidence from several calls; 'evidence before trust' sets 2.
      proofsToTrust,
    },
    onOutcome: (o) => outcomes.push(o),
    findClaimers: (number) => {
      if (lookupFails) return Promise.reject(new Error('no route to the ring'))
      return Promise.resolve(number === bob ? [...claims].map((c): Claimer<string> => ({ nodeId: c, ref: c })) : [])
    },
    prove: (claimer, call): Promise<Result<ProvenRoute, ProofFailure>> => {
      asked.push({ claimer: claimer.nodeId, call })
      const failed = (f: ProofFailure) => Promise.resolve(err(f))
      switch (answers[claimer.nodeId]) {
        case 'fail':
          return failed(proofFailure('not-proven', 'the claimer could not prove it took part in the call'))
        case 'unreachable':
          return failed(proofFailure('unreachable', `could not reach ${claimer.nodeId}: connection refused`))
        case 'timeout':
          return failed(proofFailure('timeout', `validation with ${claimer.nodeId} took over 5000 ms`))
        case 'hang':
          return new Promise(() => undefined) // the node is killed during this run
        default: {
          const domain = domains[claimer.nodeId]!
          const expiresAt = clock.now() + offeredLifetime
          return Promise.resolve(ok({ domain, sipUri: `sip:${bob}@${domain}`, ticket: `t${clock.now()}`, expiresAt }))
        }
      }
    },
  })
  // Ids go on from the calls already in the database (a restarted node's setup).
  let n = (db.prepare('SELECT count(*) AS n FROM call_records').get() as { n: number }).n
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
  const routeOf = (claimer: string) => routes.allRoutesTo(bob, clock.now()).find((r) => r.claimer === claimer)
  return {
    db,
    queue,
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
    offerLifetime: (ms: number) => (offeredLifetime = ms),
  }
}

/** A call at T, validated with both claimers at T + 5 min: two routes, each valid for LIFETIME. */
async function learned(path?: string) {
  const s = setup(path)
  const first = s.call(T)
  s.clock.set(T + 5 * 60_000)
  const outcomes = await s.scheduler.run()
  expect(outcomes.map((o) => [o.kind, o.outcome, o.claimer, o.dropped])).toEqual([
    ['first', 'validated', R, false],
    ['first', 'validated', S, false],
  ])
  // S proved after R: a conflict, so S's route is a candidate until it has proved more than R. These tests are
  // about two established routes: S's is marked trusted, as after it had (see 'evidence before trust').
  const candidate = s.routes.allRoutesTo(bob, s.clock.now()).find((r) => r.claimer === S)!
  expect(candidate.trusted).toBe(false)
  s.routes.put({ ...candidate, trusted: true })
  s.asked.length = 0
  s.outcomes.length = 0
  return { ...s, first, learnedAt: T + 5 * 60_000 }
}

describe('re-validation of learned routes', () => {
  it('re-validates at once a route whose ticket is of the old format (no caller peer), which edges now refuse', async () => {
    const s = await learned()
    const route = s.routeOf(R)!
    const v1 = Buffer.alloc(60)
    v1[0] = 1
    expect(s.scheduler.revalidationDueAt({ ...route, ticket: v1.toString('base64url') })).toBe(route.validatedAt)
    expect(s.scheduler.revalidationDueAt(route)).toBe(s.learnedAt + 0.8 * LIFETIME)
  })

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
    expect(outcomes).toMatchObject([
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

  it("a failed re-validation keeps a proven route; a second failure on a later call drops that claimer's only", async () => {
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
        dropped: false,
        failure: 'not-proven',
        reason: /could not prove/,
      },
      { callId: s.first, kind: 'revalidation', claimer: S, outcome: 'validated', dropped: false },
    ])
    // One failure may be an honest wrong pick: the route an earlier proof established stays.
    expect(s.routeOf(R)).toMatchObject({ domain: 'bravo.example', validatedAt: s.learnedAt })
    // Not asked about that call again; the next call's validation settles it: a second failure in a row drops it.
    s.asked.length = 0
    s.clock.advance(HOUR)
    await s.scheduler.run()
    expect(s.asked.map((a) => a.claimer)).not.toContain(R)
    const later = s.call(s.clock.now())
    s.clock.advance(HOUR)
    expect(await s.scheduler.run()).toMatchObject([
      { callId: later, kind: 'first', claimer: R, outcome: 'failed', dropped: true, failure: 'not-proven' },
      { callId: later, kind: 'first', claimer: S, outcome: 'validated', dropped: false },
    ])
    expect(s.routeOf(R)).toBeUndefined()
    expect(s.routeOf(S)).toMatchObject({ domain: 'sierra.example' })
  })

  it('a success between two failures starts the count again', async () => {
    const s = await learned()
    const fails = async (answer: Answer, dropped: boolean) => {
      s.answers[R] = answer
      const id = s.call(s.clock.now())
      s.clock.advance(HOUR)
      expect((await s.scheduler.run()).find((o) => o.claimer === R)).toMatchObject({ callId: id, dropped })
    }
    await fails('fail', false)
    await fails('prove', false)
    await fails('fail', false)
    expect(s.routeOf(R)).toBeDefined()
    await fails('unreachable', false) // no guess checked: neither counts nor resets
    await fails('fail', true)
    expect(s.routeOf(R)).toBeUndefined()
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
      failure: 'withdrawn',
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
    expect(s.routes.allRoutesTo(bob, s.clock.now())).toEqual([])
  })

  it('a failed lookup leaves the route, reported once, not dropped, and retried only after the retry delay', async () => {
    const s = await learned()
    s.failLookups()
    s.clock.set(s.learnedAt + 0.8 * LIFETIME)
    expect(await s.scheduler.run()).toMatchObject([
      {
        kind: 'revalidation',
        claimer: R,
        outcome: 'failed',
        dropped: false,
        failure: 'lookup-failed',
        reason: 'lookup failed: no route to the ring',
      },
      { kind: 'revalidation', claimer: S, outcome: 'failed', dropped: false },
    ])
    s.clock.advance(30_000)
    expect(await s.scheduler.run()).toEqual([])
    expect(s.routes.allRoutesTo(bob, s.clock.now())).toHaveLength(2)
    s.clock.advance(RETRY - 30_000)
    expect(await s.scheduler.run()).toHaveLength(2)
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
      ['first', pending, S, 'failed', false],
    ])
    expect(s.asked.map((a) => a.claimer)).toEqual([R, S])
  })
})

describe('dropping routes', () => {
  it("failed first validations of two calls in a row drop that claimer's earlier route; a claimer that moved domain keeps one route", async () => {
    const s = await learned()
    s.answers[S] = 'fail'
    s.domains[R] = 'bravo2.example'
    const second = s.call(T + HOUR)
    s.clock.set(T + 2 * HOUR)
    expect(await s.scheduler.run()).toMatchObject([
      { kind: 'first', callId: second, claimer: R, outcome: 'validated', dropped: true, domain: 'bravo2.example' },
      { kind: 'first', callId: second, claimer: S, outcome: 'failed', dropped: false, failure: 'not-proven' },
    ])
    const third = s.call(T + 2 * HOUR)
    s.clock.set(T + 3 * HOUR)
    expect(await s.scheduler.run()).toMatchObject([
      { kind: 'first', callId: third, claimer: R, outcome: 'validated', dropped: false },
      { kind: 'first', callId: third, claimer: S, outcome: 'failed', dropped: true, failure: 'not-proven' },
    ])
    expect(s.routes.allRoutesTo(bob, s.clock.now()).map((r) => [r.claimer, r.domain])).toEqual([[R, 'bravo2.example']])
  })

  it('blocking a domain drops its routes only, and a later proof from it is not kept', async () => {
    const s = await learned()
    expect(s.routes.blockDomain('sierra.example')).toBe(1)
    expect(s.routes.allRoutesTo(bob, s.clock.now()).map((r) => r.domain)).toEqual(['bravo.example'])
    s.clock.set(s.learnedAt + 0.8 * LIFETIME)
    const second = s.call(T + HOUR)
    await s.scheduler.run({ everything: true })
    expect(s.outcomes.find((o) => o.callId === second && o.claimer === S)).toMatchObject({
      outcome: 'failed',
      dropped: false,
      reason: 'domain sierra.example is blocked by the operator',
    })
    expect(s.routes.allRoutesTo(bob, s.clock.now()).map((r) => r.domain)).toEqual(['bravo.example'])
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
            queue: new SqliteValidationQueue(s.db),
            random: () => 0,
            timing: { minCallMs: 1, delayMinMs: 1, delayMaxMs: 2, revalidateAtFraction: f },
            findClaimers: () => Promise.resolve([]),
            prove: () => Promise.resolve(err(proofFailure('protocol', 'unused'))),
          }),
      ).toThrow(`revalidateAtFraction must be in (0, 1]; got ${f}`)
    }
  })
})

describe('failure kinds: only a failed proof drops a route', () => {
  it('a claimer that cannot be reached or times out in a first validation keeps its route; one that cannot prove on two calls loses it', async () => {
    const s = await learned()
    s.answers[R] = 'unreachable'
    s.answers[S] = 'timeout'
    const second = s.call(T + HOUR)
    s.clock.set(T + 2 * HOUR)
    expect(await s.scheduler.run()).toMatchObject([
      { kind: 'first', callId: second, claimer: R, outcome: 'failed', dropped: false, failure: 'unreachable' },
      { kind: 'first', callId: second, claimer: S, outcome: 'failed', dropped: false, failure: 'timeout' },
    ])
    expect(
      s.routes
        .routesTo(bob, s.clock.now())
        .map((r) => r.claimer)
        .sort(),
    ).toEqual([R, S])
    s.answers[S] = 'fail'
    const third = s.call(T + 3 * HOUR)
    s.clock.set(T + 4 * HOUR)
    expect(await s.scheduler.run()).toMatchObject([
      { callId: third, claimer: R, failure: 'unreachable', dropped: false },
      { callId: third, claimer: S, failure: 'not-proven', dropped: false },
    ])
    const fourth = s.call(T + 4 * HOUR)
    s.clock.set(T + 5 * HOUR)
    expect(await s.scheduler.run()).toMatchObject([
      { callId: fourth, claimer: R, failure: 'unreachable', dropped: false },
      { callId: fourth, claimer: S, failure: 'not-proven', dropped: true },
    ])
    expect(s.routes.allRoutesTo(bob, s.clock.now()).map((r) => r.claimer)).toEqual([R])
  })

  it('an unreachable claimer at re-validation keeps its route until it expires, and is asked again after the retry delay', async () => {
    const s = await learned()
    s.answers[R] = 'unreachable'
    const dueAt = s.learnedAt + 0.8 * LIFETIME
    s.clock.set(dueAt)
    expect(await s.scheduler.run()).toMatchObject([
      { kind: 'revalidation', claimer: R, outcome: 'failed', dropped: false, failure: 'unreachable' },
      { kind: 'revalidation', claimer: S, outcome: 'validated' },
    ])
    expect(s.routeOf(R)).toMatchObject({ validatedAt: s.learnedAt })
    // Not on the next poll: after the retry delay.
    s.asked.length = 0
    s.clock.advance(RETRY - 1)
    expect(await s.scheduler.run()).toEqual([])
    expect(s.asked).toEqual([])
    s.clock.advance(1)
    expect(await s.scheduler.run()).toMatchObject([{ claimer: R, failure: 'unreachable', dropped: false }])
    // Back, it proves the same call again and the route is renewed.
    s.answers[R] = 'prove'
    s.clock.advance(RETRY)
    expect(await s.scheduler.run()).toMatchObject([{ claimer: R, outcome: 'validated', callId: s.first }])
    expect(s.routeOf(R)).toMatchObject({ validatedAt: s.clock.now() })
    // Unreachable to the end: the route simply expires.
    s.answers[R] = 'unreachable'
    s.clock.set(s.routeOf(R)!.expiresAt)
    await s.scheduler.run()
    expect(s.routeOf(R)).toBeUndefined()
  })

  it('keeps a route no longer than the longest route lifetime, whatever expiry the claimer offers', async () => {
    const s = setup()
    s.offerLifetime(365 * 24 * HOUR)
    s.call(T)
    s.clock.set(T + HOUR)
    await s.scheduler.run()
    expect(s.routeOf(R)).toMatchObject({ validatedAt: T + HOUR, expiresAt: T + HOUR + 7 * 24 * HOUR })
  })
})

describe('first validations whose lookup fails', () => {
  it('are tried again after the retry delay, until a deadline after the call', async () => {
    const s = setup()
    const id = s.call(T)
    s.failLookups()
    s.clock.set(T + 10 * 60_000)
    expect(await s.scheduler.run()).toMatchObject([
      { callId: id, kind: 'first', outcome: 'failed', failure: 'lookup-failed' },
    ])
    expect(s.scheduler.pending()).toEqual([{ callId: id, dueAt: T + 10 * 60_000 + RETRY }])
    s.clock.advance(RETRY - 1)
    expect(await s.scheduler.run()).toEqual([])
    s.clock.advance(1)
    expect(await s.scheduler.run()).toHaveLength(1)
    // Past the deadline (24 h after the call ended): given up.
    s.clock.set(T + 120_000 + 24 * HOUR - RETRY + 1)
    s.queue.schedule(id, s.clock.now()) // as if its earlier tries had all failed
    expect(await s.scheduler.run()).toMatchObject([{ callId: id, failure: 'lookup-failed' }])
    expect(s.scheduler.pending()).toEqual([])
  })
})

describe('nothing lost on restart', () => {
  it('a validation scheduled before a restart runs after it, with a new scheduler on the reopened database', async () => {
    const path = databaseFile()
    const before = setup(path)
    const id = before.call(T)
    expect(before.scheduler.pending()).toEqual([{ callId: id, dueAt: T + 120_000 + 60_000 }])
    before.db.close()
    const after = setup(path, T + 10 * 60_000)
    expect(after.scheduler.pending()).toEqual([{ callId: id, dueAt: T + 180_000 }])
    expect((await after.scheduler.run()).map((o) => [o.callId, o.claimer, o.outcome])).toEqual([
      [id, R, 'validated'],
      [id, S, 'validated'],
    ])
    expect(after.scheduler.pending()).toEqual([])
    after.db.close()
  })

  it('a node killed during a validation asks, after the restart, only the claimers it had not asked yet', async () => {
    const path = databaseFile()
    const before = setup(path)
    const id = before.call(T)
    before.answers[R] = 'hang'
    before.clock.set(T + 10 * 60_000)
    void before.scheduler.run() // killed while R's run is in flight: R has been asked (it may have guessed)
    await Promise.resolve()
    expect(before.asked.map((a) => a.claimer)).toEqual([R])
    const after = setup(path, T + 20 * 60_000)
    expect((await after.scheduler.run()).map((o) => [o.callId, o.claimer, o.outcome])).toEqual([[id, S, 'validated']])
    expect(after.asked.map((a) => a.claimer)).toEqual([S])
    expect(after.scheduler.pending()).toEqual([])
    // Who was asked stays, with what came of it: R's run never reported.
    expect([after.queue.askedResult(id, R), after.queue.askedResult(id, S)]).toEqual([null, 'proven'])
    after.queue.forgetAskedBefore(T + 20 * 60_000 + 1)
    expect(after.queue.askedResult(id, S)).toBeUndefined()
    before.db.close()
    after.db.close()
  })

  it('a claimer whose run about a call was interrupted is not asked about that call again at re-validation', async () => {
    const path = databaseFile()
    const before = await learned(path)
    const x = before.call(T + HOUR)
    before.answers[R] = 'hang'
    before.clock.set(T + 2 * HOUR)
    void before.scheduler.run() // killed during R's run about x: R's guess may have been checked
    await Promise.resolve()
    const after = setup(path, T + 2 * HOUR + 60_000)
    // S is asked about x, and proves it; R is not asked again.
    expect((await after.scheduler.run()).map((o) => [o.callId, o.claimer, o.outcome])).toEqual([[x, S, 'validated']])
    // R's route (learned from the first call) is due; the latest call is x, which R must not be asked about.
    after.asked.length = 0
    after.clock.set(before.learnedAt + 0.8 * LIFETIME)
    expect(await after.scheduler.run()).toEqual([])
    expect(after.asked).toEqual([])
    expect(after.routeOf(R)).toMatchObject({ validatedAt: before.learnedAt })
    // A later call: R is asked about that one, in its first validation.
    after.answers[R] = 'prove'
    const y = after.call(after.clock.now() - 200_000)
    after.clock.advance(HOUR)
    expect(await after.scheduler.run()).toMatchObject([
      { callId: y, claimer: R, outcome: 'validated' },
      { callId: y, claimer: S, outcome: 'validated' },
    ])
    before.db.close()
    after.db.close()
  })

  it('nor is one whose proof about the call failed (its route drop lost to a crash)', async () => {
    const s = await learned()
    // As if R's proof about the first call had failed and the node died before the route's DELETE.
    s.queue.markAsked(s.first, R, s.learnedAt)
    s.queue.settle(s.first, R, 'not-proven')
    s.clock.set(s.learnedAt + 0.8 * LIFETIME)
    expect((await s.scheduler.run()).map((o) => o.claimer)).toEqual([S])
    expect(s.asked.map((a) => a.claimer)).toEqual([S])
  })

  it('a re-validation put off before a restart stays put off after it', async () => {
    const path = databaseFile()
    const before = await learned(path)
    before.answers[R] = 'timeout'
    before.clock.set(before.learnedAt + 0.8 * LIFETIME)
    expect(await before.scheduler.run()).toMatchObject([{ claimer: R, failure: 'timeout' }, { claimer: S }])
    before.db.close()
    const after = setup(path, before.clock.now() + 60_000)
    expect(await after.scheduler.run()).toEqual([])
    expect(after.asked).toEqual([])
    after.clock.set(before.clock.now() + RETRY)
    expect(await after.scheduler.run()).toMatchObject([{ claimer: R, outcome: 'validated', kind: 'revalidation' }])
    after.db.close()
  })
})

describe('many calls to one number', () => {
  it('keep one waiting validation per number: calls while one waits are not scheduled, and it is not pushed back', async () => {
    const s = setup()
    // A call centre: a call every 10 s, each shorter than the validation delay (1 to 2 min here).
    const ids: string[] = []
    for (let i = 0; i < 30; i++) {
      s.clock.set(T + i * 10_000 + 30_000)
      ids.push(s.call(T + i * 10_000, T + i * 10_000 + 30_000))
      if (i === 10) {
        await s.scheduler.run() // the first call's validation is due at T + 90 s (random 0: delayMin)
      }
    }
    expect(s.outcomes.map((o) => [o.callId, o.claimer, o.outcome])).toEqual([
      [ids[0], R, 'validated'],
      [ids[0], S, 'validated'],
    ])
    // The next call after that run waits in turn; one run per claimer per waiting call, not thirty.
    expect(s.scheduler.pending().map((p) => p.callId)).toEqual([ids[11]])
    expect(s.asked).toHaveLength(2)
  })
})

describe('evidence before trust (PROOFS_TO_TRUST = 2)', () => {
  /** Only R claims bob's number; a call at `at`, validated an hour later. */
  const validateCall = async (s: ReturnType<typeof setup>, at: number) => {
    const id = s.call(at)
    s.clock.set(at + HOUR)
    return { id, outcomes: await s.scheduler.run() }
  }

  it('a new claimer is used after two distinct calls proved; the same call proved again is no new evidence', async () => {
    const s = setup(':memory:', T, 2)
    s.claims.delete(S)
    const first = await validateCall(s, T)
    expect(first.outcomes).toMatchObject([{ outcome: 'validated', trusted: false, provenCalls: 1, proofsNeeded: 2 }])
    expect(s.routes.routesTo(bob, s.clock.now())).toEqual([]) // calls still go over the PSTN
    // A re-validation of the same call does not count.
    s.clock.set(T + HOUR + 0.8 * LIFETIME)
    expect(await s.scheduler.run()).toMatchObject([{ kind: 'revalidation', trusted: false, provenCalls: 1 }])
    const second = await validateCall(s, s.clock.now())
    expect(second.outcomes).toMatchObject([{ outcome: 'validated', trusted: true, provenCalls: 2 }])
    expect(s.routes.routesTo(bob, s.clock.now())).toMatchObject([{ claimer: R, provenCalls: 2, trusted: true }])
  })

  it('a candidate that fails once is dropped at once; a claimer trusted before needs one proof after expiry', async () => {
    const s = setup(':memory:', T, 2)
    s.claims.delete(S)
    await validateCall(s, T)
    s.answers[R] = 'fail'
    const failed = await validateCall(s, T + 2 * HOUR)
    expect(failed.outcomes).toMatchObject([{ outcome: 'failed', failure: 'not-proven', dropped: true }])
    s.answers[R] = 'prove'
    await validateCall(s, T + 4 * HOUR)
    await validateCall(s, T + 6 * HOUR)
    expect(s.routeOf(R)).toMatchObject({ trusted: true, provenCalls: 2 })
    // The route expires; proved again later, it is trusted at once (the claimer's history).
    s.clock.advance(LIFETIME + HOUR)
    expect(s.routes.allRoutesTo(bob, s.clock.now())).toEqual([])
    const back = await validateCall(s, s.clock.now())
    expect(back.outcomes).toMatchObject([{ outcome: 'validated', trusted: true, provenCalls: 1, proofsNeeded: 1 }])
    // Two failures in a row drop it and forget the history: two proofs are needed again.
    s.answers[R] = 'fail'
    await validateCall(s, s.clock.now())
    await validateCall(s, s.clock.now())
    s.answers[R] = 'prove'
    const again = await validateCall(s, s.clock.now())
    expect(again.outcomes).toMatchObject([{ outcome: 'validated', trusted: false, proofsNeeded: 2 }])
  })

  it('a candidate must prove the calls in a row as they come: a run it does not finish drops it too', async () => {
    const s = setup(':memory:', T, 2)
    s.claims.delete(S)
    await validateCall(s, T)
    s.answers[R] = 'unreachable' // an impostor would skip the runs that do not favour its guess
    const skipped = await validateCall(s, T + 2 * HOUR)
    expect(skipped.outcomes).toMatchObject([{ outcome: 'failed', failure: 'unreachable', dropped: true }])
    expect(s.routes.allRoutesTo(bob, s.clock.now())).toEqual([])
    // A trusted route is not touched by an unreachable claimer (only failed proofs count against it).
    s.answers[R] = 'prove'
    await validateCall(s, T + 4 * HOUR)
    await validateCall(s, T + 6 * HOUR)
    s.answers[R] = 'timeout'
    const late = await validateCall(s, T + 8 * HOUR)
    expect(late.outcomes).toMatchObject([{ failure: 'timeout', dropped: false }])
    expect(s.routeOf(R)).toMatchObject({ trusted: true })
  })

  it('a conflict: the established route stays in use until the newcomer has proved more; reported each time', async () => {
    const s = setup(':memory:', T, 2)
    s.claims.delete(S)
    await validateCall(s, T)
    await validateCall(s, T + 2 * HOUR)
    expect(s.routeOf(R)).toMatchObject({ trusted: true, provenCalls: 2 })
    // S starts claiming the number and proves each call too (an impostor that guessed, or a new owner).
    s.claims.add(S)
    const first = await validateCall(s, T + 4 * HOUR)
    expect(first.outcomes).toMatchObject([
      { claimer: R, trusted: true, provenCalls: 3 },
      { claimer: S, trusted: false, provenCalls: 1, proofsNeeded: 4, conflictWith: 'bravo.example' },
    ])
    await validateCall(s, T + 6 * HOUR)
    expect(s.routes.routesTo(bob, s.clock.now()).map((r) => r.claimer)).toEqual([R])
    // R no longer proves (the number moved to S's enterprise): two failed calls drop it, then S is trusted.
    s.answers[R] = 'fail'
    const a = await validateCall(s, T + 8 * HOUR)
    expect(a.outcomes).toMatchObject([
      { claimer: R, dropped: false },
      { claimer: S, trusted: false, provenCalls: 3 },
    ])
    const b = await validateCall(s, T + 10 * HOUR)
    expect(b.outcomes).toMatchObject([
      { claimer: R, dropped: true },
      { claimer: S, trusted: true, provenCalls: 4 },
    ])
    expect(s.routes.routesTo(bob, s.clock.now()).map((r) => r.claimer)).toEqual([S])
  })
})
