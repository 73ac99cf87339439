import { describe, expect, it } from 'vitest'
import { REASON_PHRASES } from '../sip/message/message.js'
import { fallsBack, type ImeFailure } from '../../web/src/routing.js'
import { fallsBackToPstn, statusFallsBack, type ImeAttemptFailure } from './fallback-policy.js'

/** Every final status the SIP stack knows, with what an IME route answering it means for the call. */
const STATUSES: readonly [status: number, toPstn: boolean][] = [
  [300, false],
  [301, false],
  [302, false],
  [400, false],
  [401, false],
  [403, true],
  [404, true],
  [405, false],
  [407, false],
  [408, true],
  [410, true],
  [413, false],
  [414, false],
  [415, false],
  [416, true],
  [420, false],
  [423, false],
  [480, true],
  [481, false],
  [482, false],
  [483, false],
  [484, false],
  [486, false],
  [487, false],
  [488, true],
  [491, false],
  [500, true],
  [501, true],
  [502, true],
  [503, true],
  [504, true],
  [505, true],
  [513, true],
  [580, true],
  [599, true],
  [600, false],
  [603, false],
  [604, false],
  [606, false],
]

/** Failures without a final response (as the policy and as the softphone see them): always the PSTN. */
const NO_RESPONSE: readonly [ImeAttemptFailure, ImeFailure][] = [
  [{ kind: 'connect-timeout' }, { kind: 'connect-timeout', ms: 2000 }],
  [{ kind: 'connect-failed' }, { kind: 'connect-failed', reason: 'ECONNREFUSED' }],
  [{ kind: 'transport' }, { kind: 'transport', reason: 'WebSocket closed' }],
]

describe('the fallback policy (node and softphone)', () => {
  it.each(STATUSES)('a final %i from an IME route: to the PSTN %s', (status, toPstn) => {
    expect(statusFallsBack(status)).toBe(toPstn)
    expect(fallsBackToPstn({ kind: 'rejected', code: status })).toBe(toPstn)
    // The softphone decides with the same policy.
    expect(fallsBack({ kind: 'rejected', code: status, reason: 'x' })).toBe(toPstn)
  })

  it.each(NO_RESPONSE)('no final response (%o): to the PSTN', (failure, inSoftphone) => {
    expect(fallsBackToPstn(failure)).toBe(true)
    expect(fallsBack(inSoftphone)).toBe(true)
  })

  it('the table covers every final status the SIP stack names', () => {
    const named = Object.keys(REASON_PHRASES)
      .map(Number)
      .filter((s) => s >= 300)
    expect(named.filter((s) => !STATUSES.some(([t]) => t === s))).toEqual([])
  })

  it.each([
    ['3xx (redirects: the route does not redirect to another enterprise)', 300, 399, () => false],
    // 4xx: only the listed "this route does not work" answers; 486 Busy Here and 487 (cancelled) never.
    ['4xx', 400, 499, (s: number) => [403, 404, 408, 410, 416, 480, 488].includes(s)],
    ['5xx (the route or the node behind it failed)', 500, 599, () => true],
    ['6xx (a global answer, RFC 3261 section 21.6: busy or declined everywhere)', 600, 699, () => false],
  ] as const)('every code of class %s', (_, from, to, rule) => {
    for (let status = from; status <= to; status++) {
      expect([status, statusFallsBack(status)]).toEqual([status, rule(status)])
      expect([status, fallsBack({ kind: 'rejected', code: status, reason: 'x' })]).toEqual([status, rule(status)])
    }
    for (const final of [486, 487, 600, 603, 604, 606]) expect(statusFallsBack(final)).toBe(false)
  })

  it("takes the node's own answers for a route that did not work (503 unreachable, 408 no answer in time)", () => {
    expect(statusFallsBack(503)).toBe(true)
    expect(statusFallsBack(408)).toBe(true)
  })
})
