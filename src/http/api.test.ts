import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import { OPERATOR_TOKEN, START, startTestNode, type TestNode } from '../testing/http-test-node.js'

const nodes: TestNode[] = []
const start = async (...args: Parameters<typeof startTestNode>) => {
  const node = await startTestNode(...args)
  nodes.push(node)
  return node
}
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close()
})

const json = { 'content-type': 'application/json' }
const aCall = { number: '+12025550102', start: START - 60_000, end: START - 1000, path: 'ime', outcome: 'answered' }

type Who = 'nobody' | 'user' | 'foreign' | 'operator'
/** The callers: the four of the table, and the foreign session also as a cookie (expected as 'foreign'). */
const CALLERS = ['nobody', 'user', 'foreign', 'foreign-cookie', 'operator'] as const
interface Row {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  body?: unknown
  expect: Record<Who, number>
}

// Every endpoint, as nobody, as a user of this node (session cookie), as a user with a session of ANOTHER node
// (its bearer token), and as the operator (operator token).
const TABLE: Row[] = [
  { method: 'GET', path: '/api/health', expect: { nobody: 200, user: 200, foreign: 200, operator: 200 } },
  { method: 'GET', path: '/metrics', expect: { nobody: 401, user: 403, foreign: 401, operator: 200 } },
  { method: 'GET', path: '/api/edge', expect: { nobody: 401, user: 403, foreign: 401, operator: 200 } },
  { method: 'POST', path: '/api/edge/down', expect: { nobody: 401, user: 403, foreign: 401, operator: 200 } },
  { method: 'POST', path: '/api/edge/up', expect: { nobody: 401, user: 403, foreign: 401, operator: 200 } },
  { method: 'POST', path: '/api/tickets/rotate', expect: { nobody: 401, user: 403, foreign: 401, operator: 200 } },
  { method: 'GET', path: '/api/numbers', expect: { nobody: 401, user: 403, foreign: 401, operator: 200 } },
  {
    method: 'POST',
    path: '/api/numbers/+12015550199',
    expect: { nobody: 401, user: 403, foreign: 401, operator: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/numbers/+12015550100',
    expect: { nobody: 401, user: 403, foreign: 401, operator: 200 },
  },
  { method: 'GET', path: '/api/login', expect: { nobody: 400, user: 400, foreign: 400, operator: 400 } },
  { method: 'GET', path: '/api/session', expect: { nobody: 401, user: 200, foreign: 401, operator: 200 } },
  { method: 'DELETE', path: '/api/session', expect: { nobody: 401, user: 200, foreign: 401, operator: 403 } },
  { method: 'GET', path: '/api/status', expect: { nobody: 401, user: 403, foreign: 401, operator: 200 } },
  { method: 'GET', path: '/api/routes', expect: { nobody: 401, user: 403, foreign: 401, operator: 200 } },
  { method: 'GET', path: '/api/routes/+12025550102', expect: { nobody: 401, user: 200, foreign: 401, operator: 200 } },
  {
    method: 'DELETE',
    path: '/api/routes/+12025550102',
    expect: { nobody: 401, user: 403, foreign: 401, operator: 200 },
  },
  {
    method: 'POST',
    path: '/api/domains/b.example/block',
    expect: { nobody: 401, user: 403, foreign: 401, operator: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/domains/b.example/block',
    expect: { nobody: 401, user: 403, foreign: 401, operator: 200 },
  },
  { method: 'GET', path: '/api/calls', expect: { nobody: 401, user: 200, foreign: 401, operator: 200 } },
  { method: 'POST', path: '/api/calls', body: aCall, expect: { nobody: 401, user: 201, foreign: 401, operator: 403 } },
  {
    method: 'POST',
    path: '/api/calls/authorize',
    body: { number: '+12025550102' },
    // 404 for a user: the table's node has no call agent to vouch with.
    expect: { nobody: 401, user: 404, foreign: 401, operator: 403 },
  },
  { method: 'POST', path: '/api/validation/run', expect: { nobody: 401, user: 403, foreign: 401, operator: 200 } },
  { method: 'GET', path: '/api/validations', expect: { nobody: 401, user: 403, foreign: 401, operator: 200 } },
  { method: 'GET', path: '/api/events', expect: { nobody: 401, user: 200, foreign: 401, operator: 200 } },
  { method: 'GET', path: '/api/ice-servers', expect: { nobody: 401, user: 200, foreign: 401, operator: 200 } },
]

describe('access to every endpoint', () => {
  let here: TestNode
  let other: TestNode
  beforeAll(async () => {
    here = await startTestNode({ realm: 'a.example' })
    other = await startTestNode({ realm: 'b.example' })
  })
  afterAll(async () => {
    await here.close()
    await other.close()
  })

  const headersFor = (who: (typeof CALLERS)[number]): Record<string, string> => {
    if (who === 'user') return { cookie: `ime_session=${here.session('alice')}`, 'x-ime-csrf': '1' }
    // Alice has an account on the other node too (same name): its token must not work here.
    if (who === 'foreign') return { authorization: `Bearer ${other.session('alice')}` }
    if (who === 'foreign-cookie') return { cookie: `ime_session=${other.session('alice')}`, 'x-ime-csrf': '1' }
    if (who === 'operator') return { authorization: `Bearer ${OPERATOR_TOKEN}` }
    return {}
  }

  for (const row of TABLE) {
    for (const who of CALLERS) {
      const status = row.expect[who === 'foreign-cookie' ? 'foreign' : who]
      it(`${row.method} ${row.path} as ${who}: ${status}`, async () => {
        const abort = new AbortController()
        const res = await fetch(here.url + row.path, {
          method: row.method,
          headers: { ...headersFor(who), ...(row.body !== undefined && json) },
          ...(row.body !== undefined && { body: JSON.stringify(row.body) }),
          redirect: 'manual',
          signal: abort.signal,
        })
        expect(res.status).toBe(status)
        expect([...res.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([])
        if (row.path === '/api/events' && status === 200) {
          expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
          abort.abort()
          return
        }
        if (row.path === '/metrics' && status === 200) {
          expect(await res.text()).toContain('ime_test_metric 1')
          return
        }
        const body = (await res.json()) as { error?: string }
        if (status === 401) {
          expect(body.error).toMatch(
            who === 'foreign'
              ? /bearer token is not a session or operator token of this node/
              : who === 'foreign-cookie'
                ? /the session has expired or was signed out/
                : /sign in first/,
          )
        }
        if (status === 403) {
          expect(body.error).toMatch(who === 'user' ? /needs the operator role/ : /needs a user's session/)
        }
        if (status < 300) expect(body.error).toBeUndefined()
      })
    }
  }

  it('lets a user with the operator role act as operator', async () => {
    const res = await fetch(here.url + '/api/validation/run', {
      method: 'POST',
      headers: { authorization: `Bearer ${here.session('olga')}` },
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      outcomes: [{ callId: 'c1', number: '+12025550102', outcome: 'no-claim', kind: 'first', dropped: false }],
    })
  })
})

describe('sign-in', () => {
  const signIn = (node: TestNode, user: string, password: string, extra: Record<string, string> = {}, bearer = false) =>
    fetch(node.url + '/api/session', {
      method: 'POST',
      headers: { ...json, 'x-ime-csrf': '1', ...extra },
      body: JSON.stringify({ user, password, ...(bearer && { bearer }) }),
    })

  it("keeps the session token out of the page's reach: only the HttpOnly cookie carries it", async () => {
    const node = await start()
    const res = await signIn(node, 'alice', 'alice password')
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, unknown>
    expect(body).not.toHaveProperty('token')
    expect(res.headers.get('set-cookie')).toMatch(/^ime_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict;/)
  })

  it('sets an HttpOnly SameSite=Strict cookie and returns a bearer token when asked; sign-out ends the session', async () => {
    const node = await start()
    const res = await signIn(node, 'alice', 'alice password', {}, true)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { token: string; expiresAt: number; user: unknown }
    expect(body.user).toEqual({ name: 'alice', role: 'user', number: '+12015550100' })
    expect(body.expiresAt).toBe(START + 12 * 3600_000)
    const cookie = res.headers.get('set-cookie')!
    expect(cookie).toBe(`ime_session=${body.token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200`)
    const asBearer = await fetch(node.url + '/api/session', { headers: { authorization: `Bearer ${body.token}` } })
    expect(await asBearer.json()).toMatchObject({ user: { name: 'alice' }, via: 'bearer' })
    const out = await fetch(node.url + '/api/session', {
      method: 'DELETE',
      headers: { cookie: `ime_session=${body.token}`, 'x-ime-csrf': '1' },
    })
    expect(out.status).toBe(200)
    expect(out.headers.get('set-cookie')).toMatch(/^ime_session=; .*Max-Age=0/)
    const after = await fetch(node.url + '/api/calls', { headers: { cookie: `ime_session=${body.token}` } })
    expect(after.status).toBe(401)
    expect(await after.json()).toEqual({ error: 'the session has expired or was signed out; sign in again' })
  })

  it('marks the cookie Secure when configured to', async () => {
    const node = await start({ cookieSecure: true })
    const res = await signIn(node, 'alice', 'alice password')
    expect(res.headers.get('set-cookie')).toMatch(/; Secure$/)
  })

  it('sessions expire', async () => {
    const node = await start()
    const token = node.session('alice')
    node.clock.advance(3600_000)
    const res = await fetch(node.url + '/api/calls', { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(401)
  })

  it('refuses a wrong password and an unknown user alike', async () => {
    const node = await start()
    for (const [user, password] of [
      ['alice', 'wrong password'],
      ['nobody', 'alice password'],
    ]) {
      const res = await signIn(node, user!, password!)
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ error: 'unknown user or wrong password' })
    }
  })

  it('limits failures per account: the 6th try in 5 minutes is 429 with Retry-After, even with the password', async () => {
    const node = await start()
    for (let i = 0; i < 5; i++) expect((await signIn(node, 'alice', `wrong ${i}`)).status).toBe(401)
    node.clock.advance(60_000)
    const refused = await signIn(node, 'alice', 'alice password')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('240')
    expect(((await refused.json()) as { error: string }).error).toMatch(/too many failed sign-ins; try again in 240 s/)
    node.clock.advance(240_000)
    expect((await signIn(node, 'alice', 'alice password')).status).toBe(200)
  })

  it('counts attempts sent in parallel before they are decided', async () => {
    const node = await start()
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => signIn(node, 'alice', `wrong ${i}`)))
    expect(answers.map((r) => r.status).sort()).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429])
  })

  it('does not count successes against the address', async () => {
    const node = await start()
    for (let i = 0; i < 4; i++) expect((await signIn(node, 'bob', 'bob password')).status).toBe(200)
    for (let i = 0; i < 4; i++) expect((await signIn(node, 'alice', `wrong ${i}`)).status).toBe(401)
    expect((await signIn(node, 'alice', 'alice password')).status).toBe(200)
  })

  it('limits failures per address, across accounts', async () => {
    const node = await start()
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5'])
      expect((await signIn(node, user, 'guess guess')).status).toBe(401)
    expect((await signIn(node, 'bob', 'bob password')).status).toBe(429)
  })

  it('one-time sign-in links work once, before they expire, and redirect to the app with a session', async () => {
    const node = await start()
    const link = node.api.auth.createLoginToken('alice')
    if (!link.ok) throw new Error(link.error)
    const first = await fetch(`${node.url}/api/login?token=${link.value.token}`, { redirect: 'manual' })
    expect(first.status).toBe(303)
    expect(first.headers.get('location')).toBe('/')
    const cookie = first.headers.get('set-cookie')!
    expect(cookie).toMatch(/^ime_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/)
    const session = cookie.split(';')[0]!
    const me = await fetch(node.url + '/api/session', { headers: { cookie: session } })
    expect(await me.json()).toMatchObject({ user: { name: 'alice' }, via: 'cookie' })
    const again = await fetch(`${node.url}/api/login?token=${link.value.token}`, { redirect: 'manual' })
    expect(again.status).toBe(401)
    expect(await again.json()).toEqual({
      error: 'this sign-in link is unknown, used already or expired; ask for a new one',
    })
    const late = node.api.auth.createLoginToken('alice')
    node.clock.advance(10 * 60_000)
    expect((await fetch(`${node.url}/api/login?token=${late.ok && late.value.token}`)).status).toBe(401)
    expect(node.api.auth.createLoginToken('nobody')).toEqual({ ok: false, error: 'no user nobody' })
  })
})

describe('CSRF and CORS', () => {
  it('refuses a cookie-authenticated state change without the custom header or a same-origin Origin', async () => {
    const node = await start()
    const cookie = `ime_session=${node.session('alice')}`
    const post = (headers: Record<string, string>) =>
      fetch(node.url + '/api/calls', {
        method: 'POST',
        headers: { ...json, cookie, ...headers },
        body: JSON.stringify(aCall),
      })
    const bare = await post({})
    expect(bare.status).toBe(403)
    expect(await bare.json()).toEqual({
      error: 'a cookie-authenticated request that changes state needs the header X-IME-CSRF: 1',
    })
    expect((await post({ origin: 'http://evil.example' })).status).toBe(403)
    expect((await post({ 'x-ime-csrf': 'yes' })).status).toBe(403)
    expect((await post({ origin: node.url })).status).toBe(201)
    expect((await post({ 'x-ime-csrf': '1' })).status).toBe(201)
    // A bearer token cannot be sent by a cross-site form: no header needed.
    const bearer = await fetch(node.url + '/api/calls', {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${node.session('alice')}` },
      body: JSON.stringify(aCall),
    })
    expect(bearer.status).toBe(201)
    expect(node.calls.list().length).toBe(3)
  })

  it('behind a reverse proxy: pages of the configured public origin may change state; other origins may not', async () => {
    const node = await start({ publicOrigin: 'https://phone.b.example' })
    const post = (origin: string) =>
      fetch(node.url + '/api/calls', {
        method: 'POST',
        headers: { ...json, cookie: `ime_session=${node.session('alice')}`, origin },
        body: JSON.stringify(aCall),
      })
    expect((await post('https://phone.b.example')).status).toBe(201)
    expect((await post('https://phone.b.example.evil.example')).status).toBe(403)
    expect((await post('http://phone.b.example')).status).toBe(403)
  })

  it('answers a CORS preflight with no Access-Control headers', async () => {
    const node = await start()
    const res = await fetch(node.url + '/api/calls', {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    })
    expect(res.status).toBe(405)
    expect([...res.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([])
  })
})

describe('call history', () => {
  it('records a user’s own calls, each field checked, and shows a user only theirs', async () => {
    const node = await start()
    const alice = { authorization: `Bearer ${node.session('alice')}`, ...json }
    const post = (body: unknown) =>
      fetch(node.url + '/api/calls', { method: 'POST', headers: alice, body: JSON.stringify(body) })
    const made = await post(aCall)
    expect(made.status).toBe(201)
    expect(((await made.json()) as { call: unknown }).call).toMatchObject({
      direction: 'outbound',
      from: '+12015550100',
      to: '+12025550102',
      path: 'ime',
      fallback: false,
      user: 'alice',
    })
    const refusals: [unknown, RegExp][] = [
      [{ ...aCall, number: '2025550102' }, /number must be an E.164 number/],
      [{ ...aCall, start: 'soon' }, /start must be a time/],
      [{ ...aCall, end: aCall.start - 1 }, /end must be a time in ms since the epoch, not before start/],
      [{ ...aCall, start: START + 3600_000, end: START + 3700_000 }, /start is in the future/],
      [{ ...aCall, path: 'sip' }, /path must be "ime"/],
      [{ ...aCall, fallback: 'yes' }, /fallback must be true \(the IME call moved to the PSTN mid-call\) or false/],
      [{ ...aCall, outcome: 'great' }, /outcome must be one of answered/],
      [{ ...aCall, direction: 'sideways' }, /direction must be "outbound"/],
      // What validation reads (PSTN records) never comes from a user: the review's forged-record attack.
      [{ ...aCall, path: 'pstn' }, /the node records PSTN calls itself/],
      [{ ...aCall, path: 'pstn', direction: 'inbound' }, /the node records PSTN calls itself/],
      [{ ...aCall, direction: 'inbound' }, /records the calls that reach its users itself/],
      [{ ...aCall, path: 'pstn', fallback: true }, /the node records PSTN calls itself/],
      [{ ...aCall, user: 'bob' }, /unknown field user/],
    ]
    for (const [body, reason] of refusals) {
      const res = await post(body)
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: string }).error).toMatch(reason)
    }
    expect(node.calls.inboundTo('+12015550100' as E164, 0, START + 3600_000)).toEqual([])
    expect(node.calls.list({ limit: 100 }).every((c) => c.path === 'ime')).toBe(true)
    node.calls.add({
      id: 'bob-1',
      direction: 'inbound',
      caller: '+12025550102' as E164,
      called: '+12015550101' as E164,
      start: START - 5000,
      path: 'pstn',
      user: 'bob',
    })
    const mine = await fetch(node.url + '/api/calls', { headers: alice })
    expect(((await mine.json()) as { calls: { user: string }[] }).calls.map((c) => c.user)).toEqual(['alice'])
    const all = await fetch(node.url + '/api/calls', { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })
    expect(((await all.json()) as { calls: { id: string }[] }).calls.map((c) => c.id)).toContain('bob-1')
    expect((await fetch(node.url + '/api/calls?limit=0', { headers: alice })).status).toBe(400)
  })

  it('refuses a call record from a user with no E.164 number', async () => {
    const node = await start()
    const res = await fetch(node.url + '/api/calls', {
      method: 'POST',
      headers: { authorization: `Bearer ${node.session('olga')}`, ...json },
      body: JSON.stringify(aCall),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'user olga has no E.164 number of their own, which a call record needs' })
  })
})

describe('validation outcomes', () => {
  it('lists the logged outcomes, newest first, with their time, to the operator', async () => {
    const logged = [
      {
        at: START - 1_000,
        outcome: {
          callId: 'c2',
          number: '+12025550102' as E164,
          kind: 'first' as const,
          outcome: 'validated' as const,
          dropped: false,
          domain: 'b.example',
        },
      },
      {
        at: START - 60_000,
        outcome: {
          callId: 'c1',
          number: '+12025550102' as E164,
          kind: 'first' as const,
          outcome: 'failed' as const,
          dropped: false,
          failure: 'not-proven' as const,
        },
      },
    ]
    const asked: number[] = []
    const node = await startTestNode({ validations: { recent: (limit) => (asked.push(limit), logged) } })
    try {
      const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` }
      const res = await fetch(node.url + '/api/validations?limit=20', { headers: operator })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ validations: logged.map((v) => ({ at: v.at, ...v.outcome })) })
      expect(asked).toEqual([20])
      const bad = await fetch(node.url + '/api/validations?limit=abc', { headers: operator })
      expect(bad.status).toBe(400)
      expect(((await bad.json()) as { error: string }).error).toBe('limit must be a whole number from 1 to 1000')
    } finally {
      await node.close()
    }
  })
})

describe('malformed requests', () => {
  it('answers 4xx with the reason, and keeps serving', async () => {
    const node = await start()
    const auth = { authorization: `Bearer ${node.session('alice')}` }
    const cases: [RequestInit, number, RegExp][] = [
      [{ body: '{"number": ', headers: { ...auth, ...json } }, 400, /the body is not valid JSON/],
      [{ body: '[1, 2]', headers: { ...auth, ...json } }, 400, /the body must be a JSON object/],
      [{ body: 'null', headers: { ...auth, ...json } }, 400, /the body must be a JSON object/],
      [
        { body: '{}', headers: { ...auth, 'content-type': 'text/plain' } },
        415,
        /must be application\/json; got text\/plain/,
      ],
      [{ body: 'x'.repeat(20_000), headers: { ...auth, ...json } }, 413, /larger than 16384 bytes/],
    ]
    for (const [init, status, reason] of cases) {
      const res = await fetch(node.url + '/api/calls', { method: 'POST', ...init })
      expect(res.status).toBe(status)
      expect(((await res.json()) as { error: string }).error).toMatch(reason)
    }
    const session = await fetch(node.url + '/api/session', {
      method: 'POST',
      headers: { ...json, 'x-ime-csrf': '1' },
      body: '{"user": 5, "password": "x"}',
    })
    expect(session.status).toBe(400)
    expect(await session.json()).toEqual({ error: 'user must be a user name (a string of 1..64 characters)' })
    const others: [string, string, number, RegExp][] = [
      ['GET', '/api/routes/12345', 400, /is not an E.164 number/],
      ['GET', '/api/routes/%E0%A4%A', 400, /malformed %-encoding/],
      ['GET', '/api/nothing', 404, /no API endpoint GET \/api\/nothing/],
      ['PUT', '/api/calls', 405, /PUT is not allowed on \/api\/calls; use GET or POST/],
    ]
    for (const [method, path, status, reason] of others) {
      const res = await fetch(node.url + path, { method, headers: auth })
      expect(res.status).toBe(status)
      expect(((await res.json()) as { error: string }).error).toMatch(reason)
    }
    const bad = await fetch(node.url + '/api/domains/not_a_domain!/block', {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    })
    expect(bad.status).toBe(400)
    const malformedAuth = await fetch(node.url + '/api/calls', { headers: { authorization: 'Basic abc' } })
    expect(await malformedAuth.json()).toEqual({ error: 'the Authorization header must be "Bearer TOKEN"' })
    expect((await fetch(node.url + '/api/health')).status).toBe(200)
  })

  it('refuses an operator token shorter than 16 characters at start', async () => {
    await expect(startTestNode({ operatorToken: 'short' })).rejects.toThrow(/at least 16 characters/)
  })
})

describe('activity over time', () => {
  it('gives the operator counts per bucket over the last hour or day; a user may not see it', async () => {
    const node = await startTestNode()
    nodes.push(node)
    const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` }
    const hour = await (await fetch(node.url + '/api/activity', { headers: operator })).json()
    expect(hour).toMatchObject({ window: 'hour', bucketMs: 300_000, calls: {}, validations: {}, conflicts: {} })
    const day = await fetch(node.url + '/api/activity?window=day', { headers: operator })
    expect(await day.json()).toMatchObject({ window: 'day', bucketMs: 3_600_000 })
    expect((await fetch(node.url + '/api/activity?window=week', { headers: operator })).status).toBe(400)
    const user = { authorization: `Bearer ${node.session('alice')}` }
    expect((await fetch(node.url + '/api/activity', { headers: user })).status).toBe(403)
  })
})

describe('routes and the block list', () => {
  it('vouches for one call of the signed-in user at a time, and tells why not', async () => {
    const asked: unknown[] = []
    const node = await start({
      authorizeCall(user, number) {
        asked.push({ user, number })
        if (number === '+12025550199')
          return { ok: false, error: { status: 404, error: `no learned route to ${number}` } }
        const headers = { 'X-IME-Ticket': 'T', Identity: 'a.b.c;info=<urn:ime:peer:P>;alg=EdDSA;ppt=ime' }
        return { ok: true, value: { headers, route: { sipUri: 'sip:x@b.example', domain: 'b.example', expiresAt: 1 } } }
      },
    })
    const auth = { authorization: `Bearer ${node.session('alice')}`, ...json }
    const post = (body: unknown) =>
      fetch(node.url + '/api/calls/authorize', { method: 'POST', headers: auth, body: JSON.stringify(body) })
    const good = await post({ number: '+12025550102' })
    expect(good.status).toBe(200)
    expect(good.headers.get('cache-control')).toBe('no-store')
    expect((await good.json()).headers['X-IME-Ticket']).toBe('T')
    expect(asked).toEqual([{ user: { name: 'alice', number: '+12015550100' }, number: '+12025550102' }])
    expect(await (await post({ number: '+12025550199' })).json()).toEqual({ error: 'no learned route to +12025550199' })
    const bad = await post({ number: '12025550102' })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error).toMatch(/must be an E.164 number/)
    // Signed out: the same session can no longer get a call vouched for.
    await fetch(node.url + '/api/session', { method: 'DELETE', headers: auth })
    expect((await post({ number: '+12025550102' })).status).toBe(401)
    expect(asked).toHaveLength(2)
  })

  it('shows routes per number without their tickets; the operator removes routes and blocks domains', async () => {
    const node = await start()
    const route = {
      number: '+12025550102' as E164,
      sipUri: 'sip:+12025550102@b.example',
      domain: 'b.example',
      ticket: 'T1cket',
      claimer: 'ab'.repeat(16),
      validatedAt: START - 1000,
      expiresAt: START + 3600_000,
    }
    node.routes.put(route)
    const user = { authorization: `Bearer ${node.session('alice')}` }
    const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` }
    // The list is the operator page's; a user asks per number. Neither carries a ticket.
    expect((await fetch(node.url + '/api/routes', { headers: user })).status).toBe(403)
    const list = await (await fetch(node.url + '/api/routes', { headers: operator })).json()
    expect(list).toEqual({
      routes: [
        {
          number: route.number,
          sipUri: route.sipUri,
          domain: 'b.example',
          expiresAt: route.expiresAt,
          validatedAt: route.validatedAt,
          provenCalls: 1,
          trusted: true,
          claimer: route.claimer,
        },
      ],
    })
    const one = await (await fetch(node.url + '/api/routes/%2B12025550102', { headers: user })).json()
    expect(one).toMatchObject({ number: route.number, routes: [{ domain: 'b.example', sipUri: route.sipUri }] })
    expect(JSON.stringify(one)).not.toContain('T1cket')
    const blocked = await fetch(node.url + '/api/domains/B.Example/block', { method: 'POST', headers: operator })
    expect(await blocked.json()).toEqual({ domain: 'b.example', blocked: true, routesRemoved: 1 })
    expect(node.routes.put(route).ok).toBe(false)
    await fetch(node.url + '/api/domains/b.example/block', { method: 'DELETE', headers: operator })
    expect(node.routes.put(route).ok).toBe(true)
    const removed = await fetch(node.url + '/api/routes/+12025550102', { method: 'DELETE', headers: operator })
    expect(await removed.json()).toEqual({ number: route.number, removed: 1 })
    expect(node.routes.list(START)).toEqual([])
  })
})
