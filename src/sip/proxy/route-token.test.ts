import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { newRequest, SipHeaders, type SipRequest } from '../message/index.js'
import { ROUTE_TOKEN_LIFETIME_MS, RouteTokens } from './route-token.js'

const SECRET = new Uint8Array(32).fill(7)
const FLOWS = { a: 'conn-a', b: 'conn-b', tag: 'caller-tag' }

/** An in-dialog BYE whose top Route carries `token`. */
function bye(token: string, o: { callId?: string; from?: string; to?: string; more?: string[] } = {}): SipRequest {
  const h = new SipHeaders()
  h.add('Via', 'SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKx')
  h.add('From', `<sip:bob@b.example>;tag=${o.from ?? 'callee-tag'}`)
  h.add('To', `<sip:carol@b.example>;tag=${o.to ?? 'caller-tag'}`)
  h.add('Call-ID', o.callId ?? 'call-1')
  h.add('CSeq', '2 BYE')
  h.add('Route', `<sip:127.0.0.1:5070;transport=tcp;lr;ime=${token}>`)
  for (const r of o.more ?? []) h.add('Route', r)
  return newRequest('BYE', 'sip:carol@phone.invalid', h)
}

describe('Record-Route flow tokens', () => {
  it('are honoured only in their own dialog (Call-ID and caller tag), untampered, for 24 hours', () => {
    let now = 1_000_000
    const tokens = new RouteTokens(SECRET, () => now)
    const token = tokens.issue(FLOWS, 'call-1', [])
    expect(tokens.read(bye(token))).toMatchObject({ ...FLOWS, side: 'b' })
    // From the caller's side the caller's tag is the From tag.
    expect(tokens.read(bye(token, { from: 'caller-tag', to: 'callee-tag' }))).toBeDefined()
    expect(tokens.read(bye(token, { callId: 'call-2' }))).toBeUndefined()
    expect(tokens.read(bye(token, { from: 'x', to: 'y' }))).toBeUndefined()
    const [body, mac] = token.split('.') as [string, string]
    expect(tokens.read(bye(`${body}.${mac.slice(1)}A`))).toBeUndefined()
    expect(new RouteTokens(new Uint8Array(32).fill(8), () => now).read(bye(token))).toBeUndefined()
    now += ROUTE_TOKEN_LIFETIME_MS - 1000
    expect(tokens.read(bye(token))).toBeDefined()
    now += 1000
    expect(tokens.read(bye(token))).toBeUndefined()
  })

  it('the caller gets a token of its own, bound to the route set after ours', () => {
    const tokens = new RouteTokens(SECRET)
    const callee = tokens.issue(FLOWS, 'call-1', ['<sip:up.example;lr>'])
    const caller = tokens.forCaller(callee, ['sip:down.example:5080;transport=tcp;lr'])!
    expect(tokens.read(bye(caller))).toMatchObject({ side: 'a' })
    expect(tokens.read(bye(caller))!.next).not.toBe(tokens.read(bye(callee))!.next)
    expect(tokens.forCaller(`${callee.slice(0, -2)}AA`, [])).toBeUndefined()
    // The 180 and the 200 of one dialog carry the same caller's token; another route set gets another.
    expect(tokens.forCaller(callee, ['sip:down.example:5080;transport=tcp;lr'])).toBe(caller)
    expect(tokens.forCaller(callee, [])).not.toBe(caller)
  })

  it('a restarted proxy with the same key honours the tokens written before (same digests)', () => {
    const before = new RouteTokens(SECRET)
    const callee = before.issue(FLOWS, 'call-1', ['<sip:up.example;lr>'])
    const caller = before.forCaller(callee, [])!
    const after = new RouteTokens(SECRET)
    expect(after.read(bye(callee))).toEqual(before.read(bye(callee)))
    expect(after.read(bye(caller))).toEqual(before.read(bye(caller)))
    expect(after.read(bye(caller, { callId: 'call-2' }))).toBeUndefined()
  })

  it('tokens of the older shape (flows only, bound to no dialog) are refused', () => {
    const body = Buffer.from('conn-a|conn-b|caller-tag').toString('base64url')
    const mac = createHmac('sha256', SECRET).update(body).digest().subarray(0, 12).toString('base64url')
    expect(new RouteTokens(SECRET).read(bye(`${body}.${mac}`))).toBeUndefined()
  })
})
