import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SipHeaders } from './headers.js'
import {
  addRecordRoute,
  addVia,
  authValues,
  branch,
  callId,
  contacts,
  cseq,
  decrementMaxForwards,
  expires,
  fromTag,
  maxForwards,
  newRequest,
  popRoute,
  recordRoutes,
  removeTopVia,
  responseTo,
  routes,
  routeUris,
  toTag,
  topVia,
  vias,
  type SipRequest,
} from './message.js'
import { parseMessage } from './parser.js'
import { serialiseMessage } from './serialise.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

function request(lines: string[]): SipRequest {
  const r = parseMessage(enc.encode(lines.join('\r\n') + '\r\n\r\n'))
  if (!r.ok) throw new Error(r.error.reason)
  if (r.value.kind !== 'request') throw new Error('not a request')
  return r.value
}

const INVITE = [
  'INVITE sip:+15551234567@ime.biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/TCP proxy.atlanta.example.com:5060;branch=z9hG4bKnashds8, SIP/2.0/WSS a.invalid;branch=z9hG4bK1;received=192.0.2.7;rport=40001',
  'Max-Forwards: 69',
  'Route: <sip:ime.biloxi.example.com;lr>, <sip:core.biloxi.example.com;lr>',
  'Record-Route: <sip:proxy.atlanta.example.com;lr>',
  'From: "Alice" <sip:+15550000001@atlanta.example.com>;tag=9fxced76sl',
  'To: <sip:+15551234567@biloxi.example.com>',
  'Call-ID: 3848276298220188511@atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@a.invalid;transport=ws;ob>;expires=300',
  'X-IME-Ticket: AQID-ticket',
  'Timestamp: 54',
  'Content-Length: 0',
]

describe('typed views', () => {
  const m = request(INVITE)
  it('reads what a proxy needs', () => {
    expect(vias(m)).toMatchObject({ ok: true, value: [{ transport: 'TCP' }, { transport: 'WSS', host: 'a.invalid' }] })
    expect(topVia(m)).toMatchObject({ ok: true, value: { host: 'proxy.atlanta.example.com', port: 5060 } })
    expect(branch(m)).toBe('z9hG4bKnashds8')
    expect(callId(m)).toBe('3848276298220188511@atlanta.example.com')
    expect(cseq(m)).toEqual({ ok: true, value: { seq: 314159, method: 'INVITE' } })
    expect(fromTag(m)).toBe('9fxced76sl')
    expect(toTag(m)).toBeUndefined()
    expect(maxForwards(m)).toEqual({ ok: true, value: 69 })
    expect(expires(m)).toEqual({ ok: true, value: undefined })
    expect(m.headers.get('x-ime-ticket')).toBe('AQID-ticket')
    expect(routes(m)).toMatchObject({
      ok: true,
      value: [{ uri: 'sip:ime.biloxi.example.com;lr' }, { uri: 'sip:core.biloxi.example.com;lr' }],
    })
    expect(recordRoutes(m)).toMatchObject({ ok: true, value: [{ uri: 'sip:proxy.atlanta.example.com;lr' }] })
    expect(contacts(m)).toMatchObject({
      ok: true,
      value: [{ uri: 'sip:alice@a.invalid;transport=ws;ob', params: [{ name: 'expires', value: '300' }] }],
    })
  })

  it('reads digest credentials and challenges, one per line', () => {
    const r = request([
      ...INVITE.slice(0, -1),
      'Proxy-Authorization: Digest username="alice", realm="atlanta.example.com", nonce="n1", uri="sip:x", response="r1"',
      'Content-Length: 0',
    ])
    const creds = authValues(r, 'Proxy-Authorization')
    expect(creds.ok && creds.value[0]?.params.get('username')).toBe('alice')
    expect(authValues(r, 'Authorization')).toEqual({ ok: true, value: [] })
  })

  it('reads the REGISTER wildcard and refuses it mixed with contacts', () => {
    const reg = request([
      'REGISTER sip:example.com SIP/2.0',
      'Via: SIP/2.0/TCP h;branch=z9hG4bK1',
      'From: <sip:a@example.com>;tag=1',
      'To: <sip:a@example.com>',
      'Call-ID: c1',
      'CSeq: 1 REGISTER',
      'Contact: *',
      'Expires: 0',
      'Content-Length: 0',
    ])
    expect(contacts(reg)).toEqual({ ok: true, value: '*' })
    expect(expires(reg)).toEqual({ ok: true, value: 0 })
    reg.headers.add('Contact', '<sip:a@h>')
    expect(contacts(reg)).toEqual({ ok: false, error: 'Contact "*" must be the only contact' })
    reg.headers.set('Expires', 'soon')
    expect(expires(reg)).toMatchObject({ ok: false, error: 'Expires "soon" is not a number from 0 to 4294967295' })
  })
})

describe('forwarding edits', () => {
  it('adds a Via, decrements Max-Forwards, pops the Route and adds a Record-Route', () => {
    const m = request(INVITE)
    expect(
      addVia(m, {
        transport: 'TCP',
        host: 'ime.biloxi.example.com',
        port: 5070,
        params: [{ name: 'branch', value: 'z9hG4bKnew' }],
      }),
    ).toEqual({ ok: true, value: undefined })
    expect(branch(m)).toBe('z9hG4bKnew')
    expect(decrementMaxForwards(m)).toEqual({ ok: true, value: 68 })
    expect(popRoute(m)).toMatchObject({ ok: true, value: { uri: 'sip:ime.biloxi.example.com;lr' } })
    expect(addRecordRoute(m, 'sip:ime.biloxi.example.com:5070;transport=tcp;lr').ok).toBe(true)
    const out = serialiseMessage(m)
    if (!out.ok) throw new Error(out.error)
    const text = dec.decode(out.value)
    expect(text).toContain(
      'Via: SIP/2.0/TCP ime.biloxi.example.com:5070;branch=z9hG4bKnew\r\nVia: SIP/2.0/TCP proxy.atlanta.example.com:5060;branch=z9hG4bKnashds8, SIP/2.0/WSS',
    )
    expect(text).toContain('Max-Forwards: 68\r\n')
    expect(text).toContain('Route: <sip:core.biloxi.example.com;lr>\r\n')
    expect(text).toContain(
      'Record-Route: <sip:ime.biloxi.example.com:5070;transport=tcp;lr>\r\nRecord-Route: <sip:proxy.atlanta.example.com;lr>',
    )
    // The forwarded request parses back to the same views.
    const again = parseMessage(out.value)
    expect(again.ok && routes(again.value)).toMatchObject({
      ok: true,
      value: [{ uri: 'sip:core.biloxi.example.com;lr' }],
    })
  })

  it('refuses a malformed Via or Record-Route instead of writing it', () => {
    const m = request(INVITE)
    expect(addVia(m, 'SIP/2.0/TCP bad host')).toMatchObject({ ok: false })
    expect(addVia(m, 'SIP/2.0/TCP h;branch=x\r\nEvil: 1')).toMatchObject({ ok: false })
    expect(addRecordRoute(m, 'sip:p>evil')).toMatchObject({ ok: false })
    expect(m.headers.getAll('Via')).toHaveLength(1)
  })

  it('answers 483 material when Max-Forwards is 0, and starts at 70 when absent', () => {
    const m = request(INVITE)
    m.headers.set('Max-Forwards', '0')
    expect(decrementMaxForwards(m)).toEqual({ ok: false, error: 'Too Many Hops' })
    m.headers.remove('Max-Forwards')
    expect(decrementMaxForwards(m)).toEqual({ ok: true, value: 70 })
    expect(m.headers.get('Max-Forwards')).toBe('70')
  })

  it('takes the top Via off a response even from a combined line', () => {
    const m = request(INVITE)
    const response = responseTo(m, 200)
    if (!response.ok) throw new Error(response.error)
    expect(removeTopVia(response.value)).toMatchObject({ ok: true, value: { host: 'proxy.atlanta.example.com' } })
    expect(topVia(response.value)).toMatchObject({ ok: true, value: { transport: 'WSS', host: 'a.invalid' } })
    expect(removeTopVia(response.value)).toMatchObject({ ok: true, value: { host: 'a.invalid' } })
    expect(removeTopVia(response.value)).toEqual({ ok: true, value: undefined })
  })
})

describe('addRecordRoute', () => {
  it.each(['sip:a b;lr', 'sip:a;lr>, <sip:evil', 'nothing', 'sip:;lr'])('refuses %s', (uri) => {
    const m = request(INVITE)
    const r = addRecordRoute(m, uri)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toMatch(/^Record-Route: /)
    expect(m.headers.getAll('Record-Route')).toEqual(['<sip:proxy.atlanta.example.com;lr>'])
  })
})

describe('routeUris', () => {
  const entry = fc.constantFrom(
    '<sip:a.example;lr>',
    '<sip:127.0.0.1:5070;transport=tcp;lr;ime=abc.DEF>;x=1',
    '"Proxy" <sip:p.example;lr>',
    'Proxy <sip:q.example;lr>',
    'sip:bare.example',
    '<sip:x.example;lr>;p="<y>"',
    '<sips:[::1]:5061;lr>',
  )
  it('gives the URIs routes() gives, for every list that parses', () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 4 }), fc.array(entry, { maxLength: 3 }), (a, b) => {
        const lines = [`Route: ${a.join(', ')}`, ...(b.length > 0 ? [`Route: ${b.join(',')}`] : [])]
        const m = request([...INVITE.filter((l) => !l.startsWith('Route:')), ...lines])
        const full = routes(m)
        expect(full.ok).toBe(true)
        expect(routeUris(m, 'Route')).toEqual({ ok: true, value: full.ok ? full.value.map((r) => r.uri) : [] })
        popRoute(m)
        expect(routeUris(m, 'Route')).toEqual({ ok: true, value: full.ok ? full.value.slice(1).map((r) => r.uri) : [] })
      }),
      { numRuns: 500 },
    )
  })

  it('takes a bracketed URI as written, unchecked, and parses any other shape in full', () => {
    const m = request([...INVITE.filter((l) => !l.startsWith('Route:')), 'Route: <sip:bad host;lr>, <sip:ok;lr>'])
    expect(routes(m).ok).toBe(false)
    expect(routeUris(m, 'Route')).toEqual({ ok: true, value: ['sip:bad host;lr', 'sip:ok;lr'] })
    const n = request([...INVITE.filter((l) => !l.startsWith('Route:')), 'Route: "a" <sip:bad host>'])
    expect(routeUris(n, 'Route').ok).toBe(false)
  })
})

describe('lists after their first value is removed', () => {
  it('keeps the parsed rest of the Routes and Vias (the same objects, not parsed again)', () => {
    const m = request(INVITE)
    const before = routes(m)
    const viasBefore = vias(m)
    if (!before.ok || !viasBefore.ok) throw new Error('INVITE does not parse')
    expect(popRoute(m).ok).toBe(true)
    const after = routes(m)
    expect(after.ok && after.value).toEqual(before.value.slice(1))
    expect(after.ok && after.value[0]).toBe(before.value[1])
    expect(removeTopVia(m).ok).toBe(true)
    const viasAfter = vias(m)
    expect(viasAfter.ok && viasAfter.value[0]).toBe(viasBefore.value[1])
    expect(viasAfter.ok && viasAfter.value.length).toBe(viasBefore.value.length - 1)
  })

  it('parses again a list that had an error, which the removed value may have held', () => {
    const m = request([
      ...INVITE.filter((l) => !l.startsWith('Route:')),
      'Route: <sip:a;lr>, <sip:b;lr>',
      'Route: <bad uri>',
    ])
    expect(routes(m).ok).toBe(false)
    expect(popRoute(m).ok).toBe(true)
    expect(routes(m).ok).toBe(false)
    expect(popRoute(m).ok).toBe(true)
    expect(popRoute(m).ok).toBe(false)
    expect(routes(m)).toEqual({ ok: true, value: [] })
  })
})

describe('responseTo', () => {
  it('copies Via, From, To, Call-ID and CSeq, and adds the To tag', () => {
    const m = request(INVITE)
    const r = responseTo(m, 486, undefined, { toTag: 'b7x' })
    if (!r.ok) throw new Error(r.error)
    const out = serialiseMessage(r.value)
    expect(out.ok && dec.decode(out.value)).toBe(
      [
        'SIP/2.0 486 Busy Here',
        'Via: SIP/2.0/TCP proxy.atlanta.example.com:5060;branch=z9hG4bKnashds8, SIP/2.0/WSS a.invalid;branch=z9hG4bK1;received=192.0.2.7;rport=40001',
        'From: "Alice" <sip:+15550000001@atlanta.example.com>;tag=9fxced76sl',
        'To: <sip:+15551234567@biloxi.example.com>;tag=b7x',
        'Call-ID: 3848276298220188511@atlanta.example.com',
        'CSeq: 314159 INVITE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    )
    expect(toTag(r.value)).toBe('b7x')
  })

  it('keeps an existing To tag, gives 100 no tag but the Timestamp, copies Record-Route on 2xx when asked', () => {
    const m = request(INVITE)
    const trying = responseTo(m, 100, undefined, { toTag: 'x' })
    expect(trying.ok && toTag(trying.value)).toBeUndefined()
    expect(trying.ok && trying.value.headers.get('Timestamp')).toBe('54')
    const ok200 = responseTo(m, 200, 'OK', { toTag: 'x', copyRecordRoute: true, body: enc.encode('v=0\r\n') })
    expect(ok200.ok && ok200.value.headers.get('Record-Route')).toBe('<sip:proxy.atlanta.example.com;lr>')
    const s = ok200.ok ? serialiseMessage(ok200.value) : undefined
    expect(s?.ok && dec.decode(s.value)).toContain('Content-Length: 5\r\n\r\nv=0\r\n')
    m.headers.set('To', '<sip:b@example.com>;tag=existing')
    const again = responseTo(m, 200, 'OK', { toTag: 'x' })
    expect(again.ok && again.value.headers.get('To')).toBe('<sip:b@example.com>;tag=existing')
  })

  it('refuses a bad status, reason or tag', () => {
    const m = request(INVITE)
    expect(responseTo(m, 99)).toMatchObject({ ok: false })
    expect(responseTo(m, 403, 'Forbidden\r\nX: y')).toMatchObject({ ok: false })
    expect(responseTo(m, 200, 'OK', { toTag: 'a b' })).toMatchObject({ ok: false })
  })

  it('answers a request built by hand', () => {
    const h = new SipHeaders()
    h.add('Via', 'SIP/2.0/TCP h;branch=z9hG4bK2')
    h.add('Call-ID', 'x')
    const r = responseTo(newRequest('OPTIONS', 'sip:a@b', h), 200)
    expect(r.ok && [...r.value.headers.fields()].map((f) => f.name)).toEqual(['Via', 'Call-ID'])
  })
})
