import { describe, expect, it } from 'vitest'
import { ApiClient, ApiError, parseCalls, parseIceServers, parseRoutes, parseSession, toMillis } from './api.js'

interface Sent {
  url: string
  init: RequestInit
}

function fakeFetch(status: number, body: unknown, sent: Sent[]): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    sent.push({ url, init })
    return new Response(body === undefined ? '' : JSON.stringify(body), { status })
  }) as unknown as typeof fetch
}

const header = (s: Sent | undefined, name: string) => (s?.init.headers as Record<string, string>)[name]

describe('HTTP API client', () => {
  it('signs in by the session cookie alone: a token in the answer is not kept; state changes carry X-IME-CSRF', async () => {
    const sent: Sent[] = []
    const user = { name: 'alice', number: '+14085550100', domain: 'a.example', sipWsUrl: 'wss://a.example/sip' }
    const api = new ApiClient({ fetch: fakeFetch(200, { token: 'T', expiresAt: '2026-11-25T20:00:00Z', user }, sent) })
    const session = await api.signIn('alice', 'pw')
    expect(session).toEqual({ token: 'T', expiresAt: Date.parse('2026-11-25T20:00:00Z'), user })
    expect(sent[0]?.url).toBe('/api/session')
    expect(sent[0]?.init.method).toBe('POST')
    expect(JSON.parse(String(sent[0]?.init.body))).toEqual({ user: 'alice', password: 'pw' })
    expect(header(sent[0], 'X-IME-CSRF')).toBe('1')
    await api.routesTo('+14155550123').catch(() => undefined)
    expect(sent[1]?.url).toBe('/api/routes/%2B14155550123')
    expect(header(sent[1], 'Authorization')).toBeUndefined()
    expect(header(sent[1], 'X-IME-CSRF')).toBeUndefined()
  })

  it('turns error answers into ApiError with the server reason', async () => {
    const api = new ApiClient({ fetch: fakeFetch(401, { error: 'wrong user name or password' }, []) })
    const e = await api.signIn('alice', 'nope').catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect(e).toMatchObject({ status: 401, message: 'POST /api/session: 401 wrong user name or password' })
  })

  it('reads routes and calls leniently: ISO or epoch times, wrapped lists, incomplete entries dropped', () => {
    const route = {
      number: '+14155550123',
      sipUri: 'sip:+14155550123@b.example;transport=ws',
      domain: 'b.example',
      expiresAt: '2026-11-25T20:00:00Z',
      validatedAt: 1764072000000,
    }
    const { number: _number, ...bare } = route
    expect(parseRoutes({ number: route.number, routes: [bare] })).toEqual(parseRoutes([route]))
    // A ticket in an answer (an older node) is not kept: the page never holds one.
    expect(parseRoutes({ routes: [{ ...route, ticket: 'T' }] })[0]).not.toHaveProperty('ticket')
    expect(parseRoutes({ routes: [route, { number: 'x' }] })).toEqual([
      { ...route, expiresAt: Date.parse('2026-11-25T20:00:00Z') },
    ])
    expect(parseRoutes([{ ...route, wsUrl: 'wss://b.example/ime' }])[0]?.wsUrl).toBe('wss://b.example/ime')
    expect(
      parseCalls([{ id: 7, direction: 'inbound', number: '+1', start: 5, path: 'ime', outcome: 'missed' }]),
    ).toEqual([
      { id: '7', direction: 'in', from: '+1', to: '', start: 5, path: 'ime', fallback: false, outcome: 'missed' },
    ])
    expect(parseCalls({ calls: [{ id: 'i', direction: 'outbound', to: '+2', start: 5, path: 'internal' }] })).toEqual([
      {
        id: 'i',
        direction: 'out',
        from: '',
        to: '+2',
        start: 5,
        path: 'internal',
        fallback: false,
        outcome: 'unknown',
      },
    ])
    expect(toMillis('12')).toBe(12)
    expect(toMillis('not a time')).toBeUndefined()
    expect(() => parseSession({ token: 'T', user: { name: 'a' } })).toThrow(/without a name and a number/)
  })
})

describe('ICE servers from the node', () => {
  it('become an RTCConfiguration: STUN and TURN with credentials, the policy, and when to ask again', () => {
    const parsed = parseIceServers({
      iceServers: [
        { urls: ['stun:t.example:3478'] },
        { urls: ['turn:t.example:3478?transport=udp'], username: '1700000600:alice', credential: 'c2VjcmV0' },
        { urls: [] },
        'junk',
      ],
      iceTransportPolicy: 'relay',
      expiresAt: 1_700_000_600_000,
    })
    expect(parsed).toEqual({
      config: {
        iceServers: [
          { urls: ['stun:t.example:3478'] },
          { urls: ['turn:t.example:3478?transport=udp'], username: '1700000600:alice', credential: 'c2VjcmV0' },
        ],
        iceTransportPolicy: 'relay',
      },
      expiresAt: 1_700_000_600_000,
    })
    expect(parseIceServers({})).toEqual({ config: { iceServers: [], iceTransportPolicy: 'all' }, expiresAt: 0 })
  })
})
