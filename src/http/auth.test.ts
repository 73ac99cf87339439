import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../core/clock.js'
import { ok } from '../core/result.js'
import type { User } from '../store/user-store.js'
import { Authenticator, parseCookies, type UserAccounts } from './auth.js'

/** Accounts whose password checks finish only when the test says so. */
function slowAccounts() {
  const pending: ((user: User | undefined) => void)[] = []
  const alice: User = { name: 'alice', role: 'user', number: null }
  const accounts: UserAccounts = {
    get: () => alice,
    verifyPassword: () => new Promise((resolve) => pending.push(resolve)),
    issueToken: (user, _kind, expiresAt) => ok({ token: 't', user, expiresAt }),
    lookupToken: () => undefined,
    consumeToken: () => undefined,
    revokeToken: () => false,
  }
  return { accounts, pending, alice }
}

describe('authenticator', () => {
  it('runs at most maxConcurrentChecks password checks at once; more are refused with 503', async () => {
    const { accounts, pending, alice } = slowAccounts()
    const auth = new Authenticator({ users: accounts, clock: new ManualClock(1), maxConcurrentChecks: 2 })
    const first = auth.signIn('alice', 'pw', 'a1')
    const second = auth.signIn('alice', 'pw', 'a2')
    expect(await auth.signIn('alice', 'pw', 'a3')).toEqual({
      ok: false,
      error: { status: 503, error: 'too many sign-ins at once; try again in a second', retryAfterS: 1 },
    })
    pending.forEach((resolve) => resolve(alice))
    expect((await first).ok).toBe(true)
    expect((await second).ok).toBe(true)
    const third = auth.signIn('alice', 'pw', 'a3')
    pending[2]!(undefined)
    expect(await third).toMatchObject({ ok: false, error: { status: 401 } })
  })

  it('refuses an operator token shorter than 16 characters', () => {
    expect(
      () => new Authenticator({ users: slowAccounts().accounts, clock: new ManualClock(1), operatorToken: 'x' }),
    ).toThrow('the operator token must be at least 16 characters')
  })

  it('knows the operator token only exactly', () => {
    const auth = new Authenticator({
      users: slowAccounts().accounts,
      clock: new ManualClock(1),
      operatorToken: 'operator-0123456789',
    })
    const ask = (authorization: string) => auth.authenticate({ headers: { authorization } } as IncomingMessage)
    expect(ask('Bearer operator-0123456789')).toMatchObject({ ok: true, value: { role: 'operator' } })
    expect(ask('Bearer operator-012345678')).toMatchObject({ ok: false })
    expect(ask('Bearer operator-0123456789x')).toMatchObject({ ok: false })
    expect(ask('bearer operator-0123456789')).toMatchObject({ ok: true }) // the scheme is case-insensitive
    expect(ask('Basic operator-0123456789')).toMatchObject({ ok: false })
  })

  it('reads cookies, the first of a name winning', () => {
    expect(parseCookies('a=1; ime_session=abc; ime_session=evil; junk')).toEqual(
      new Map([
        ['a', '1'],
        ['ime_session', 'abc'],
      ]),
    )
    expect(parseCookies(undefined).size).toBe(0)
  })
})
