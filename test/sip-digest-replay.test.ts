/**
 * Digest answers are good once (issue 15): a captured Authorization or Proxy-Authorization replayed on the
 * internal face authenticates nothing, whether for the same request again or for another Request-URI; a phone
 * that reuses a nonce with a growing nonce count (as JsSIP and SIP.js do) goes on working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { answerChallenge } from '../src/sip/auth/index.js'
import { authValues, type AuthValue, type SipResponse } from '../src/sip/message/index.js'
import { phoneOn, startAgent, type StartedAgent } from '../src/testing/interop/call-agent.js'
import type { SipPhone } from '../src/testing/scripted-phone.js'

const ALICE = { name: 'alice', password: 'alice-secret', number: '+12015550100' }
let agent: StartedAgent
let phone: SipPhone

beforeAll(async () => {
  agent = await startAgent('replay.example', [ALICE])
  phone = await phoneOn(agent, ALICE)
})
afterAll(async () => {
  await phone?.close()
  await agent?.agent.stop()
})

/** A REGISTER's challenge: the nonce to answer. */
async function challenge(): Promise<AuthValue> {
  const res = await phone.registerWith(
    'Digest username="alice", realm="elsewhere", nonce="x", uri="sip:x", response="0"',
  )
  expect(res.status).toBe(401)
  const values = authValues(res, 'WWW-Authenticate')
  if (!values.ok || values.value.length === 0) throw new Error('no challenge')
  return values.value[0]!
}

function answer(c: AuthValue, nc: number, uri = 'sip:replay.example'): string {
  const a = answerChallenge(c, { user: ALICE.name, password: ALICE.password }, 'REGISTER', uri, `cn${nc}`, nc)
  if (!a.ok) throw new Error(a.error)
  return a.value
}

const stale = (r: SipResponse) => r.status === 401 && /stale=true/.test(r.headers.get('WWW-Authenticate') ?? '')

describe('digest replay protection on the internal face', () => {
  it('takes an answer once; the same nonce with a higher count is fine, a lower or equal one is a replay', async () => {
    const c = await challenge()
    const first = answer(c, 1)
    expect((await phone.registerWith(first)).status).toBe(200)
    // The very same header again (a capture replayed): challenged afresh, stale=true, and not registered by it.
    expect(stale(await phone.registerWith(first))).toBe(true)
    expect((await phone.registerWith(answer(c, 2))).status).toBe(200)
    expect(stale(await phone.registerWith(answer(c, 2)))).toBe(true)
    expect(stale(await phone.registerWith(answer(c, 1)))).toBe(true)
    expect((await phone.registerWith(answer(c, 5))).status).toBe(200)
  })

  it('an answer without qop (RFC 2069) is good once', async () => {
    const withQop = await challenge()
    const c = { ...withQop, params: new Map([...withQop.params].filter(([k]) => k !== 'qop')) }
    const once = answer(c, 1)
    expect(once).not.toMatch(/nc=/)
    expect((await phone.registerWith(once)).status).toBe(200)
    expect(stale(await phone.registerWith(once))).toBe(true)
  })

  it('refuses an answer computed for another Request-URI, saying so', async () => {
    const c = await challenge()
    const res = await phone.registerWith(answer(c, 1, 'sip:other.example'))
    expect(res.status).toBe(400)
    expect(res.reason).toBe('Digest uri does not match the Request-URI')
    // Case and an explicit default scheme spelling do not matter; the host does.
    expect((await phone.registerWith(answer(c, 2, 'sip:REPLAY.example'))).status).toBe(200)
  })

  it("a captured INVITE's Proxy-Authorization places no second call, to that number or another", async () => {
    const first = (await phone.call(`sip:${ALICE.number}@replay.example`)) as Awaited<ReturnType<SipPhone['call']>> & {
      request?: { headers: { get(n: string): string | undefined } }
    }
    const captured = first.request?.headers.get('Proxy-Authorization')
    expect(captured).toMatch(/^Digest /)
    const again = await phone.call(`sip:${ALICE.number}@replay.example`, [['Proxy-Authorization', captured!]], false)
    expect(again.final.status).toBe(407)
    expect(again.final.headers.get('Proxy-Authenticate')).toMatch(/stale=true/)
    const elsewhere = await phone.call('sip:+14155550199@replay.example', [['Proxy-Authorization', captured!]], false)
    expect(elsewhere.final.status).toBe(400)
    expect(elsewhere.final.reason).toBe('Digest uri does not match the Request-URI')
  })
})
