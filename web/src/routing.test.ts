import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RouteDto } from './api.js'
import {
  CallAttempt,
  chooseRoute,
  fallsBack,
  MEDIA_FAILED,
  mediaFailedReason,
  saysMediaFailed,
  pathLabel,
  startAttempt,
  step,
  wsUrlFor,
  type Effect,
} from './routing.js'

const NOW = Date.parse('2026-11-25T12:00:00Z')
const route = (over: Partial<RouteDto> = {}): RouteDto => ({
  number: '+14085550100',
  sipUri: 'sip:+14085550100@b.example;transport=ws',
  domain: 'b.example',
  validatedAt: NOW - 60_000,
  expiresAt: NOW + 3_600_000,
  wsUrl: 'wss://sip.b.example/ws',
  ...over,
})
const options = { imeConnectTimeoutMs: 2000 }

describe('choosing a route', () => {
  it('uses wsUrl, or derives it from a ws/wss transport', () => {
    expect(wsUrlFor(route())).toBe('wss://sip.b.example/ws')
    expect(wsUrlFor({ sipUri: 'sip:+14085550100@b.example:8443;transport=wss' })).toBe('wss://b.example:8443')
    expect(wsUrlFor({ sipUri: 'sip:+14085550100@b.example;transport=WS;lr' })).toBe('ws://b.example')
    expect(wsUrlFor({ sipUri: 'sip:+14085550100@b.example;transport=tcp' })).toBeUndefined()
    expect(wsUrlFor({ sipUri: 'sip:+14085550100@b.example' })).toBeUndefined()
    expect(wsUrlFor({ sipUri: 'x', wsUrl: 'http://nope' })).toBeUndefined()
  })

  it('takes the newest unexpired route it can reach', () => {
    const old = route({ domain: 'old.example', validatedAt: NOW - 90_000 })
    const fresh = route({ domain: 'new.example', validatedAt: NOW - 1000 })
    const expired = route({ domain: 'gone.example', validatedAt: NOW, expiresAt: NOW - 1 })
    const tcp = route({ domain: 'tcp.example', validatedAt: NOW, wsUrl: undefined, sipUri: 'sip:x@t;transport=tcp' })
    expect(chooseRoute([old, expired, fresh, tcp], NOW)?.domain).toBe('new.example')
    expect(chooseRoute([expired, tcp], NOW)).toBeUndefined()
  })

  it('falls back on broken routes, not on the callee saying no', () => {
    expect(fallsBack({ kind: 'connect-timeout', ms: 2000 })).toBe(true)
    expect(fallsBack({ kind: 'connect-failed', reason: 'x' })).toBe(true)
    expect(fallsBack({ kind: 'transport', reason: 'x' })).toBe(true)
    for (const code of [403, 404, 408, 480, 500, 503]) {
      expect(fallsBack({ kind: 'rejected', code, reason: '' })).toBe(true)
    }
    for (const code of [486, 600, 603, 487]) expect(fallsBack({ kind: 'rejected', code, reason: '' })).toBe(false)
  })

  it('labels paths as the history shows them', () => {
    expect([pathLabel('ime', false), pathLabel('pstn', false), pathLabel('pstn', true)]).toEqual([
      'IME',
      'PSTN',
      'PSTN (fallback)',
    ])
    expect(pathLabel('internal', false)).toBe('Internal')
  })
})

describe('the routing state machine', () => {
  const begin = () => startAttempt('+14085550100', 'a.example', NOW).state

  it('without a route (or when the lookup fails) calls through the PSTN, not marked fallback', () => {
    for (const routes of [[], null]) {
      const s = step(begin(), { type: 'routes', routes, now: NOW }, options)
      expect(s.state).toMatchObject({ phase: 'pstn-calling', path: 'pstn', fallback: false })
      expect(s.effects).toEqual([{ type: 'invite-pstn', target: 'sip:+14085550100@a.example' }])
    }
  })

  it("with a route connects, then sends the INVITE with its node's headers for the call; a 403 falls back to the PSTN", () => {
    let s = step(begin(), { type: 'routes', routes: [route()], now: NOW }, options)
    expect(s.effects).toEqual([
      { type: 'connect-ime', wsUrl: 'wss://sip.b.example/ws' },
      { type: 'start-timer', ms: 2000 },
    ])
    s = step(s.state, { type: 'ime-connected' }, options)
    expect(s.effects).toEqual([
      { type: 'stop-timer' },
      { type: 'invite-ime', target: 'sip:+14085550100@b.example;transport=ws', number: '+14085550100' },
    ])
    s = step(s.state, { type: 'ringing' }, options)
    expect(s.state.ringing).toBe(true)
    s = step(s.state, { type: 'failed', code: 403, reason: 'ticket expired', now: NOW + 500 }, options)
    expect(s.state).toMatchObject({ phase: 'pstn-calling', fallback: true, ringing: false })
    expect(s.state.fallbackReason).toBe('ticket refused (403 ticket expired)')
    expect(s.effects.map((e) => e.type)).toEqual(['stop-timer', 'close-ime', 'invite-pstn'])
  })

  it('falls back to the PSTN when its node will not vouch for the call', () => {
    let s = step(begin(), { type: 'routes', routes: [route()], now: NOW }, options)
    s = step(s.state, { type: 'ime-connected' }, options)
    const failure = { kind: 'not-authorized', reason: 'signed out' } as const
    s = step(s.state, { type: 'ime-failed', failure, now: NOW + 100 }, options)
    expect(s.state).toMatchObject({ phase: 'pstn-calling', fallback: true })
    expect(s.state.fallbackReason).toBe('your node did not vouch for the call (signed out)')
  })

  it('media that never connects: an IME call goes to the PSTN, a PSTN call ends as failed (never silent)', () => {
    let s = step(begin(), { type: 'routes', routes: [route()], now: NOW }, options)
    s = step(s.state, { type: 'ime-connected' }, options)
    s = step(s.state, { type: 'answered', now: NOW + 800, callId: 'c1' }, options)
    s = step(s.state, { type: 'media-failed', now: NOW + 9000 }, options)
    expect(s.state).toMatchObject({ phase: 'pstn-calling', path: 'pstn', fallback: true, fallbackReason: MEDIA_FAILED })
    expect(s.state.answeredAt).toBeUndefined()
    expect(s.effects.map((e) => e.type)).toEqual(['terminate', 'close-ime', 'invite-pstn'])
    expect(s.effects[0]).toEqual({ type: 'terminate', reason: MEDIA_FAILED })
    s = step(s.state, { type: 'answered', now: NOW + 12_000 }, options)
    s = step(s.state, { type: 'media-failed', now: NOW + 20_000 }, options)
    expect(s.state).toMatchObject({ phase: 'ended', outcome: 'failed', path: 'pstn', failureReason: MEDIA_FAILED })
    expect(s.effects).toEqual([
      { type: 'terminate', reason: MEDIA_FAILED },
      { type: 'record', record: expect.objectContaining({ outcome: 'failed' }) },
    ])
    // The far end's BYE says why (RFC 3326 Reason), so that its side can say it too.
    expect(saysMediaFailed(mediaFailedReason())).toBe(true)
    expect(saysMediaFailed('Reason: SIP;cause=200;text="Call completed elsewhere"')).toBe(false)
  })

  it('a busy callee over IME ends the call, recorded as busy over IME', () => {
    let s = step(begin(), { type: 'routes', routes: [route()], now: NOW }, options)
    s = step(s.state, { type: 'ime-connected' }, options)
    s = step(s.state, { type: 'failed', code: 486, reason: 'Busy Here', now: NOW + 3000 }, options)
    expect(s.state).toMatchObject({ phase: 'ended', outcome: 'busy' })
    const record = s.effects.find((e) => e.type === 'record')
    expect(record).toEqual({
      type: 'record',
      record: {
        number: '+14085550100',
        start: NOW,
        end: NOW + 3000,
        path: 'ime',
        fallback: false,
        outcome: 'busy',
        direction: 'out',
      },
    })
  })

  it('a call the node keeps inside the enterprise becomes internal, recorded so; an IME leg never does', () => {
    let s = step(begin(), { type: 'routes', routes: [], now: NOW }, options)
    s = step(s.state, { type: 'internal' }, options)
    expect(s.state).toMatchObject({ phase: 'pstn-calling', path: 'internal', fallback: false })
    expect(pathLabel(s.state.path!, s.state.fallback)).toBe('Internal')
    s = step(s.state, { type: 'answered', now: NOW + 1000 }, options)
    s = step(s.state, { type: 'internal' }, options)
    expect(s.state).toMatchObject({ phase: 'in-call', path: 'internal' })
    s = step(s.state, { type: 'ended', now: NOW + 5000 }, options)
    expect(s.effects).toEqual([{ type: 'record', record: expect.objectContaining({ path: 'internal' }) }])

    let ime = step(begin(), { type: 'routes', routes: [route()], now: NOW }, options)
    ime = step(ime.state, { type: 'ime-connected' }, options)
    expect(step(ime.state, { type: 'internal' }, options).state).toBe(ime.state)
  })

  it('records an answered call with its answer time and Call-ID', () => {
    let s = step(begin(), { type: 'routes', routes: [], now: NOW }, options)
    s = step(s.state, { type: 'answered', now: NOW + 4000, callId: 'abc' }, options)
    expect(s.state.phase).toBe('in-call')
    s = step(s.state, { type: 'hangup', now: NOW + 64_000 }, options)
    expect(s.effects).toEqual([
      { type: 'terminate' },
      {
        type: 'record',
        record: {
          number: '+14085550100',
          start: NOW,
          end: NOW + 64_000,
          answeredAt: NOW + 4000,
          path: 'pstn',
          fallback: false,
          outcome: 'answered',
          direction: 'out',
          callId: 'abc',
        },
      },
    ])
    expect(step(s.state, { type: 'ended', now: NOW + 65_000 }, options).effects).toEqual([])
  })

  it('cancelling while the IME socket connects closes it and places no call', () => {
    let s = step(begin(), { type: 'routes', routes: [route()], now: NOW }, options)
    s = step(s.state, { type: 'hangup', now: NOW + 100 }, options)
    expect(s.effects.map((e) => e.type)).toEqual(['stop-timer', 'close-ime', 'record'])
    expect(s.state.outcome).toBe('cancelled')
  })
})

describe('CallAttempt with timers', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(NOW)
  })
  afterEach(() => vi.useRealTimers())

  const attempt = (timeoutMs = 2000) => {
    const effects: Effect[] = []
    const a = new CallAttempt('+14085550100', 'a.example', (e) => effects.push(e), { imeConnectTimeoutMs: timeoutMs })
    return { a, effects }
  }

  it('falls back to the PSTN when the IME socket does not connect within the timeout', async () => {
    const { a, effects } = attempt()
    await vi.advanceTimersByTimeAsync(0)
    expect(effects).toEqual([{ type: 'lookup', number: '+14085550100' }])
    a.dispatch({ type: 'routes', routes: [route()], now: Date.now() })
    await vi.advanceTimersByTimeAsync(1999)
    expect(a.state.phase).toBe('ime-connecting')
    await vi.advanceTimersByTimeAsync(1)
    expect(a.state).toMatchObject({ phase: 'pstn-calling', fallback: true })
    expect(a.state.fallbackReason).toBe("the callee's node did not answer within 2 s")
    expect(effects.map((e) => e.type)).toEqual(['lookup', 'connect-ime', 'close-ime', 'invite-pstn'])
  })

  it('honours a configured timeout, and a connection in time stops the timer', async () => {
    const { a, effects } = attempt(5000)
    await vi.advanceTimersByTimeAsync(0)
    a.dispatch({ type: 'routes', routes: [route()], now: Date.now() })
    await vi.advanceTimersByTimeAsync(4000)
    a.dispatch({ type: 'ime-connected' })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(a.state.phase).toBe('ime-calling')
    expect(effects.map((e) => e.type)).toEqual(['lookup', 'connect-ime', 'invite-ime'])
  })

  it('falls back at once when the socket fails before the timeout', async () => {
    const { a } = attempt()
    const phases: string[] = []
    a.onChange((s) => phases.push(s.phase))
    await vi.advanceTimersByTimeAsync(0)
    a.dispatch({ type: 'routes', routes: [route()], now: Date.now() })
    a.dispatch({ type: 'ime-failed', failure: { kind: 'connect-failed', reason: 'refused' }, now: Date.now() })
    expect(phases).toEqual(['ime-connecting', 'pstn-calling'])
    await vi.advanceTimersByTimeAsync(5000)
    expect(phases).toEqual(['ime-connecting', 'pstn-calling'])
  })
})
